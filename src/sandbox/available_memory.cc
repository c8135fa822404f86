#include "sandbox/available_memory.h"

#include <charconv>

#include "sandbox/kernel_files.h"

namespace serval::sandbox {

std::optional<uint64_t> ParseMemAvailable(std::string_view meminfo) {
  constexpr std::string_view kField = "MemAvailable:";
  size_t at = meminfo.find(kField);
  if (at == std::string_view::npos || (at != 0 && meminfo[at - 1] != '\n')) return std::nullopt;
  at += kField.size();
  while (at < meminfo.size() && meminfo[at] == ' ') ++at;
  const char* last = meminfo.data() + meminfo.size();
  uint64_t kib = 0;
  const auto [end, error] = std::from_chars(meminfo.data() + at, last, kib);
  if (error != std::errc() || std::string_view(end, last - end).substr(0, 3) != " kB") {
    return std::nullopt;
  }
  return kib * 1024;
}

std::optional<uint64_t> AvailableMemoryBytes(const std::string& meminfo_path) {
  const std::optional<std::string> meminfo = ReadKernelFile(meminfo_path);
  if (!meminfo) return std::nullopt;
  return ParseMemAvailable(*meminfo);
}

}  // namespace serval::sandbox
