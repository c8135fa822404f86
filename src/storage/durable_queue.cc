// Durable queue design.
//
// The log is a sequence of segment files <dir>/<seq, 20 digits>.seg. The newest is the active
// segment; only the writer thread appends to it. Every other segment is sealed: fully synced and
// never written again. An event is metadata (small: the invoker's id, function, attempts, times)
// and a payload (up to 16 MiB) that never changes. An append record carries both; an update
// record carries only new metadata and leaves the payload where the event's append record put it.
// Recovery replays segments in seq order and keeps, per id, the last metadata and where its
// payload lies; a remove deletes the event. Memory holds that index, never payload bytes: a
// payload is read back from its segment (ReadPayload) when it is needed.
//
// Each record has two checksums: one over its header and metadata, one over its payload. Recovery
// reads headers and metadata everywhere but payloads only in the newest segment, where a crash
// may have torn the last batch (a payload that fails its checksum marks the torn tail there). A
// sealed segment was synced in full before the next one was created (Rotate) or before it
// replaced the segments it compacts (Compact), so no crash can have torn it: its payload bytes
// are skipped, and a restart with gigabytes queued reads a few kilobytes per event. What a crash
// cannot cause, a failing disk still can; such damage is caught when the payload is read
// (ReadPayload's DataLoss) and costs that one event only.
//
// Group commit: Append/Update/Remove (any thread, in practice the io thread) push an Op onto
// pending_ under mu_ and wake the writer if it sleeps. The writer swaps pending_ out, encodes the
// whole batch into one buffer, issues one pwrite() and, unless the batch holds only removes, one
// fdatasync(); then it records where each event's latest record lives (index_) and posts one
// closure running the batch's callbacks, in submission order, to the io thread. Ops submitted
// during the sync form the next batch. A write or sync error fails the queue for good: after a
// failed fsync the kernel may have dropped the dirty pages, so nothing written later could be
// trusted to follow what came before.
//
// Compaction (compactor thread, or CompactNow): take the largest sealed seq k; for every live
// event with a record in a segment <= k (its latest, or only the append holding its payload)
// write one append record with its latest metadata and its payload into <k>.seg.tmp whose header
// says "supersedes every segment below k"; fsync it, rename it over <k>.seg, fsync the directory,
// then unlink the older segments. A crash before the rename leaves a .tmp (deleted at open); after
// it, recovery ignores and deletes segments below the highest "supersedes" mark, so dropped
// removes can never resurrect events. The writer keeps appending to the active segment (> k)
// throughout; an update written there meanwhile still wins at recovery, as it comes later.
// Payload bytes are copied with the checksum they were written with, unchecked: damage stays
// detectable by ReadPayload instead of failing every compaction.
//
// Recovery: a segment whose header is invalid is a crash during rotation if it is the newest
// (deleted), otherwise corruption (skipped, counted). In the newest segment the first record that
// is short, oversized or fails a checksum marks a torn tail: the file is truncated there. In a
// sealed segment the same (for headers and metadata) marks corruption: the rest of that segment
// is skipped and counted. A segment of another format version stops Open: nothing is deleted.

#include "storage/durable_queue.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "common/worker.h"
#include "storage/file_io.h"

