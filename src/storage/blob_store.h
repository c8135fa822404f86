#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::storage {

// Thread-compatible. One blob being written, chunk by chunk, so that a large object never sits in
// memory. Nobody sees it until Commit; destroying an uncommitted writer aborts it.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;

  virtual absl::Status Append(std::string_view chunk) = 0;
  // Makes the blob readable under its key, replacing any blob there, durably once it returns OK
  // (on error the key keeps its previous blob). The writer is finished either way.
  virtual absl::Status Commit() = 0;
  // Drops what was written. The writer is finished.
  virtual void Abort() = 0;
};

// Thread-compatible. One committed blob, opened: reads see the bytes it had when opened, even if
// it is replaced or removed meanwhile.
class BlobReader {
 public:
  virtual ~BlobReader() = default;

  virtual uint64_t size() const = 0;
  // Up to `max_bytes` bytes from `offset` (a ranged read); fewer only at the end, none past it.
  virtual absl::StatusOr<std::string> Read(uint64_t offset, size_t max_bytes) = 0;
};

// Thread-safe. Named immutable byte strings (objects, parts, packages): written whole through a
// BlobWriter, read by range. Keys are non-empty byte strings of at most kMaxKeyBytes; listing by
// key is the metadata store's job, not this one's. Every call may block on disk or network: the
// io thread runs them on a Worker through Offload (storage/offload.h). Implementations:
// FileBlobStore (embedded), MemoryBlobStore (unit tests); docs/architecture.md ("Storage seams")
// shows how an S3-compatible store satisfies the same contract.
class BlobStore {
 public:
  // Short enough that a file store can name a file after the key itself (hex, 240 characters),
  // which lets ListKeys find every blob a crash may have orphaned.
  static constexpr size_t kMaxKeyBytes = 120;

  virtual ~BlobStore() = default;

  // InvalidArgument for a bad key.
  virtual absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(std::string_view key) = 0;
  // NotFound if there is no blob under `key`.
  virtual absl::StatusOr<std::unique_ptr<BlobReader>> NewReader(std::string_view key) const = 0;
  // Removes the blob under `key`, durably once it returns OK; NotFound if there is none.
  virtual absl::Status Remove(std::string_view key) = 0;
  // The keys of every committed blob that starts with `prefix`, in no particular order: for a
  // service's sweep of blobs that no record names (written just before a crash). Not for request
  // paths: it reads the whole store.
  virtual absl::StatusOr<std::vector<std::string>> ListKeys(std::string_view prefix) const = 0;
};

// What every implementation answers. InvalidArgument unless `key` is a valid blob key (checked
// by every call first); NotFound for a key without a blob; FailedPrecondition for a writer used
// after Commit or Abort.
absl::Status CheckBlobKey(std::string_view key);
absl::Status BlobNotFoundError();
absl::Status WriterFinishedError();

}  // namespace serval::storage
