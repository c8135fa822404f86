#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace serval::services {

// Reads stored objects for another front end (Lambda's Code.S3Bucket/S3Key), so that it needs
// nothing of S3's internals. The S3 front end implements it. Runs only on the io thread; large
// objects are read on a worker, and `done` runs on the io thread.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // The bytes of `key` in `bucket`, or S3's error (NoSuchBucket, NoSuchKey; EntityTooLarge above
  // `max_bytes`).
  virtual void ReadObject(std::string bucket, std::string key, uint64_t max_bytes,
                          std::function<void(absl::StatusOr<std::string>)> done) = 0;
};

// Where the S3 front end leaves its reader when it is created. Front ends are created one after
// another, and requests come only once all exist, so a user reads `reader` when it serves one.
struct ObjectReaderSlot {
  ObjectReader* reader = nullptr;
};

}  // namespace serval::services