namespace serval::storage {
namespace {

constexpr char kMagic[8] = {'S', 'R', 'V', 'Q', 'U', 'E', 'U', 'E'};
constexpr uint32_t kFormatVersion = 2;
constexpr size_t kHeaderSize = 40;
// crc32c(4) type(1) id(8) metadata length(4) payload length(4) payload crc32c(4)
constexpr size_t kRecordHeaderSize = 25;
constexpr size_t kCompactionFlushBytes = 1 << 20;
// Reads while scanning a segment: large where payloads are read (the newest segment), small
// where they are skipped, so that skipping a 1 MB payload does not read it anyway.
constexpr size_t kScanBufferBytes = 1 << 20;
constexpr size_t kSkimBufferBytes = 4096;
// DurableQueue::RecordType on disk (kUpdate, 2, lies between these two).
constexpr uint8_t kAppendType = 1;
constexpr uint8_t kRemoveType = 3;

// ---- CRC-32C ----

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t Crc32cSoftware(const uint8_t* p, size_t n, uint32_t crc) {
  crc = ~crc;
  while (n--) crc = kCrcTable[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const uint8_t* p, size_t n,
                                                          uint32_t crc) {
  uint64_t c = ~crc & 0xffffffffu;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}
#endif

// ---- little-endian fields ----

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// ---- segment header: magic(8) seq(8) supersedes_below(8) next_id(8) version(4) crc32c(4) ----

struct SegmentHeader {
  uint64_t seq = 0;
  uint64_t supersedes_below = 0;  // segments with a lower seq are obsolete
  uint64_t next_id = 0;           // ids below this were handed out when the segment started
  uint32_t version = kFormatVersion;
};

std::string EncodeHeader(const SegmentHeader& header) {
  std::string out(kHeaderSize, '\0');
  std::memcpy(out.data(), kMagic, 8);
  PutU64(out.data() + 8, header.seq);
  PutU64(out.data() + 16, header.supersedes_below);
  PutU64(out.data() + 24, header.next_id);
  PutU32(out.data() + 32, header.version);
  PutU32(out.data() + 36, Crc32c(std::string_view(out.data(), 36)));
  return out;
}

std::optional<SegmentHeader> DecodeHeader(std::string_view in) {
  if (in.size() < kHeaderSize || std::memcmp(in.data(), kMagic, 8) != 0) return std::nullopt;
  if (GetU32(in.data() + 36) != Crc32c(in.substr(0, 36))) return std::nullopt;
  return SegmentHeader{GetU64(in.data() + 8), GetU64(in.data() + 16), GetU64(in.data() + 24),
                       GetU32(in.data() + 32)};
}

// ---- records ----

// `payload_crc` is Crc32c(payload), passed in so that compaction can copy a payload with the
// checksum it was written with.
void AppendRecord(std::string& out, uint8_t type, uint64_t id, std::string_view metadata,
                  std::string_view payload, uint32_t payload_crc) {
  const size_t start = out.size();
  const size_t head = kRecordHeaderSize + metadata.size();
  out.resize(start + head + payload.size());
  char* p = out.data() + start;
  p[4] = static_cast<char>(type);
  PutU64(p + 5, id);
  PutU32(p + 13, static_cast<uint32_t>(metadata.size()));
  PutU32(p + 17, static_cast<uint32_t>(payload.size()));
  PutU32(p + 21, payload_crc);
  if (!metadata.empty()) std::memcpy(p + kRecordHeaderSize, metadata.data(), metadata.size());
  if (!payload.empty()) std::memcpy(p + head, payload.data(), payload.size());
  PutU32(p, Crc32c(std::string_view(p + 4, head - 4)));
}

struct RecordView {
  uint8_t type = 0;
  uint64_t id = 0;
  std::string_view metadata;
  uint32_t payload_size = 0;
  uint32_t payload_crc = 0;
  size_t size() const { return kRecordHeaderSize + metadata.size() + payload_size; }
};

// The size of the header and metadata of the record starting `in` (at least kRecordHeaderSize
// bytes), as its length fields claim; 0 if they are out of bounds.
size_t RecordHeadSize(std::string_view in) {
  const uint32_t metadata_size = GetU32(in.data() + 13);
  const uint32_t payload_size = GetU32(in.data() + 17);
  if (metadata_size > DurableQueue::kMaxMetadataBytes) return 0;
  if (payload_size > DurableQueue::kMaxPayloadBytes) return 0;
  return kRecordHeaderSize + metadata_size;
}

// Parses the header and metadata at the start of `in`, which holds at least RecordHeadSize(in)
// bytes, checking their checksum. The payload is not looked at. False if they are not valid.
bool ParseRecordHead(std::string_view in, RecordView* record) {
  const size_t head = RecordHeadSize(in);
  if (head == 0 || in.size() < head) return false;
  if (GetU32(in.data()) != Crc32c(in.substr(4, head - 4))) return false;
  record->type = static_cast<uint8_t>(in[4]);
  record->id = GetU64(in.data() + 5);
  record->metadata = in.substr(kRecordHeaderSize, head - kRecordHeaderSize);
  record->payload_size = GetU32(in.data() + 17);
  record->payload_crc = GetU32(in.data() + 21);
  if (record->type < kAppendType || record->type > kRemoveType || record->id == 0) return false;
  if (record->type != kAppendType && (record->payload_size != 0 || record->payload_crc != 0)) {
    return false;
  }
  return record->type != kRemoveType || record->metadata.empty();
}

// ---- file helpers ----

absl::Status SyncFd(int fd, const std::filesystem::path& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return ErrnoError("cannot sync", path);
  }
  return absl::OkStatus();
}

std::string SegmentName(uint64_t seq) {
  std::string digits = std::to_string(seq);
  return std::string(20 - digits.size(), '0') + digits + ".seg";
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  if (name.size() != 24 || !name.ends_with(".seg")) return std::nullopt;
  uint64_t seq = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return seq;
}

// Creates `path` holding just `header`, synced. Returns the fd open for writing.
absl::StatusOr<int> CreateSegmentFile(const std::filesystem::path& path,
                                      const SegmentHeader& header, int extra_flags) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | extra_flags, 0644);
  if (fd < 0) return ErrnoError("cannot create", path);
  absl::Status status = PWriteAll(fd, EncodeHeader(header), 0, path);
  if (status.ok()) status = SyncFd(fd, path);
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  return fd;
}

// Thread-compatible. Reads a segment's records in order through a buffer; with `read_payloads`
// false, only their headers and metadata (payload bytes are stepped over, never read).
class SegmentScanner {
 public:
  SegmentScanner(int fd, uint64_t file_size, std::filesystem::path path, bool read_payloads)
      : fd_(fd),
        file_size_(file_size),
        path_(std::move(path)),
        read_payloads_(read_payloads),
        buffer_start_(kHeaderSize) {}

