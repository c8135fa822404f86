#pragma once

#include <filesystem>
#include <memory>

#include "storage/blob_store.h"

namespace serval::storage {

// Thread-safe. The embedded BlobStore: a file per blob under one directory (docs/formats.md,
// "Blob store"). A writer fills a temp file in the same filesystem; Commit fsyncs it, renames it
// over the blob's file and fsyncs that directory, so after a crash a key has its old blob or its
// new one, whole. Readers hold the file open, which keeps their bytes through a replace or remove.
class FileBlobStore final : public BlobStore {
 public:
  // Creates `root` if missing and removes the temp files a crash left behind.
  static absl::StatusOr<std::unique_ptr<FileBlobStore>> Open(std::filesystem::path root);

  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(std::string_view key) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> NewReader(std::string_view key) const override;
  absl::Status Remove(std::string_view key) override;
  absl::StatusOr<std::vector<std::string>> ListKeys(std::string_view prefix) const override;

 private:
  class Writer;

  explicit FileBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path PathOf(std::string_view key) const;

  const std::filesystem::path root_;
};

}  // namespace serval::storage
