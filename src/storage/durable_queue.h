#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace serval::storage {

// CRC-32C (Castagnoli) of `data`, continuing from `crc` (0 to start). Uses SSE4.2 when the CPU
// has it. The queue's record checksum; exposed so tests and tools can check files.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// One event as recovered at open: its id and its latest metadata. Its payload stays on disk
// (ReadPayload).
struct QueuedEvent {
  uint64_t id = 0;
  std::string metadata;
};

struct DurableQueueOptions {
  // Runs a closure on the io thread. Required. Completion callbacks reach the caller only through
  // it, one closure per written batch, so callbacks run in the order their operations were
  // submitted as long as the poster preserves order (asio::post does).
  std::function<void(std::function<void()>)> post_to_io;
  // The active segment is sealed and a new one started once it holds this many bytes.
  uint64_t segment_bytes = 16ull << 20;
  // Compaction starts in the background when the log holds more than `compact_min_log_bytes` and
  // live records are less than `compact_max_live_fraction` of it.
  uint64_t compact_min_log_bytes = 64ull << 20;
  double compact_max_live_fraction = 0.25;
};

// Counters for tests, benchmarks and /metrics. All values are totals since Open.
struct DurableQueueStats {
  uint64_t batches = 0;          // batches written (one write() each)
  uint64_t syncs = 0;            // fdatasync() calls for batches (not rotation or compaction)
  uint64_t records_written = 0;  // append, update and remove records
  uint64_t bytes_written = 0;
  uint64_t compactions = 0;
  uint64_t compaction_failures = 0;
  uint64_t live_events = 0;  // appended (or recovered) and not removed
  uint64_t live_bytes = 0;   // bytes of the records live events need (latest, and payload)
  uint64_t log_bytes = 0;    // bytes of all segment files
  uint64_t segments = 0;
  uint64_t truncated_tail_bytes = 0;   // torn or corrupt tail of the newest segment cut at open
  uint64_t corrupt_bytes_skipped = 0;  // unreadable bytes in older segments, ignored at open
  uint64_t payload_bytes_skipped = 0;  // payload bytes of sealed segments Open did not read
};

// Thread-safe. The durable queue under async invocations: an append-only, checksummed log of
// events in segment files under one directory, with group commit and background compaction. An
// event is small metadata (rewritten by each Update) and a payload written once by Append; only
// an index of where each event's records lie is kept in memory, never a payload. File format and
// crash semantics: docs/formats.md ("Durable queue").
//
// Threads: Append, Update and Remove are meant for the io thread and never block on I/O there:
// they take a short lock and hand the record to the queue's own writer thread, which writes each
// batch with one write() and one fdatasync() and then posts the batch's completions back through
// `post_to_io`. While one batch syncs the next accumulates. A compaction thread rewrites sealed
// segments. ReadPayload is one pread() on the calling thread (see its comment). Open, Close and
// CompactNow block (disk I/O, thread joins): not for the io thread while it serves requests.
//
// Durability: Append and Update callbacks fire only after the record is on disk. Remove is lazily
// durable: it is written with the next batch but does not force a sync, so after a crash a
// removed event can come back from Recover() — delivery is at least once. After a write or sync
// error the queue is failed: that batch and every later operation complete with the error, and
// the queue must be reopened (which recovers from what is on disk).
class DurableQueue {
 public:
  using AppendCallback = std::function<void(absl::StatusOr<uint64_t>)>;
  using UpdateCallback = std::function<void(absl::Status)>;

  // Largest payload and metadata accepted (Append/Update fail with InvalidArgument above them).
  static constexpr size_t kMaxPayloadBytes = 16u << 20;
  static constexpr size_t kMaxMetadataBytes = 64u << 10;

  // Opens the queue in `dir` (created if missing), recovering what is on disk: a torn or corrupt
  // tail of the newest segment is truncated, leftovers of an interrupted compaction are removed.
  // Reads the payloads of the newest segment only. Takes an exclusive lock on `dir`: a second
  // open, in this or another process, fails with FailedPrecondition until the first is closed.
  // A directory written in another format version fails with FailedPrecondition, untouched.
  static absl::StatusOr<std::unique_ptr<DurableQueue>> Open(const std::filesystem::path& dir,
                                                            DurableQueueOptions options);
  ~DurableQueue();  // Close()s
  DurableQueue(const DurableQueue&) = delete;
  DurableQueue& operator=(const DurableQueue&) = delete;

  // Every event that was on disk at Open and not removed, with its latest metadata, in id order.
  // The first call moves them out; later calls return nothing.
  std::vector<QueuedEvent> Recover() ABSL_LOCKS_EXCLUDED(mu_);

  // Assigns the next id (greater than every id acknowledged from this directory before) and
  // queues an append record. `done` (may be empty) gets the id once the record is durable.
  // Completions of Append and Update fire in submission order.
  void Append(std::string metadata, std::string payload, AppendCallback done)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Replaces the metadata of a live event, keeping its payload (which is not rewritten); `done`
  // (may be empty) fires once that is durable. NotFound if `id` is not live (never appended, or
  // removed).
  void Update(uint64_t id, std::string metadata, UpdateCallback done) ABSL_LOCKS_EXCLUDED(mu_);
  // Removes a live event (delivered or dropped). Not waited for; see "Durability" above.
  // NotFound if `id` is not live; FailedPrecondition if the queue is failed or closed.
  absl::Status Remove(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);

