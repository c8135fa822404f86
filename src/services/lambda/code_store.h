#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::lambda {

// Limits Lambda applies to zip deployment packages (bytes).
inline constexpr size_t kMaxZipBytes = 50 * 1024 * 1024;
inline constexpr uint64_t kMaxUnzippedBytes = 262144000;

// Deployment packages, unpacked once per distinct zip and shared read-only by every function and
// environment using them: <root>/<sha256 hex>/ holds the files, <root>/<sha256 hex>.zip the
// original. Thread-compatible.
class CodeStore {
 public:
  struct StoredCode {
    std::string id;      // hex SHA-256 of the zip
    std::string sha256;  // base64 SHA-256, as Lambda reports CodeSha256
    int64_t size = 0;    // zip bytes
  };

  explicit CodeStore(std::filesystem::path root) : root_(std::move(root)) {}

  // Validates the zip (a real zip; no absolute paths, no "..", no symlink leaving the package;
  // within the unzipped size limit) and unpacks it unless already present. On any error nothing
  // is left behind. Errors are InvalidParameterValueException statuses with AWS's messages.
  absl::StatusOr<StoredCode> Store(std::string_view zip_bytes);

  std::filesystem::path CodeDir(std::string_view id) const { return root_ / std::string(id); }
  std::filesystem::path ZipPath(std::string_view id) const {
    return root_ / (std::string(id) + ".zip");
  }
  void Remove(std::string_view id);

 private:
  std::filesystem::path root_;
};

}  // namespace serval::lambda
