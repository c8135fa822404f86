#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace serval::storage {

// One log event as stored. `offset` (the byte offset of its line in the stream's file) and the
// stream's id identify it for good: event ids and read positions are made from them.
struct LogEvent {
  int64_t timestamp_millis = 0;
  int64_t ingestion_millis = 0;
  uint64_t offset = 0;
  std::string message;  // one event; may contain newlines
};

// What is known of a stream without reading its events.
struct LogStreamInfo {
  std::string name;
  uint64_t id = 0;  // stable: a hash of group, stream and creation time
  int64_t creation_millis = 0;
  std::optional<int64_t> first_event_millis;  // of the first and last events appended
  std::optional<int64_t> last_event_millis;
  std::optional<int64_t> last_ingestion_millis;
  uint64_t first_event_offset = 0;  // where events start (past the file's header)
  uint64_t end_offset = 0;          // where the next event will go: the file's size
};

struct LogGroupInfo {
  std::string name;
  int64_t creation_millis = 0;
  uint64_t stored_bytes = 0;  // the size of its streams' files
};

class LogStore;

// Appends events to one log stream's file. Events are buffered in memory and reach the file on
// Flush() (callers flush at the end of each invocation) or when the buffer grows large; they are
// written, not synced: a crash of Serval loses nothing written, a crash of the machine may.
// Thread-compatible (one writer per environment, on the io thread).
class LogStreamWriter {
 public:
  LogStreamWriter(LogStore* store, int fd, int format, std::string group, std::string stream);
  ~LogStreamWriter();
  LogStreamWriter(const LogStreamWriter&) = delete;
  LogStreamWriter& operator=(const LogStreamWriter&) = delete;

  // An event ingested as it happens: its ingestion time is its timestamp.
  void Append(int64_t timestamp_millis, std::string_view message);
  void Flush();
  const std::string& group() const { return group_; }
  const std::string& stream() const { return stream_; }

 private:
  LogStore* store_;
  int fd_;
  int format_;  // of the file (log_file.h): what lines appended to it look like
  std::string group_;
  std::string stream_;
  std::string pending_;
  int64_t pending_first_millis_ = 0;  // of the events in pending_, to update the catalogue
  int64_t pending_last_millis_ = 0;
};

// Durable log groups and streams under one directory, laid out as
// <root>/<percent-encoded group>/<percent-encoded stream>.log: a header line, then one event per
// line (docs/formats.md). Groups and streams are listed from an in-memory catalogue that is
// filled from the files the first time a group is looked at, so a store opened on an existing
// directory (another process's `serval logs`) sees what is there.
//
// Thread-safe. Reading and appending do file I/O on the calling thread: the io thread only
// opens writers and flushes small batches; services read and sync on their own workers.
class LogStore {
 public:
  // `on_append` (optional) hears of every append, on the appending thread, after the bytes are
  // written: how subscription filters learn of new events.
  using AppendListener = std::function<void(const std::string& group, const std::string& stream)>;

  explicit LogStore(std::filesystem::path root) : root_(std::move(root)) {}
  void SetAppendListener(AppendListener listener);

  // Groups. CreateGroup: AlreadyExists if it exists. EnsureGroup creates it if missing.
  absl::Status CreateGroup(std::string_view group, int64_t now_millis);
  absl::Status EnsureGroup(std::string_view group, int64_t now_millis);
  // NotFound if there is no such group; removes its streams and files.
  absl::Status DeleteGroup(std::string_view group);
  std::optional<LogGroupInfo> GetGroup(std::string_view group);
  // Every group, in name order.
  std::vector<LogGroupInfo> ListGroups();

  // Streams. CreateStream: NotFound without the group, AlreadyExists if the stream exists.
  absl::Status CreateStream(std::string_view group, std::string_view stream, int64_t now_millis);
  absl::Status DeleteStream(std::string_view group, std::string_view stream);
  absl::StatusOr<LogStreamInfo> GetStream(std::string_view group, std::string_view stream);
  // A group's streams in name order (which is creation-date order for Lambda's streams);
  // NotFound without the group.
  absl::StatusOr<std::vector<LogStreamInfo>> ListStreams(std::string_view group);

  // A writer for the stream, creating the group (synced) and the stream (not synced: as durable
  // as the events written through it) if they are missing.
  absl::StatusOr<std::unique_ptr<LogStreamWriter>> OpenStream(std::string_view group,
                                                              std::string_view stream,
                                                              int64_t now_millis);
  // Appends events (in the order given) with one ingestion time and syncs them to disk before
  // returning: PutLogEvents' contract. NotFound if the stream does not exist.
  absl::Status AppendSynced(std::string_view group, std::string_view stream,
                            const std::vector<LogEvent>& events, int64_t ingestion_millis);

  // Calls `on_event` for each complete event stored at or after byte `offset` of the stream's
  // file (0: from the first) and before `end_offset` (0: the end), in file order, while it returns
  // true. Returns the offset just past the last event read, to resume from.
  absl::StatusOr<uint64_t> ReadStream(std::string_view group, std::string_view stream,
                                      uint64_t offset, uint64_t end_offset,
                                      const std::function<bool(const LogEvent&)>& on_event);
  // ReadStream of every event from `offset` to the end.
  absl::StatusOr<uint64_t> ReadStream(std::string_view group, std::string_view stream,
                                      uint64_t offset,
                                      const std::function<void(const LogEvent&)>& on_event);
  // Whether `offset` is where an event of the stream starts (or its end): read positions that
  // come back from clients are checked with it.
  bool IsEventBoundary(std::string_view group, std::string_view stream, uint64_t offset);

 private:
  friend class LogStreamWriter;
  struct StreamState {
    LogStreamInfo info;
    int format = 2;  // of its file (log_file.h)
  };
  struct GroupState {
    int64_t creation_millis = 0;
    bool streams_loaded = false;
    std::map<std::string, StreamState, std::less<>> streams;
  };

  std::filesystem::path GroupDir(std::string_view group) const;
  std::filesystem::path StreamPath(std::string_view group, std::string_view stream) const;
  // Loads the group list from the directory once; then the catalogue is kept up to date.
  void LoadGroupsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The group with its streams loaded, or nullptr.
  GroupState* FindGroupLocked(std::string_view group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<StreamState*> FindStreamLocked(std::string_view group, std::string_view stream)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CreateGroupLocked(std::string_view group, int64_t now_millis)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // kSynced: on disk before it returns (CreateLogStream's 200). kLikeItsEvents: left to the
  // kernel's writeback, as the events a LogStreamWriter appends are (a function's own stream,
  // opened at every cold start on the io thread, whose Init Duration it is part of).
  enum class Durability { kSynced, kLikeItsEvents };
  absl::StatusOr<StreamState*> CreateStreamLocked(GroupState& state, std::string_view group,
                                                  std::string_view stream, int64_t now_millis,
                                                  Durability durability)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records that events with these timestamps were appended to the stream and it now ends at
  // `end_offset`; then tells the listener.
  void NoteAppended(const std::string& group, const std::string& stream, int64_t first_millis,
                    int64_t last_millis, int64_t ingestion_millis, uint64_t end_offset)
      ABSL_LOCKS_EXCLUDED(mu_);

  const std::filesystem::path root_;
  absl::Mutex mu_;
  bool groups_loaded_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, GroupState, std::less<>> groups_ ABSL_GUARDED_BY(mu_);
  AppendListener on_append_;  // set before use, read without the lock
};

}  // namespace serval::storage
