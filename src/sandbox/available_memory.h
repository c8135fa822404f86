#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serval::sandbox {

// MemAvailable of `meminfo_path` (/proc/meminfo, or a file standing in for it in tests) in bytes:
// the kernel's estimate of what new processes can get without swapping (free memory plus the
// reclaimable page cache). Nullopt if it cannot be read.
std::optional<uint64_t> AvailableMemoryBytes(const std::string& meminfo_path);

// The MemAvailable line of `meminfo` (the text of /proc/meminfo) in bytes; nullopt without one.
std::optional<uint64_t> ParseMemAvailable(std::string_view meminfo);

}  // namespace serval::sandbox