  // Next whole valid record into `record` (valid until the next call) and its file offset. With
  // payloads read, a record is valid only if its payload matches its checksum too. False at the
  // end of the valid part: offset() is then where it ends.
  absl::StatusOr<bool> Next(RecordView* record, uint64_t* record_offset) {
    auto have = Fill(kRecordHeaderSize);
    if (!have.ok() || !*have) return have;
    const size_t head = RecordHeadSize(Ahead());
    if (head == 0) return false;
    have = Fill(head);
    if (!have.ok() || !*have) return have;
    if (!ParseRecordHead(Ahead().substr(0, head), record)) return false;
    const uint64_t size = record->size();
    if (offset() + size > file_size_) return false;
    if (read_payloads_) {
      have = Fill(size);
      if (!have.ok() || !*have) return have;
      if (Crc32c(Ahead().substr(head, record->payload_size)) != record->payload_crc) return false;
      // Fill may have moved the buffer: point the metadata at its new place.
      record->metadata = Ahead().substr(kRecordHeaderSize, head - kRecordHeaderSize);
    }
    *record_offset = offset();
    pos_ += size;  // may pass the buffer's end: Fill drops the skipped bytes unread
    return true;
  }
  uint64_t offset() const { return buffer_start_ + pos_; }

 private:
  std::string_view Ahead() const { return std::string_view(buffer_).substr(pos_); }

  // Makes `n` bytes available at pos_; false if the file ends first.
  absl::StatusOr<bool> Fill(size_t n) {
    if (pos_ <= buffer_.size() && buffer_.size() - pos_ >= n) return true;
    if (offset() + n > file_size_) return false;
    buffer_.erase(0, std::min(pos_, buffer_.size()));
    buffer_start_ += pos_;
    pos_ = 0;
    const size_t have = buffer_.size();
    const size_t chunk = read_payloads_ ? kScanBufferBytes : kSkimBufferBytes;
    const size_t want =
        std::min<uint64_t>(std::max(n, chunk) - have, file_size_ - buffer_start_ - have);
    buffer_.resize(have + want);
    auto got = PReadUpTo(fd_, buffer_.data() + have, want, buffer_start_ + have, path_);
    if (!got.ok()) return got.status();
    buffer_.resize(have + *got);
    return buffer_.size() >= n;
  }

  int fd_;
  uint64_t file_size_;
  std::filesystem::path path_;
  bool read_payloads_;
  std::string buffer_;
  uint64_t buffer_start_;  // file offset of buffer_[0]
  size_t pos_ = 0;         // may exceed buffer_.size() after a skipped payload
};

}  // namespace

// Thread-safe (immutable). A read-only descriptor of one segment file, closed with its last
// reference.
class DurableQueue::SegmentFile {
 public:
  static absl::StatusOr<std::shared_ptr<const SegmentFile>> Open(std::filesystem::path path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("cannot open", path);
    return std::shared_ptr<const SegmentFile>(new SegmentFile(fd, std::move(path)));
  }
  ~SegmentFile() { ::close(fd_); }
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

  // Reads exactly `size` bytes at `offset`; DataLoss if the file ends first.
  absl::StatusOr<std::string> Read(uint64_t offset, size_t size) const {
    std::string out(size, '\0');
    auto got = PReadUpTo(fd_, out.data(), size, offset, path_);
    if (!got.ok()) return got.status();
    if (*got != size) {
      return absl::DataLossError(
          absl::StrCat(path_.string(), " ends before offset ", offset + size));
    }
    return out;
  }

 private:
  SegmentFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  const int fd_;
  const std::filesystem::path path_;
};

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return Crc32cHardware(p, data.size(), crc);
#endif
  return Crc32cSoftware(p, data.size(), crc);
}

DurableQueue::DurableQueue(std::filesystem::path dir, DurableQueueOptions options, int lock_fd)
    : dir_(std::move(dir)), options_(std::move(options)), lock_fd_(lock_fd) {}

absl::StatusOr<std::unique_ptr<DurableQueue>> DurableQueue::Open(const std::filesystem::path& dir,
                                                                 DurableQueueOptions options) {
  if (!options.post_to_io) return absl::InvalidArgumentError("DurableQueue needs post_to_io");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create " + dir.string() + ": " + ec.message());
  const auto lock_path = dir / "LOCK";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return ErrnoError("cannot open", lock_path);
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return absl::FailedPreconditionError("queue directory " + dir.string() + " is in use");
  }
  std::unique_ptr<DurableQueue> queue(new DurableQueue(dir, std::move(options), lock_fd));
  {
    absl::MutexLock lock(&queue->mu_);
    if (absl::Status status = queue->Recovery(); !status.ok()) return status;
  }
  queue->writer_ = std::thread([q = queue.get()] {
    NameThisThread("queue-writer");
    q->WriterLoop();
  });
  queue->compactor_ = std::thread([q = queue.get()] {
    NameThisThread("queue-compactor");
    q->CompactorLoop();
  });
  return queue;
}

