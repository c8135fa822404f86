#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/log_store.h"

// The file format of one log stream (docs/formats.md): a header line
// "#serval-log 2 <creation epoch millis> <percent-encoded name>", then one event per line,
// "<timestamp millis>\t<ingestion millis>\t<message, '\\' and newlines escaped>". Files written
// before the header existed (format 1) have no header and lines "<timestamp>\t<message>"; they
// are still read, their ingestion time taken to be the timestamp.
namespace serval::storage::log_file {

// The header of a stream's (or a group's `.group`) file.
std::string Header(int64_t creation_millis, std::string_view name);
// Appends one event's line, as a file in `format` has it, to `out`.
void AppendEvent(std::string& out, int format, int64_t timestamp_millis, int64_t ingestion_millis,
                 std::string_view message);

// What a stream's file says of itself, read from its header and its first and last lines.
struct Summary {
  int format = 2;
  std::optional<int64_t> creation_millis;  // format 1 files have none
  std::optional<std::string> name;         // the group's or stream's, from the header
  uint64_t first_event_offset = 0;
  std::optional<int64_t> first_event_millis;
  std::optional<int64_t> last_event_millis;
  std::optional<int64_t> last_ingestion_millis;
  uint64_t size = 0;
};
absl::StatusOr<Summary> Summarize(const std::string& path);

// Reads the events of the file at `path` that start in [offset, end_offset) (end 0: the end of
// the file) while `on_event` returns true; a last line without its newline (still being
// written) is left for later. Returns the offset past the last event read. `format` is the
// file's (Summary::format).
absl::StatusOr<uint64_t> ReadEvents(const std::string& path, int format, uint64_t offset,
                                    uint64_t end_offset,
                                    const std::function<bool(const LogEvent&)>& on_event);

// Whether an event line starts at `offset` of the file (the byte before it is a newline).
bool StartsLine(const std::string& path, uint64_t offset);

}  // namespace serval::storage::log_file