  // The payload of a live event whose append has completed, read from its segment file and
  // checked against its checksum: DataLoss if the bytes on disk are damaged, NotFound if `id`
  // is not live, FailedPrecondition if its append has not completed yet. One pread() on the
  // calling thread, outside the queue's lock; it may run while compaction moves the event.
  absl::StatusOr<std::string> ReadPayload(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);

  // Writes and syncs everything submitted so far (callbacks are posted), stops compaction and
  // joins the threads. Idempotent. Afterwards Append/Update complete with FailedPrecondition
  // (still through post_to_io) and Remove returns it.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

  // Seals the active segment after the next batch and rewrites all sealed segments into one
  // holding only live events, blocking the caller until done. For tests and tools; never call it
  // on the io thread. Background compaction does the same on its own thread.
  absl::Status CompactNow() ABSL_LOCKS_EXCLUDED(mu_, compact_mu_);

  DurableQueueStats Stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  enum class RecordType : uint8_t { kAppend = 1, kUpdate = 2, kRemove = 3 };

  // Where one whole record is. seq == 0: not yet written.
  struct Location {
    uint64_t seq = 0;
    uint64_t offset = 0;
    uint32_t size = 0;
    bool operator==(const Location&) const = default;
  };

  // A live event's records: its metadata is that of `latest`, its payload the last `payload_size`
  // bytes of `payload` (an append record; the same record as `latest` until an Update).
  struct Entry {
    Location latest;
    Location payload;
    uint32_t payload_size = 0;
    uint32_t payload_crc = 0;
  };

  struct Op {
    RecordType type;
    uint64_t id = 0;
    std::string metadata;
    std::string payload;
    AppendCallback append_done;
    UpdateCallback update_done;
    absl::Status error;  // not OK: write nothing, complete with this
  };

  DurableQueue(std::filesystem::path dir, DurableQueueOptions options, int lock_fd);

  // Runs before the threads start; holds mu_ only to satisfy the lock annotations.
  absl::Status Recovery() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks the op under the lock (closed, payload size, then `admit`, which may also assign its
  // id) and queues it for the writer; a refused op completes with the error.
  void Submit(Op op, const std::function<absl::Status(Op&)>& admit) ABSL_LOCKS_EXCLUDED(mu_);
  void WriterLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void CompactorLoop() ABSL_LOCKS_EXCLUDED(mu_, compact_mu_);
  // Writes `batch` to the active segment; returns the I/O error if any.
  absl::Status WriteBatch(std::vector<Op>& batch, std::string& buffer) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Rotate() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Compact() ABSL_EXCLUSIVE_LOCKS_REQUIRED(compact_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  void MaybeRequestCompaction() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds (or with `live` false, subtracts) the entry's records to their segments' live bytes.
  void CountLive(const Entry& entry, bool live) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PostCompletions(std::vector<Op>& batch, const absl::Status& status);
  std::filesystem::path SegmentPath(uint64_t seq) const;
  // active_seq_ for the writer thread. Only the writer (and Recovery, before it starts) changes
  // active_seq_, under mu_, so the writer may read it without: a rule the analysis cannot express.
  uint64_t WriterActiveSeq() const ABSL_NO_THREAD_SAFETY_ANALYSIS { return active_seq_; }

  const std::filesystem::path dir_;
  const DurableQueueOptions options_;
  const int lock_fd_;
  int dir_fd_ = -1;

  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(compact_mu_);
  absl::CondVar writer_cv_;     // pending_ or closing_ changed
  absl::CondVar compactor_cv_;  // compact_requested_ or closing_ changed
  absl::CondVar rotated_cv_;    // rotate_requested_ served
  std::vector<Op> pending_ ABSL_GUARDED_BY(mu_);
  bool writer_waiting_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool rotate_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool compact_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool compacting_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Entry> index_ ABSL_GUARDED_BY(mu_);  // live events
  class SegmentFile;
  struct Segment {
    uint64_t bytes = 0;       // file size, header included
    uint64_t live_bytes = 0;  // records that are the latest or the payload of a live event
    // Read descriptor, shared with readers so that compaction may replace or unlink the file
    // under a pread() in flight.
    std::shared_ptr<const SegmentFile> file;
  };
  std::map<uint64_t, Segment> segments_ ABSL_GUARDED_BY(mu_);  // by seq
  // After a failed compaction: retry once active_seq_ passes it.
  uint64_t compact_retry_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t active_seq_ ABSL_GUARDED_BY(mu_) = 0;  // see WriterActiveSeq
  DurableQueueStats stats_ ABSL_GUARDED_BY(mu_);  // segment/live fields derived
  std::vector<QueuedEvent> recovered_ ABSL_GUARDED_BY(mu_);

  // Owned by the writer thread (and by Open before it starts).
  int active_fd_ = -1;
  uint64_t active_size_ = 0;
  bool active_dirty_ = false;  // written since the last fdatasync

  absl::Mutex compact_mu_;  // serializes compactions
  std::thread writer_;
  std::thread compactor_;
};

}  // namespace serval::storage