DurableQueue::~DurableQueue() {
  Close();
  if (active_fd_ >= 0) ::close(active_fd_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
  ::close(lock_fd_);  // releases the flock
}

std::filesystem::path DurableQueue::SegmentPath(uint64_t seq) const {
  return dir_ / SegmentName(seq);
}

absl::Status DurableQueue::Recovery() {
  dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) return ErrnoError("cannot open", dir_);

  std::vector<uint64_t> seqs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".seg.tmp")) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);  // an interrupted compaction
    } else if (auto seq = ParseSegmentName(name)) {
      seqs.push_back(*seq);
    }
  }
  if (ec) return absl::InternalError("cannot list " + dir_.string() + ": " + ec.message());
  std::sort(seqs.begin(), seqs.end());

  // Headers: find the supersede mark and the segments to read.
  std::map<uint64_t, std::shared_ptr<const SegmentFile>> files;  // the segments kept
  std::map<uint64_t, uint64_t> file_sizes;
  uint64_t supersedes_below = 0;
  uint64_t header_next_id = 1;
  uint64_t max_seq = 0;
  std::vector<uint64_t> obsolete;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const uint64_t seq = seqs[i];
    max_seq = std::max(max_seq, seq);
    auto file = SegmentFile::Open(SegmentPath(seq));
    if (!file.ok()) return file.status();
    const auto& path = (*file)->path();
    struct stat st;
    if (::fstat((*file)->fd(), &st) != 0) return ErrnoError("cannot stat", path);
    std::string header_bytes(kHeaderSize, '\0');
    auto got = PReadUpTo((*file)->fd(), header_bytes.data(), kHeaderSize, 0, path);
    if (!got.ok()) return got.status();
    header_bytes.resize(*got);
    const auto header = DecodeHeader(header_bytes);
    if (header && header->version != kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          path.string(), " is in queue format version ", header->version, "; this Serval reads ",
          kFormatVersion, ". Drain the queue with the Serval that wrote it, or move ",
          dir_.string(), " away (its events are then not delivered)."));
    }
    if (!header || header->seq != seq) {
      if (i + 1 == seqs.size()) {
        // Created by a rotation that crashed before its header was synced: holds no records.
        stats_.truncated_tail_bytes += static_cast<uint64_t>(st.st_size);
        obsolete.push_back(seq);
      } else {
        stats_.corrupt_bytes_skipped += static_cast<uint64_t>(st.st_size);
      }
      continue;
    }
    supersedes_below = std::max(supersedes_below, header->supersedes_below);
    header_next_id = std::max(header_next_id, header->next_id);
    files[seq] = *std::move(file);
    file_sizes[seq] = static_cast<uint64_t>(st.st_size);
  }
  for (auto it = files.begin(); it != files.end() && it->first < supersedes_below;) {
    obsolete.push_back(it->first);
    file_sizes.erase(it->first);
    it = files.erase(it);
  }
  for (uint64_t seq : seqs) {
    if (seq < supersedes_below && !std::count(obsolete.begin(), obsolete.end(), seq)) {
      obsolete.push_back(seq);  // corrupt-header segments below the mark
    }
  }
  for (uint64_t seq : obsolete) {
    if (::unlink(SegmentPath(seq).c_str()) != 0 && errno != ENOENT) {
      return ErrnoError("cannot remove", SegmentPath(seq));
    }
  }

  // Replay records in seq order; only the newest segment's payloads are read (see the top).
  uint64_t max_id = 0;
  std::map<uint64_t, std::string> metadata;  // of live events, by id
  const uint64_t last_seq = files.empty() ? 0 : files.rbegin()->first;
  for (const auto& [seq, file] : files) {
    const auto& path = file->path();
    const bool newest = seq == last_seq;
    SegmentScanner scanner(file->fd(), file_sizes[seq], path, /*read_payloads=*/newest);
    RecordView record;
    uint64_t offset = 0;
    while (true) {
      auto more = scanner.Next(&record, &offset);
      if (!more.ok()) return more.status();
      if (!*more) break;
      max_id = std::max(max_id, record.id);
      if (!newest) stats_.payload_bytes_skipped += record.payload_size;
      const Location at{seq, offset, static_cast<uint32_t>(record.size())};
      if (record.type == kRemoveType) {
        index_.erase(record.id);
        metadata.erase(record.id);
      } else if (record.type == kAppendType) {
        index_[record.id] = Entry{at, at, record.payload_size, record.payload_crc};
        metadata[record.id] = std::string(record.metadata);
      } else if (auto it = index_.find(record.id); it != index_.end()) {
        // An update of an event whose append is unreadable (a corrupt sealed segment) is
        // ignored: without its payload it could never be delivered.
        it->second.latest = at;
        metadata[record.id] = std::string(record.metadata);
      }
    }
    const uint64_t end = scanner.offset();
    if (end < file_sizes[seq]) {
      if (newest) {
        stats_.truncated_tail_bytes += file_sizes[seq] - end;
        const int wfd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (wfd < 0) return ErrnoError("cannot open", path);
        absl::Status status = absl::OkStatus();
        if (::ftruncate(wfd, static_cast<off_t>(end)) != 0)
          status = ErrnoError("cannot truncate", path);
        if (status.ok()) status = SyncFd(wfd, path);
        ::close(wfd);
        if (!status.ok()) return status;
        file_sizes[seq] = end;
      } else {
        stats_.corrupt_bytes_skipped += file_sizes[seq] - end;
      }
    }
    segments_[seq] = Segment{file_sizes[seq], 0, file};
  }
  next_id_ = std::max(max_id + 1, header_next_id);
  for (const auto& [id, entry] : index_) CountLive(entry, true);
  recovered_.reserve(metadata.size());
  for (auto& [id, bytes] : metadata) recovered_.push_back(QueuedEvent{id, std::move(bytes)});

  // The newest segment stays active; an empty directory gets its first segment.
  if (segments_.empty()) {
    active_seq_ = max_seq + 1;
    active_size_ = kHeaderSize;
    const auto path = SegmentPath(active_seq_);
    auto fd = CreateSegmentFile(path, SegmentHeader{active_seq_, 0, next_id_}, O_EXCL);
    if (!fd.ok()) return fd.status();
    active_fd_ = *fd;
    auto file = SegmentFile::Open(path);
    if (!file.ok()) return file.status();
    segments_[active_seq_] = Segment{kHeaderSize, 0, *std::move(file)};
  } else {
    active_seq_ = segments_.rbegin()->first;
    active_size_ = segments_.rbegin()->second.bytes;
    const auto path = SegmentPath(active_seq_);
    active_fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (active_fd_ < 0) return ErrnoError("cannot open", path);
  }
  if (::fsync(dir_fd_) != 0) return ErrnoError("cannot sync", dir_);
  return absl::OkStatus();
}

