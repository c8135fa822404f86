#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "iam/identity_store.h"

namespace serval::iam {

// The stored form of IAM's entities: one JSON object per record of the metadata store
// (docs/iam.md, "IAM API"). Decoding parses the policy documents again; a record that does not
// decode, or holds a document that no longer parses, is a DataLoss error naming it. Thread-safe
// (pure functions).

std::string EncodeRole(const Role& role);
std::string EncodeUser(const User& user);
std::string EncodePolicy(const ManagedPolicy& policy);
std::string EncodeAccessKey(const AccessKey& key);

absl::StatusOr<Role> DecodeRole(std::string_view text);
absl::StatusOr<User> DecodeUser(std::string_view text);
absl::StatusOr<ManagedPolicy> DecodePolicy(std::string_view text);
absl::StatusOr<AccessKey> DecodeAccessKey(std::string_view text);

}  // namespace serval::iam
