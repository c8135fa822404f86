#include "storage/log_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "storage/log_file.h"

namespace serval::storage {
namespace {

constexpr size_t kFlushThreshold = 64 * 1024;
// In each group's directory: the group's creation time, so that an empty group persists.
constexpr std::string_view kGroupFile = ".group";
constexpr std::string_view kStreamSuffix = ".log";

// FNV-1a: stable across builds and machines, unlike std::hash, because ids derived from it are
// handed to clients (event ids) and stored by them.
uint64_t StableHash(std::string_view text, uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// A name as a file name: percent-encoded, or, when that is too long for the file system (names
// may have 512 characters), "~" and a hash; the header inside the file keeps the name.
std::string FileNameOf(std::string_view name) {
  constexpr size_t kMaxEncodedLength = 200;
  std::string encoded = PercentEncode(name);
  if (encoded.size() <= kMaxEncodedLength) return encoded;
  constexpr char kHex[] = "0123456789abcdef";
  std::string file = "~";
  for (unsigned char byte : Sha256(name)) {
    file.push_back(kHex[byte >> 4]);
    file.push_back(kHex[byte & 15]);
  }
  return file;
}

uint64_t StreamId(std::string_view group, std::string_view stream, int64_t creation_millis) {
  return StableHash(std::to_string(creation_millis), StableHash(stream, StableHash(group)));
}

absl::Status WriteAll(int fd, std::string_view bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(absl::StrCat("log write failed: ", strerror(errno)));
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Creates the file at `path` holding exactly `content`, failing if it exists; synced unless
// `synced` is false.
absl::Status CreateFileWith(const std::filesystem::path& path, std::string_view content,
                            bool synced = true) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(path.string());
    return absl::InternalError(
        absl::StrCat("cannot create ", path.string(), ": ", strerror(errno)));
  }
  absl::Status status = WriteAll(fd, content);
  if (status.ok() && synced && ::fdatasync(fd) != 0) {
    status = absl::InternalError(absl::StrCat("cannot sync ", path.string()));
  }
  ::close(fd);
  return status;
}

void SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

int64_t ModifiedMillis(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

LogStreamWriter::LogStreamWriter(LogStore* store, int fd, int format, std::string group,
                                 std::string stream)
    : store_(store),
      fd_(fd),
      format_(format),
      group_(std::move(group)),
      stream_(std::move(stream)) {}

LogStreamWriter::~LogStreamWriter() {
  Flush();
  ::close(fd_);
}

void LogStreamWriter::Append(int64_t timestamp_millis, std::string_view message) {
  if (pending_.empty()) pending_first_millis_ = timestamp_millis;
  pending_last_millis_ = timestamp_millis;
  log_file::AppendEvent(pending_, format_, timestamp_millis, timestamp_millis, message);
  if (pending_.size() >= kFlushThreshold) Flush();
}

void LogStreamWriter::Flush() {
  if (pending_.empty()) return;
  // Disk full or similar: the log is best effort, invocations go on.
  const bool written = WriteAll(fd_, pending_).ok();
  pending_.clear();
  if (!written) return;
  const off_t end = ::lseek(fd_, 0, SEEK_CUR);  // O_APPEND: the end of the file just written
  store_->NoteAppended(group_, stream_, pending_first_millis_, pending_last_millis_,
                       pending_last_millis_, end < 0 ? 0 : static_cast<uint64_t>(end));
}

void LogStore::SetAppendListener(AppendListener listener) { on_append_ = std::move(listener); }

std::filesystem::path LogStore::GroupDir(std::string_view group) const {
  return root_ / FileNameOf(group);
}

std::filesystem::path LogStore::StreamPath(std::string_view group, std::string_view stream) const {
  return GroupDir(group) / (FileNameOf(stream) + std::string(kStreamSuffix));
}

void LogStore::LoadGroupsLocked() {
  if (groups_loaded_) return;
  groups_loaded_ = true;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    if (!entry.is_directory(ec)) continue;
    GroupState state;
    const auto group_file = entry.path() / kGroupFile;
    auto summary = log_file::Summarize(group_file.string());
    // Directories from before the group file existed: their own modification time.
    state.creation_millis = summary.ok() && summary->creation_millis ? *summary->creation_millis
                                                                     : ModifiedMillis(entry.path());
    // The header has the name; directories from before it existed are named by it.
    std::string name = summary.ok() && summary->name
                           ? *summary->name
                           : PercentDecode(entry.path().filename().string());
    groups_.emplace(std::move(name), std::move(state));
  }
}

LogStore::GroupState* LogStore::FindGroupLocked(std::string_view group) {
  LoadGroupsLocked();
  auto found = groups_.find(group);
  if (found == groups_.end()) return nullptr;
  GroupState& state = found->second;
  if (!state.streams_loaded) {
    state.streams_loaded = true;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(GroupDir(group), ec)) {
      const std::string file = entry.path().filename().string();
      if (file.size() <= kStreamSuffix.size() || !file.ends_with(kStreamSuffix)) continue;
      auto summary = log_file::Summarize(entry.path().string());
      if (!summary.ok()) continue;  // damaged: left alone, not listed
      StreamState stream;
      stream.format = summary->format;
      stream.info.name =
          summary->name.value_or(PercentDecode(file.substr(0, file.size() - kStreamSuffix.size())));
      stream.info.creation_millis = summary->creation_millis.value_or(
          summary->first_event_millis.value_or(ModifiedMillis(entry.path())));
      stream.info.id = StreamId(group, stream.info.name, stream.info.creation_millis);
      stream.info.first_event_millis = summary->first_event_millis;
      stream.info.last_event_millis = summary->last_event_millis;
      stream.info.last_ingestion_millis = summary->last_ingestion_millis;
      stream.info.first_event_offset = summary->first_event_offset;
      stream.info.end_offset = summary->size;
      state.streams.emplace(stream.info.name, std::move(stream));
    }
  }
  return &state;
}

absl::StatusOr<LogStore::StreamState*> LogStore::FindStreamLocked(std::string_view group,
                                                                  std::string_view stream) {
  GroupState* state = FindGroupLocked(group);
  if (state == nullptr) return absl::NotFoundError("The specified log group does not exist.");
  auto found = state->streams.find(stream);
  if (found == state->streams.end()) {
    return absl::NotFoundError("The specified log stream does not exist.");
  }
  return &found->second;
}

absl::Status LogStore::CreateGroupLocked(std::string_view group, int64_t now_millis) {
  const auto dir = GroupDir(group);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create log dir " + dir.string() + ": " + ec.message());
  absl::Status created = CreateFileWith(dir / kGroupFile, log_file::Header(now_millis, group));
  if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
  SyncDirectory(dir);
  SyncDirectory(root_);
  GroupState state;
  state.creation_millis = now_millis;
  state.streams_loaded = true;
  groups_.emplace(std::string(group), std::move(state));
  return absl::OkStatus();
}

absl::Status LogStore::CreateGroup(std::string_view group, int64_t now_millis) {
  absl::MutexLock lock(&mu_);
  if (FindGroupLocked(group) != nullptr) {
    return absl::AlreadyExistsError("The specified log group already exists");
  }
  return CreateGroupLocked(group, now_millis);
}

absl::Status LogStore::EnsureGroup(std::string_view group, int64_t now_millis) {
  absl::MutexLock lock(&mu_);
  if (FindGroupLocked(group) != nullptr) return absl::OkStatus();
  return CreateGroupLocked(group, now_millis);
}

absl::Status LogStore::DeleteGroup(std::string_view group) {
  absl::MutexLock lock(&mu_);
  LoadGroupsLocked();
  auto found = groups_.find(group);
  if (found == groups_.end()) return absl::NotFoundError("The specified log group does not exist.");
  groups_.erase(found);
  std::error_code ec;
  std::filesystem::remove_all(GroupDir(group), ec);
  if (ec) return absl::InternalError("cannot delete log group: " + ec.message());
  SyncDirectory(root_);
  return absl::OkStatus();
}

std::optional<LogGroupInfo> LogStore::GetGroup(std::string_view group) {
  absl::MutexLock lock(&mu_);
  GroupState* state = FindGroupLocked(group);
  if (state == nullptr) return std::nullopt;
  LogGroupInfo info{.name = std::string(group), .creation_millis = state->creation_millis};
  for (const auto& [name, stream] : state->streams) info.stored_bytes += stream.info.end_offset;
  return info;
}

std::vector<LogGroupInfo> LogStore::ListGroups() {
  std::vector<std::string> names;
  {
    absl::MutexLock lock(&mu_);
    LoadGroupsLocked();
    for (const auto& [name, state] : groups_) names.push_back(name);
  }
  std::vector<LogGroupInfo> groups;
  groups.reserve(names.size());
  for (const std::string& name : names) {
    if (auto info = GetGroup(name)) groups.push_back(std::move(*info));
  }
  return groups;
}

absl::StatusOr<LogStore::StreamState*> LogStore::CreateStreamLocked(GroupState& state,
                                                                    std::string_view group,
                                                                    std::string_view stream,
                                                                    int64_t now_millis,
                                                                    Durability durability) {
  const auto path = StreamPath(group, stream);
  const std::string header = log_file::Header(now_millis, stream);
  const bool synced = durability == Durability::kSynced;
  absl::Status created = CreateFileWith(path, header, synced);
  if (absl::IsAlreadyExists(created)) {
    return absl::AlreadyExistsError("The specified log stream already exists");
  }
  if (!created.ok()) return created;
  if (synced) SyncDirectory(path.parent_path());
  StreamState created_state;
  created_state.info.name = std::string(stream);
  created_state.info.creation_millis = now_millis;
  created_state.info.id = StreamId(group, stream, now_millis);
  created_state.info.first_event_offset = header.size();
  created_state.info.end_offset = created_state.info.first_event_offset;
  return &state.streams.emplace(std::string(stream), std::move(created_state)).first->second;
}

absl::Status LogStore::CreateStream(std::string_view group, std::string_view stream,
                                    int64_t now_millis) {
  absl::MutexLock lock(&mu_);
  GroupState* state = FindGroupLocked(group);
  if (state == nullptr) return absl::NotFoundError("The specified log group does not exist.");
  if (state->streams.contains(stream)) {
    return absl::AlreadyExistsError("The specified log stream already exists");
  }
  return CreateStreamLocked(*state, group, stream, now_millis, Durability::kSynced).status();
}

absl::Status LogStore::DeleteStream(std::string_view group, std::string_view stream) {
  absl::MutexLock lock(&mu_);
  GroupState* state = FindGroupLocked(group);
  if (state == nullptr) return absl::NotFoundError("The specified log group does not exist.");
  auto found = state->streams.find(stream);
  if (found == state->streams.end()) {
    return absl::NotFoundError("The specified log stream does not exist.");
  }
  state->streams.erase(found);
  std::error_code ec;
  std::filesystem::remove(StreamPath(group, stream), ec);
  if (ec) return absl::InternalError("cannot delete log stream: " + ec.message());
  return absl::OkStatus();
}

absl::StatusOr<LogStreamInfo> LogStore::GetStream(std::string_view group, std::string_view stream) {
  absl::MutexLock lock(&mu_);
  auto state = FindStreamLocked(group, stream);
  if (!state.ok()) return state.status();
  return (*state)->info;
}

absl::StatusOr<std::vector<LogStreamInfo>> LogStore::ListStreams(std::string_view group) {
  absl::MutexLock lock(&mu_);
  GroupState* state = FindGroupLocked(group);
  if (state == nullptr) return absl::NotFoundError("The specified log group does not exist.");
  std::vector<LogStreamInfo> streams;
  streams.reserve(state->streams.size());
  for (const auto& [name, stream] : state->streams) streams.push_back(stream.info);
  return streams;
}

absl::StatusOr<std::unique_ptr<LogStreamWriter>> LogStore::OpenStream(std::string_view group,
                                                                      std::string_view stream,
                                                                      int64_t now_millis) {
  absl::MutexLock lock(&mu_);
  GroupState* state = FindGroupLocked(group);
  if (state == nullptr) {
    if (auto status = CreateGroupLocked(group, now_millis); !status.ok()) return status;
    state = FindGroupLocked(group);
  }
  StreamState* stream_state = nullptr;
  if (auto found = state->streams.find(stream); found != state->streams.end()) {
    stream_state = &found->second;
  } else {
    auto created =
        CreateStreamLocked(*state, group, stream, now_millis, Durability::kLikeItsEvents);
    if (!created.ok()) return created.status();
    stream_state = *created;
  }
  const auto path = StreamPath(group, stream);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return absl::InternalError("cannot open " + path.string() + ": " + strerror(errno));
  return std::make_unique<LogStreamWriter>(this, fd, stream_state->format, std::string(group),
                                           std::string(stream));
}

absl::Status LogStore::AppendSynced(std::string_view group, std::string_view stream,
                                    const std::vector<LogEvent>& events, int64_t ingestion_millis) {
  if (events.empty()) return absl::OkStatus();
  int format = 2;
  {
    absl::MutexLock lock(&mu_);
    auto state = FindStreamLocked(group, stream);
    if (!state.ok()) return state.status();
    format = (*state)->format;
  }
  std::string bytes;
  int64_t first = events.front().timestamp_millis;
  int64_t last = first;
  for (const LogEvent& event : events) {
    log_file::AppendEvent(bytes, format, event.timestamp_millis, ingestion_millis, event.message);
    first = std::min(first, event.timestamp_millis);
    last = std::max(last, event.timestamp_millis);
  }
  const auto path = StreamPath(group, stream);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return absl::InternalError("cannot open " + path.string() + ": " + strerror(errno));
  absl::Status status = WriteAll(fd, bytes);
  if (status.ok() && ::fdatasync(fd) != 0) {
    status = absl::InternalError(absl::StrCat("cannot sync ", path.string()));
  }
  const off_t end = ::lseek(fd, 0, SEEK_CUR);
  ::close(fd);
  if (!status.ok()) return status;
  NoteAppended(std::string(group), std::string(stream), first, last, ingestion_millis,
               end < 0 ? 0 : static_cast<uint64_t>(end));
  return absl::OkStatus();
}

void LogStore::NoteAppended(const std::string& group, const std::string& stream,
                            int64_t first_millis, int64_t last_millis, int64_t ingestion_millis,
                            uint64_t end_offset) {
  {
    absl::MutexLock lock(&mu_);
    auto state = FindStreamLocked(group, stream);
    if (!state.ok()) return;  // deleted while being written
    LogStreamInfo& info = (*state)->info;
    info.first_event_millis =
        std::min(info.first_event_millis.value_or(first_millis), first_millis);
    info.last_event_millis = std::max(info.last_event_millis.value_or(last_millis), last_millis);
    info.last_ingestion_millis =
        std::max(info.last_ingestion_millis.value_or(ingestion_millis), ingestion_millis);
    info.end_offset = std::max(info.end_offset, end_offset);
  }
  if (on_append_) on_append_(group, stream);
}

absl::StatusOr<uint64_t> LogStore::ReadStream(
    std::string_view group, std::string_view stream, uint64_t offset, uint64_t end_offset,
    const std::function<bool(const LogEvent&)>& on_event) {
  int format = 2;
  {
    absl::MutexLock lock(&mu_);
    auto state = FindStreamLocked(group, stream);
    if (!state.ok()) return state.status();
    format = (*state)->format;
    offset = std::max(offset, (*state)->info.first_event_offset);
  }
  return log_file::ReadEvents(StreamPath(group, stream).string(), format, offset, end_offset,
                              on_event);
}

absl::StatusOr<uint64_t> LogStore::ReadStream(
    std::string_view group, std::string_view stream, uint64_t offset,
    const std::function<void(const LogEvent&)>& on_event) {
  return ReadStream(group, stream, offset, 0, [&](const LogEvent& event) {
    on_event(event);
    return true;
  });
}

bool LogStore::IsEventBoundary(std::string_view group, std::string_view stream, uint64_t offset) {
  {
    absl::MutexLock lock(&mu_);
    auto state = FindStreamLocked(group, stream);
    if (!state.ok()) return false;
    const LogStreamInfo& info = (*state)->info;
    if (offset < info.first_event_offset || offset > info.end_offset) return false;
    if (offset == info.first_event_offset || offset == info.end_offset) return true;
  }
  return log_file::StartsLine(StreamPath(group, stream).string(), offset);
}

}  // namespace serval::storage
