#include "storage/blob_store.h"

namespace serval::storage {

absl::Status CheckBlobKey(std::string_view key) {
  if (key.empty() || key.size() > BlobStore::kMaxKeyBytes) {
    return absl::InvalidArgumentError("blob key must have 1 to " +
                                      std::to_string(BlobStore::kMaxKeyBytes) + " bytes");
  }
  return absl::OkStatus();
}

absl::Status BlobNotFoundError() { return absl::NotFoundError("no such blob"); }

absl::Status WriterFinishedError() {
  return absl::FailedPreconditionError("blob writer is finished");
}

}  // namespace serval::storage
