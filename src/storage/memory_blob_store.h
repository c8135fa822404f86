#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/blob_store.h"

namespace serval::storage {

// Thread-safe. A BlobStore in memory, for unit tests of the services above it: the same semantics
// as FileBlobStore (blob_store_test.cc runs one suite against both), no durability. Writers refer
// to the store: it must outlive them.
class MemoryBlobStore final : public BlobStore {
 public:
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(std::string_view key) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> NewReader(std::string_view key) const override;
  absl::Status Remove(std::string_view key) override;
  absl::StatusOr<std::vector<std::string>> ListKeys(std::string_view prefix) const override;

 private:
  class Writer;

  // Blobs are shared with the readers that have them open.
  void Put(std::string key, std::shared_ptr<const std::string> blob);

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> blobs_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::storage
