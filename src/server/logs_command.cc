#include "server/logs_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "common/time_format.h"
#include "storage/log_store.h"

namespace serval::server {

int PrintLogs(const std::string& data_dir, const std::string& function_name, bool follow) {
  const std::string group = "/aws/lambda/" + function_name;
  std::map<std::string, uint64_t> offsets;  // how far each stream has been printed
  bool printed_anything = false;
  while (true) {
    // A store opened afresh each round sees the streams Serval created since.
    storage::LogStore store(std::filesystem::path(data_dir) / "logs");
    auto streams = store.ListStreams(group);
    for (const storage::LogStreamInfo& stream :
         streams.ok() ? *streams : std::vector<storage::LogStreamInfo>{}) {
      uint64_t& offset = offsets[stream.name];
      auto next = store.ReadStream(group, stream.name, offset, [&](const storage::LogEvent& event) {
        fmt::print("{} {}\n", FormatIso8601Millis(event.timestamp_millis), event.message);
        printed_anything = true;
      });
      if (next.ok()) offset = *next;
    }
    std::fflush(stdout);
    if (!follow) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (!printed_anything && offsets.empty()) {
    fmt::print(stderr, "serval: no logs for function {} in {}\n", function_name, data_dir);
    return 1;
  }
  return 0;
}

}  // namespace serval::server