std::vector<QueuedEvent> DurableQueue::Recover() {
  absl::MutexLock lock(&mu_);
  return std::exchange(recovered_, {});
}

void DurableQueue::Append(std::string metadata, std::string payload, AppendCallback done) {
  Submit(Op{.type = RecordType::kAppend,
            .metadata = std::move(metadata),
            .payload = std::move(payload),
            .append_done = std::move(done)},
         [this](Op& op) {
           mu_.AssertHeld();  // Submit calls admit under mu_
           if (!failed_.ok()) return failed_;
           op.id = next_id_++;
           index_.emplace(op.id, Entry{});  // not written yet
           return absl::OkStatus();
         });
}

void DurableQueue::Update(uint64_t id, std::string metadata, UpdateCallback done) {
  Submit(Op{.type = RecordType::kUpdate,
            .id = id,
            .metadata = std::move(metadata),
            .update_done = std::move(done)},
         [this](Op& op) {
           mu_.AssertHeld();  // Submit calls admit under mu_
           return index_.contains(op.id)
                      ? absl::OkStatus()
                      : absl::NotFoundError(absl::StrCat("no queued event ", op.id));
         });
}

void DurableQueue::Submit(Op op, const std::function<absl::Status(Op&)>& admit) {
  bool wake = false;
  bool closed = false;
  {
    absl::MutexLock lock(&mu_);
    closed = closing_;
    if (closing_) {
      op.error = absl::FailedPreconditionError("queue is closed");
    } else if (op.payload.size() > kMaxPayloadBytes) {
      op.error = absl::InvalidArgumentError(
          absl::StrCat("payload of ", op.payload.size(), " bytes is over ", kMaxPayloadBytes));
    } else if (op.metadata.size() > kMaxMetadataBytes) {
      op.error = absl::InvalidArgumentError(
          absl::StrCat("metadata of ", op.metadata.size(), " bytes is over ", kMaxMetadataBytes));
    } else {
      op.error = admit(op);
    }
    if (!closed) {
      // Refused ops go through the writer too, so completions keep submission order.
      pending_.push_back(std::move(op));
      wake = writer_waiting_;
    }
  }
  if (wake) writer_cv_.Signal();
  if (!closed) return;
  // The writer is gone: complete the refused op directly.
  if (op.append_done) {
    options_.post_to_io([done = std::move(op.append_done), error = op.error] { done(error); });
  }
  if (op.update_done) {
    options_.post_to_io([done = std::move(op.update_done), error = op.error] { done(error); });
  }
}

absl::Status DurableQueue::Remove(uint64_t id) {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::FailedPreconditionError("queue is closed");
    if (!failed_.ok()) return failed_;
    auto it = index_.find(id);
    if (it == index_.end()) return absl::NotFoundError(absl::StrCat("no queued event ", id));
    CountLive(it->second, false);
    index_.erase(it);
    pending_.push_back(Op{.type = RecordType::kRemove, .id = id});
    if (!writer_waiting_) return absl::OkStatus();
  }
  writer_cv_.Signal();
  return absl::OkStatus();
}

