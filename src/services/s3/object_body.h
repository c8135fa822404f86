#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/checksums.h"
#include "common/worker.h"
#include "http/message.h"
#include "services/s3/conditions.h"
#include "services/s3/object_record.h"
#include "storage/blob_store.h"
#include "storage/offload.h"

namespace serval::s3 {

// Moving object bytes between a connection and storage without holding a large object in memory.
// Small bodies (at most kInlineBodyBytes) are kept whole and stored in the metadata store with
// their record, so a small PUT costs one group-committed write; larger ones stream into a blob
// on the blob worker, a bounded number of pieces ahead of the disk. Everything here is called on
// the io thread and calls back there.

inline constexpr size_t kInlineBodyBytes = 64 * 1024;
// The largest object one request may upload (PutObject, POST Object): 5 GiB.
inline constexpr uint64_t kMaxSinglePutBytes = uint64_t{5} << 30;

// Where the bytes of a received body went.
struct ReceivedBody {
  uint64_t size = 0;
  std::string md5;              // raw 16 bytes
  std::string crc64nvme;        // base64: S3's default checksum, kept with every object and part
  std::string inline_bytes;     // the body, when it is small
  std::optional<Segment> blob;  // the committed blob, when it is not
};

struct ReceiveOptions {
  storage::BlobStore* blobs = nullptr;
  Worker* worker = nullptr;  // runs blob writes
  storage::PostToIo post_to_io;
  uint64_t max_bytes = 0;  // more is EntityTooLarge
  // Small bodies stay in memory only if this is set (objects); parts always go to a blob.
  bool allow_inline = true;
  // Also fed every byte, beside the MD5 and the CRC64NVME (an x-amz-checksum-* the client asked
  // for); may be null. Read it only once `done` has run.
  std::shared_ptr<Checksum> checksum;
};

// The body of a request as a source: the streamed one, or the buffered body in one piece.
http::BodySource BodySourceOf(http::Request& request);
// The Content-MD5 a request declares (raw 16 bytes), empty if none; InvalidDigest if malformed.
absl::StatusOr<std::string> DeclaredContentMd5(const http::Request& request);

// Reads `source` to its end. `done` gets the body, or the first error (the source's, a write's,
// or EntityTooLarge), in which case nothing was kept.
void ReceiveBody(http::BodySource source, ReceiveOptions options,
                 std::function<void(absl::StatusOr<ReceivedBody>)> done);

// Copies `length` bytes from `offset` of the object made of `segments` into a new blob, on the
// worker (CopyObject and UploadPartCopy of large objects). `checksum`, if not null, is also fed
// every byte copied.
absl::StatusOr<ReceivedBody> CopyIntoBlob(storage::BlobStore& blobs,
                                          const std::vector<Segment>& segments, uint64_t offset,
                                          uint64_t length, Checksum* checksum = nullptr);

// Writes `bytes` into a new blob, on the worker (a copy of a small object into a part);
// `checksum`, if not null, is also fed them.
absl::StatusOr<ReceivedBody> WriteBlob(storage::BlobStore& blobs, std::string_view bytes,
                                       Checksum* checksum = nullptr);

// The open readers of an object's segments: opened together before a response starts, so that
// an overwrite or delete meanwhile cannot pull the bytes from under it.
class OpenObject : public std::enable_shared_from_this<OpenObject> {
 public:
  // On the worker. NotFound if a blob is gone (the object was replaced since its record was
  // read: read the record again).
  static absl::StatusOr<std::shared_ptr<OpenObject>> Open(const storage::BlobStore& blobs,
                                                          const std::vector<Segment>& segments);
  // A body source for `range` of the object; it reads on `worker`.
  http::BodySource Source(ByteRange range, Worker* worker, storage::PostToIo post_to_io);
  // On the worker: `length` bytes from `offset` (whole pieces of segments).
  absl::StatusOr<std::string> Read(uint64_t offset, size_t length) const;

 private:
  std::vector<std::unique_ptr<storage::BlobReader>> readers_;
};

// Removes blobs no longer named by any record, on the worker; failures only leave garbage that
// the startup sweep finds.
void RemoveBlobsLater(storage::BlobStore& blobs, Worker& worker, std::vector<std::string> keys);

}  // namespace serval::s3
