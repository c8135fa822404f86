#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/policy.h"

namespace serval::storage {
class MetadataStore;
}  // namespace serval::storage

namespace serval::iam {

// IAM's entities: roles, managed policies (the account's, with versions, and AWS's own), users
// and their access keys, persisted write-through in the metadata store and held in memory.
// Runs only on the io thread (the IAM and STS front ends change it; the authorizer reads it).
//
// The IAM front end (services/iam) owns the changes; this header's reading side is what the
// authorizer and STS rely on.

struct Role {
  std::string name;
  std::string path = "/";
  std::string arn;      // arn:aws:iam::ACCOUNT:role/PATH/NAME
  std::string role_id;  // AROA...
  PolicyDocument trust_policy;
  int64_t max_session_seconds = 3600;  // MaxSessionDuration: AssumeRole's longest session
  // ... the rest (description, tags, dates, inline and attached policies) as the IAM front end
  // needs.
};

struct User {
  std::string name;
  std::string path = "/";
  std::string arn;      // arn:aws:iam::ACCOUNT:user/PATH/NAME
  std::string user_id;  // AIDA...
};

class IdentityStore {
 public:
  static absl::StatusOr<std::unique_ptr<IdentityStore>> Open(storage::MetadataStore* metadata,
                                                             std::string account_id);

  const Role* FindRole(std::string_view name) const;
  const User* FindUser(std::string_view name) const;
  // Every identity policy that applies to the role or user: inline policies and the default
  // version of each attached managed policy. Empty when there is no such role or user.
  std::vector<PolicyDocument> RolePolicies(std::string_view role_name) const;
  std::vector<PolicyDocument> UserPolicies(std::string_view user_name) const;
  // Grows with every change to any role, user or policy: readers cache by it.
  uint64_t generation() const { return generation_; }

 private:
  uint64_t generation_ = 0;
};

}  // namespace serval::iam
