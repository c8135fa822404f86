#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::storage {

// One log event as stored: a timestamp and one line of text (no trailing newline).
struct LogEvent {
  int64_t timestamp_millis = 0;
  std::string message;
};

// Appends events to one log stream's file. Events are buffered in memory and reach the file on
// Flush() (callers flush at the end of each invocation) or when the buffer grows large.
// Thread-compatible.
class LogStreamWriter {
 public:
  LogStreamWriter(int fd, std::string group, std::string stream);
  ~LogStreamWriter();
  LogStreamWriter(const LogStreamWriter&) = delete;
  LogStreamWriter& operator=(const LogStreamWriter&) = delete;

  void Append(int64_t timestamp_millis, std::string_view message);
  void Flush();
  const std::string& group() const { return group_; }
  const std::string& stream() const { return stream_; }

 private:
  int fd_;
  std::string group_;
  std::string stream_;
  std::string pending_;
};

// Durable log groups and streams under one directory, laid out as
// <root>/<percent-encoded group>/<percent-encoded stream>.log with one event per line:
// "<epoch millis>\t<message with '\\' and newlines escaped>". See docs/formats.md.
// Thread-compatible.
class LogStore {
 public:
  explicit LogStore(std::filesystem::path root) : root_(std::move(root)) {}

  absl::StatusOr<std::unique_ptr<LogStreamWriter>> OpenStream(std::string_view group,
                                                              std::string_view stream);
  // Stream names of a group, in name order (which is creation-date order for Lambda streams).
  std::vector<std::string> ListStreams(std::string_view group) const;
  // Calls `on_event` for each complete event stored at or after byte `offset` of the stream's
  // file and returns the offset just past the last one, to resume from when following.
  absl::StatusOr<uint64_t> ReadStream(std::string_view group, std::string_view stream,
                                      uint64_t offset,
                                      const std::function<void(const LogEvent&)>& on_event) const;
  std::filesystem::path GroupDir(std::string_view group) const;

 private:
  std::filesystem::path root_;
};

}  // namespace serval::storage
