#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::lambda {

// Limits Lambda applies to zip deployment packages (bytes): a zip sent in the request itself
// (ZipFile), and every package unzipped (one read from S3 may be that large zipped too).
inline constexpr size_t kMaxZipBytes = 50 * 1024 * 1024;
inline constexpr uint64_t kMaxUnzippedBytes = 262144000;

// 400 InvalidParameterValueException for a package over kMaxUnzippedBytes, in AWS's words.
absl::Status UnzippedTooLarge();

// Deployment packages, unpacked once per distinct zip and shared read-only by every function and
// environment using them: <root>/<sha256 hex>/ holds the files, <root>/<sha256 hex>.zip the
// original. A package is unpacked into private staging paths (<root>/.staging-*) and then
// installed by renaming; both are fsynced first, so an installed package is complete on disk
// before any record naming it is committed.
//
// Unpack is thread-safe (it touches only paths it creates); everything else is
// thread-compatible, and Install and Remove must run on the same thread.
class CodeStore {
 public:
  struct StoredCode {
    std::string id;      // hex SHA-256 of the zip
    std::string sha256;  // base64 SHA-256, as Lambda reports CodeSha256
    int64_t size = 0;    // zip bytes
  };
  // An unpacked, synced package not yet visible under its id.
  struct Staged {
    StoredCode code;
    std::filesystem::path dir;  // the files
    std::filesystem::path zip;  // the original zip
  };

  explicit CodeStore(std::filesystem::path root) : root_(std::move(root)) {}

  // Creates the root if needed and removes the staging paths of unpacks a crash interrupted.
  // Call once at startup, before anything else.
  absl::Status Open();

  // Validates the zip (a real zip whose entries inflate to their declared sizes and CRCs; no
  // absolute paths, no ".."; no symlink that resolves outside the package, through other links
  // included; within the unzipped size limit, which also bounds the zip itself: the 50 MB
  // limit is the request decoder's) and unpacks it into staging paths. On any error
  // nothing is left behind. Errors are InvalidParameterValueException statuses with AWS's
  // messages.
  absl::StatusOr<Staged> Unpack(std::string_view zip_bytes) const;
  // Makes `staged` the stored package of its id, durably, or drops it when that package is
  // already stored.
  absl::StatusOr<StoredCode> Install(Staged staged);

  std::filesystem::path CodeDir(std::string_view id) const { return root_ / std::string(id); }
  std::filesystem::path ZipPath(std::string_view id) const {
    return root_ / (std::string(id) + ".zip");
  }
  void Remove(std::string_view id);

 private:
  std::filesystem::path root_;
};

}  // namespace serval::lambda
