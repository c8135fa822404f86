#include "storage/memory_blob_store.h"

#include <utility>

namespace serval::storage {
namespace {

class Reader final : public BlobReader {
 public:
  explicit Reader(std::shared_ptr<const std::string> blob) : blob_(std::move(blob)) {}

  uint64_t size() const override { return blob_->size(); }
  absl::StatusOr<std::string> Read(uint64_t offset, size_t max_bytes) override {
    if (offset >= blob_->size()) return std::string();
    return blob_->substr(offset, max_bytes);
  }

 private:
  const std::shared_ptr<const std::string> blob_;
};

}  // namespace

class MemoryBlobStore::Writer final : public BlobWriter {
 public:
  Writer(MemoryBlobStore* store, std::string key) : store_(store), key_(std::move(key)) {}

  absl::Status Append(std::string_view chunk) override {
    if (finished_) return WriterFinishedError();
    data_.append(chunk);
    return absl::OkStatus();
  }
  absl::Status Commit() override {
    if (finished_) return WriterFinishedError();
    finished_ = true;
    store_->Put(std::move(key_), std::make_shared<const std::string>(std::move(data_)));
    return absl::OkStatus();
  }
  void Abort() override { finished_ = true; }

 private:
  MemoryBlobStore* const store_;
  std::string key_;
  std::string data_;
  bool finished_ = false;
};

absl::StatusOr<std::unique_ptr<BlobWriter>> MemoryBlobStore::NewWriter(std::string_view key) {
  if (auto status = CheckBlobKey(key); !status.ok()) return status;
  return std::make_unique<Writer>(this, std::string(key));
}

absl::StatusOr<std::unique_ptr<BlobReader>> MemoryBlobStore::NewReader(std::string_view key) const {
  if (auto status = CheckBlobKey(key); !status.ok()) return status;
  absl::MutexLock lock(&mu_);
  auto found = blobs_.find(key);
  if (found == blobs_.end()) return BlobNotFoundError();
  return std::make_unique<Reader>(found->second);
}

absl::Status MemoryBlobStore::Remove(std::string_view key) {
  if (auto status = CheckBlobKey(key); !status.ok()) return status;
  absl::MutexLock lock(&mu_);
  auto found = blobs_.find(key);
  if (found == blobs_.end()) return BlobNotFoundError();
  blobs_.erase(found);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MemoryBlobStore::ListKeys(std::string_view prefix) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> keys;
  for (auto it = blobs_.lower_bound(prefix); it != blobs_.end() && it->first.starts_with(prefix);
       ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

void MemoryBlobStore::Put(std::string key, std::shared_ptr<const std::string> blob) {
  absl::MutexLock lock(&mu_);
  blobs_[std::move(key)] = std::move(blob);
}

}  // namespace serval::storage