absl::StatusOr<std::string> DurableQueue::ReadPayload(uint64_t id) const {
  Entry entry;
  std::shared_ptr<const SegmentFile> file;
  {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(id);
    if (it == index_.end()) return absl::NotFoundError(absl::StrCat("no queued event ", id));
    entry = it->second;
    auto segment = segments_.find(entry.payload.seq);
    if (entry.payload.seq == 0 || segment == segments_.end()) {
      return absl::FailedPreconditionError(absl::StrCat("event ", id, " is not yet written"));
    }
    file = segment->second.file;
  }
  // The payload is the record's tail.
  auto payload = file->Read(entry.payload.offset + entry.payload.size - entry.payload_size,
                            entry.payload_size);
  if (payload.ok() && Crc32c(*payload) != entry.payload_crc) {
    return absl::DataLossError(absl::StrCat("payload of event ", id, " in ", file->path().string(),
                                            " fails its checksum"));
  }
  return payload;
}

void DurableQueue::CountLive(const Entry& entry, bool live) {
  auto count = [&](const Location& location) {
    mu_.AssertHeld();  // as CountLive requires
    if (location.seq == 0) return;
    uint64_t& bytes = segments_[location.seq].live_bytes;
    bytes = live ? bytes + location.size : bytes - location.size;
  };
  count(entry.latest);
  if (!(entry.payload == entry.latest)) count(entry.payload);
}

void DurableQueue::WriterLoop() {
  std::vector<Op> batch;
  std::string buffer;
  while (true) {
    bool rotate = false;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      writer_waiting_ = true;
      while (pending_.empty() && !closing_ && !rotate_requested_) writer_cv_.Wait(&mu_);
      writer_waiting_ = false;
      if (pending_.empty() && !rotate_requested_) break;  // closing, and all written
      batch.swap(pending_);
      rotate = rotate_requested_;
      status = failed_;
    }
    if (!batch.empty()) {
      if (status.ok()) status = WriteBatch(batch, buffer);
      PostCompletions(batch, status);
      batch.clear();
    }
    if (status.ok() && (rotate || active_size_ >= options_.segment_bytes)) status = Rotate();
    absl::MutexLock lock(&mu_);
    if (!status.ok() && failed_.ok()) failed_ = status;
    if (rotate) {
      rotate_requested_ = false;
      rotated_cv_.SignalAll();
    }
    MaybeRequestCompaction();
  }
  // Removes written since the last sync become durable on a clean close.
  if (active_dirty_) {
    absl::Status status = SyncFd(active_fd_, SegmentPath(WriterActiveSeq()));
    absl::MutexLock lock(&mu_);
    if (!status.ok() && failed_.ok()) failed_ = status;
  }
}

absl::Status DurableQueue::WriteBatch(std::vector<Op>& batch, std::string& buffer) {
  struct Placed {
    uint64_t id;
    RecordType type;
    Location location;
    uint32_t payload_size;
    uint32_t payload_crc;
  };
  const uint64_t active_seq = WriterActiveSeq();
  std::vector<Placed> placed;
  placed.reserve(batch.size());
  buffer.clear();
  bool needs_sync = false;
  uint64_t records = 0;
  for (const Op& op : batch) {
    if (!op.error.ok()) continue;
    const size_t start = buffer.size();
    const uint32_t payload_crc = Crc32c(op.payload);
    AppendRecord(buffer, static_cast<uint8_t>(op.type), op.id, op.metadata, op.payload,
                 payload_crc);
    ++records;
    if (op.type != RecordType::kRemove) {
      needs_sync = true;
      placed.push_back(Placed{
          op.id, op.type,
          Location{active_seq, active_size_ + start, static_cast<uint32_t>(buffer.size() - start)},
          static_cast<uint32_t>(op.payload.size()), payload_crc});
    }
  }
  if (buffer.empty()) return absl::OkStatus();
  const auto path = SegmentPath(active_seq);
  if (absl::Status status = PWriteAll(active_fd_, buffer, active_size_, path); !status.ok()) {
    return status;
  }
  active_size_ += buffer.size();
  active_dirty_ = true;
  if (needs_sync) {
    if (absl::Status status = SyncFd(active_fd_, path); !status.ok()) return status;
    active_dirty_ = false;
  }
  absl::MutexLock lock(&mu_);
  ++stats_.batches;
  if (needs_sync) ++stats_.syncs;
  stats_.records_written += records;
  stats_.bytes_written += buffer.size();
  segments_[active_seq].bytes = active_size_;
  for (const Placed& p : placed) {
    auto it = index_.find(p.id);
    if (it == index_.end()) continue;  // removed meanwhile
    Entry& entry = it->second;
    CountLive(entry, false);
    entry.latest = p.location;
    if (p.type == RecordType::kAppend) {
      entry.payload = p.location;
      entry.payload_size = p.payload_size;
      entry.payload_crc = p.payload_crc;
    }
    CountLive(entry, true);
  }
  if (buffer.capacity() > 4 * kCompactionFlushBytes) std::string().swap(buffer);
  return absl::OkStatus();
}

