#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace serval::http {

// Access keys Serval accepts, and their secrets: the operator's, and the temporary keys of live
// execution environments. Thread-compatible: the edge and the environments use it on the io
// thread only.
class CredentialStore {
 public:
  // The access key and secret local AWS tooling uses by convention.
  static constexpr std::string_view kDefaultAccessKey = "test";
  static constexpr std::string_view kDefaultSecretKey = "test";

  // An empty store: every signed request is refused with "unknown access key".
  CredentialStore() = default;
  // A store that knows only test/test.
  static CredentialStore WithDefaultKey();

  // What an access key stands for.
  struct Identity {
    std::string secret;
    // Set for temporary keys (an execution environment's): requests must carry it as
    // X-Amz-Security-Token. Empty for the operator's keys.
    std::string session_token;
    // Who holds a temporary key (the function's ARN); empty for the operator's keys.
    std::string principal;
    // The IAM principal the key signs as: an IAM user ("arn:aws:iam::ACCOUNT:user/NAME").
    // Empty for the operator's keys, which act as the account root.
    std::string principal_arn;
  };

  // Adds an operator key, replacing the secret if the key is already known.
  void Add(std::string_view access_key, std::string_view secret);
  // Adds a temporary key (session_token set); RemoveTemporary retires it.
  void AddTemporary(std::string_view access_key, Identity identity);
  void RemoveTemporary(std::string_view access_key);
  // Adds the key of an IAM user (principal_arn set); Remove retires it.
  void AddIdentity(std::string_view access_key, Identity identity);
  // Removes a key added with AddIdentity; the operator's keys stay.
  void Remove(std::string_view access_key);
  // The identity or secret for `access_key`, or null. The pointer lives until the store is next
  // modified.
  const Identity* Find(std::string_view access_key) const;
  const std::string* FindSecret(std::string_view access_key) const;
  // Keys in the store, temporary ones included.
  size_t size() const { return secrets_.size(); }
  // Some operator key of the store (which one is unspecified), e.g. to presign Serval's own
  // URLs; nullopt when there is none.
  std::optional<std::pair<std::string, std::string>> AnyKey() const;

 private:
  absl::flat_hash_map<std::string, Identity> secrets_;
};

// Reads access keys from a text file: one "ACCESS_KEY SECRET" pair per line, separated by spaces
// or tabs; blank lines and lines whose first non-blank character is '#' are ignored. Access keys
// may not contain '/'. A repeated key, a line without exactly two fields, or a file with no keys
// at all is an InvalidArgument error naming the line; an unreadable file is NotFound or
// PermissionDenied. The result holds only the file's keys (test/test is not added implicitly: an
// operator who lists keys usually wants exactly those; list "test test" to keep it).
absl::StatusOr<CredentialStore> LoadCredentialFile(const std::string& path);

}  // namespace serval::http
