#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace serval::sandbox {

// Small reads and writes of kernel interface files (cgroupfs, procfs). Each write is a single
// write(2), which is what those files expect. Thread-safe.
bool WriteKernelFile(const std::string& path, const std::string& text);
std::optional<std::string> ReadKernelFile(const std::string& path);

}  // namespace serval::sandbox