void DurableQueue::PostCompletions(std::vector<Op>& batch, const absl::Status& status) {
  auto done = std::make_shared<std::vector<Op>>();
  for (Op& op : batch) {
    if (!op.append_done && !op.update_done) continue;
    if (op.error.ok()) op.error = status;
    std::string().swap(op.metadata);  // not needed on the io thread
    std::string().swap(op.payload);
    done->push_back(std::move(op));
  }
  if (done->empty()) return;
  options_.post_to_io([done] {
    for (Op& op : *done) {
      if (op.append_done) {
        if (op.error.ok()) {
          op.append_done(op.id);
        } else {
          op.append_done(op.error);
        }
      } else {
        op.update_done(op.error);
      }
    }
  });
}

absl::Status DurableQueue::Rotate() {
  const auto old_path = SegmentPath(WriterActiveSeq());
  if (active_dirty_) {
    if (absl::Status status = SyncFd(active_fd_, old_path); !status.ok()) return status;
    active_dirty_ = false;
  }
  SegmentHeader header;
  {
    absl::MutexLock lock(&mu_);
    header = SegmentHeader{active_seq_ + 1, 0, next_id_};
  }
  const auto path = SegmentPath(header.seq);
  auto fd = CreateSegmentFile(path, header, O_EXCL);
  if (!fd.ok()) return fd.status();
  if (::fsync(dir_fd_) != 0) {
    ::close(*fd);
    return ErrnoError("cannot sync", dir_);
  }
  auto file = SegmentFile::Open(path);
  if (!file.ok()) {
    ::close(*fd);
    return file.status();
  }
  ::close(active_fd_);
  active_fd_ = *fd;
  active_size_ = kHeaderSize;
  absl::MutexLock lock(&mu_);
  active_seq_ = header.seq;
  segments_[header.seq] = Segment{kHeaderSize, 0, *std::move(file)};
  return absl::OkStatus();
}

void DurableQueue::MaybeRequestCompaction() {
  if (compacting_ || compact_requested_ || closing_ || !failed_.ok()) return;
  if (active_seq_ <= compact_retry_seq_) return;
  uint64_t total = 0, live = 0, sealed = 0, sealed_live = 0;
  for (const auto& [seq, segment] : segments_) {
    total += segment.bytes;
    live += segment.live_bytes;
    if (seq != active_seq_) {
      sealed += segment.bytes;
      sealed_live += segment.live_bytes;
    }
  }
  const double fraction = options_.compact_max_live_fraction;
  // The sealed part must itself be mostly dead, or rewriting it would reclaim little (and the
  // same condition would hold again right after).
  if (sealed > 0 && total > options_.compact_min_log_bytes &&
      static_cast<double>(live) < fraction * static_cast<double>(total) &&
      static_cast<double>(sealed_live) < fraction * static_cast<double>(sealed)) {
    compact_requested_ = true;
    compactor_cv_.Signal();
  }
}

void DurableQueue::CompactorLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      while (!compact_requested_ && !closing_) compactor_cv_.Wait(&mu_);
      if (closing_) return;
      compact_requested_ = false;
      compacting_ = true;
    }
    absl::Status status;
    {
      absl::MutexLock compact_lock(&compact_mu_);
      status = Compact();
    }
    absl::MutexLock lock(&mu_);
    compacting_ = false;
    if (!status.ok() && !absl::IsCancelled(status)) {
      ++stats_.compaction_failures;
      compact_retry_seq_ = active_seq_;
    }
  }
}

absl::Status DurableQueue::CompactNow() {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::FailedPreconditionError("queue is closed");
    rotate_requested_ = true;
    writer_cv_.Signal();
    while (rotate_requested_ && !closing_) rotated_cv_.Wait(&mu_);
    if (!failed_.ok()) return failed_;
    compacting_ = true;
  }
  absl::Status status;
  {
    absl::MutexLock compact_lock(&compact_mu_);
    status = Compact();
  }
  absl::MutexLock lock(&mu_);
  compacting_ = false;
  if (!status.ok() && !absl::IsCancelled(status)) ++stats_.compaction_failures;
  return status;
}

absl::Status DurableQueue::Compact() {
  uint64_t k = 0;
  uint64_t next_id = 0;
  std::vector<uint64_t> inputs;
  std::vector<std::pair<uint64_t, Entry>> live;
  std::map<uint64_t, std::shared_ptr<const SegmentFile>> files;  // every segment, active too
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::CancelledError("queue is closing");
    for (const auto& [seq, segment] : segments_) {
      if (seq < active_seq_) inputs.push_back(seq);
      files[seq] = segment.file;
    }
    if (inputs.empty()) return absl::OkStatus();
    k = inputs.back();
    // An event's payload record is never newer than its latest record: this takes every event
    // with any record in the inputs.
    for (const auto& [id, entry] : index_) {
      if (entry.payload.seq != 0 && entry.payload.seq <= k) live.emplace_back(id, entry);
    }
    next_id = next_id_;
  }
  std::sort(live.begin(), live.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  const auto final_path = SegmentPath(k);
  auto tmp_path = final_path;
  tmp_path += ".tmp";
  auto out = CreateSegmentFile(tmp_path, SegmentHeader{k, k, next_id}, O_TRUNC);
  if (!out.ok()) return out.status();
  const int out_fd = *out;
  auto fail = [&](absl::Status status) {
    ::close(out_fd);
    ::unlink(tmp_path.c_str());
    return status;
  };

  std::vector<Location> moved;
  moved.reserve(live.size());
  std::string buffer;
  uint64_t out_size = kHeaderSize;
  for (size_t i = 0; i < live.size(); ++i) {
    const auto& [id, entry] = live[i];
    if (i % 4096 == 4095) {
      absl::MutexLock lock(&mu_);
      if (closing_) return fail(absl::CancelledError("queue is closing"));
    }
    // The latest record's header and metadata (an append's payload is read separately below).
    const SegmentFile& latest_file = *files.at(entry.latest.seq);
    const size_t head_size =
        entry.latest.size - (entry.latest == entry.payload ? entry.payload_size : 0);
    auto head = latest_file.Read(entry.latest.offset, head_size);
    if (!head.ok()) return fail(head.status());
    RecordView record;
    if (!ParseRecordHead(*head, &record) || record.id != id || record.size() != entry.latest.size) {
      return fail(absl::DataLossError(
          absl::StrCat("record of event ", id, " unreadable in ", SegmentName(entry.latest.seq))));
    }
    auto payload = files.at(entry.payload.seq)
                       ->Read(entry.payload.offset + entry.payload.size - entry.payload_size,
                              entry.payload_size);
    if (!payload.ok()) return fail(payload.status());
    const size_t start = buffer.size();
    AppendRecord(buffer, kAppendType, id, record.metadata, *payload, entry.payload_crc);
    moved.push_back(Location{k, out_size + start, static_cast<uint32_t>(buffer.size() - start)});
    if (buffer.size() >= kCompactionFlushBytes) {
      if (auto s = PWriteAll(out_fd, buffer, out_size, tmp_path); !s.ok()) return fail(s);
      out_size += buffer.size();
      buffer.clear();
    }
  }
  if (auto s = PWriteAll(out_fd, buffer, out_size, tmp_path); !s.ok()) return fail(s);
  out_size += buffer.size();
  if (auto s = SyncFd(out_fd, tmp_path); !s.ok()) return fail(s);
  ::close(out_fd);
  // Opened before the rename, so it reads the compacted file whatever happens to the name.
  auto out_file = SegmentFile::Open(tmp_path);
  if (!out_file.ok()) {
    ::unlink(tmp_path.c_str());
    return out_file.status();
  }
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    absl::Status status = ErrnoError("cannot rename", tmp_path);
    ::unlink(tmp_path.c_str());
    return status;
  }
  // From here on the compacted segment is the truth even if the rest fails.
  const bool dir_synced = ::fsync(dir_fd_) == 0;
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t seq : inputs) segments_.erase(seq);
    Segment& compacted = segments_[k] = Segment{out_size, 0, *std::move(out_file)};
    for (size_t i = 0; i < live.size(); ++i) {
      auto it = index_.find(live[i].first);
      if (it == index_.end()) continue;  // removed meanwhile
      // The payload record was in the inputs; the latest record too unless an update moved it
      // on to the active segment meanwhile (then it stays there, and wins at recovery).
      Entry& entry = it->second;
      entry.payload = moved[i];
      if (entry.latest.seq <= k) entry.latest = moved[i];
      compacted.live_bytes += moved[i].size;
    }
    ++stats_.compactions;
  }
  for (uint64_t seq : inputs) {
    if (seq != k) ::unlink(SegmentPath(seq).c_str());  // superseded by k anyway
  }
  if (!dir_synced) return ErrnoError("cannot sync", dir_);
  return absl::OkStatus();
}

void DurableQueue::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    closing_ = true;
  }
  writer_cv_.SignalAll();
  compactor_cv_.SignalAll();
  rotated_cv_.SignalAll();
  if (writer_.joinable()) writer_.join();
  if (compactor_.joinable()) compactor_.join();
}

DurableQueueStats DurableQueue::Stats() const {
  absl::MutexLock lock(&mu_);
  DurableQueueStats stats = stats_;
  stats.live_events = index_.size();
  stats.segments = segments_.size();
  for (const auto& [seq, segment] : segments_) {
    stats.log_bytes += segment.bytes;
    stats.live_bytes += segment.live_bytes;
  }
  return stats;
}

}  // namespace serval::storage
