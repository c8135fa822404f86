#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/policy.h"
#include "storage/view_writer.h"

namespace serval::iam {

// IAM's entities: roles, managed policies (the account's, with versions, and AWS's own), users
// and their access keys. Thread-compatible value types.

using Tags = std::map<std::string, std::string>;
// Inline policies by name.
using InlinePolicies = std::map<std::string, PolicyDocument, std::less<>>;
// The ARNs of attached managed policies.
using AttachedPolicies = std::set<std::string, std::less<>>;

struct Role {
  std::string name;
  std::string path = "/";
  std::string arn;      // arn:aws:iam::ACCOUNT:role/PATH/NAME
  std::string role_id;  // AROA + 17 characters
  PolicyDocument trust_policy;
  int64_t create_millis = 0;
  std::string description;
  int max_session_duration = 3600;   // seconds
  std::string permissions_boundary;  // a managed policy's ARN, or empty
  Tags tags;
  InlinePolicies inline_policies;
  AttachedPolicies attached;
};

struct User {
  std::string name;
  std::string path = "/";
  std::string arn;      // arn:aws:iam::ACCOUNT:user/PATH/NAME
  std::string user_id;  // AIDA + 17 characters
  int64_t create_millis = 0;
  std::string permissions_boundary;
  Tags tags;
  InlinePolicies inline_policies;
  AttachedPolicies attached;
};

struct PolicyVersion {
  std::string id;  // "v1", "v2", ...
  PolicyDocument document;
  int64_t create_millis = 0;
};

struct ManagedPolicy {
  std::string name;
  std::string path = "/";
  std::string arn;        // arn:aws:iam::ACCOUNT:policy/PATH/NAME, or arn:aws:iam::aws:policy/...
  std::string policy_id;  // ANPA...
  std::string description;
  int64_t create_millis = 0;
  int64_t update_millis = 0;
  std::string default_version;
  // Oldest first; at most kMaxPolicyVersions. AWS's own policies hold only their default version.
  std::vector<PolicyVersion> versions;
  int next_version = 1;  // the number of the version CreatePolicyVersion makes next
  Tags tags;
  bool aws_managed = false;  // AWS's own: read-only, never stored

  const PolicyVersion* FindVersion(std::string_view id) const;
  const PolicyVersion* DefaultVersion() const { return FindVersion(default_version); }
};

struct AccessKey {
  std::string id;      // AKIA + 16 upper-case letters and digits
  std::string secret;  // 40 characters
  std::string user_name;
  bool active = true;
  int64_t create_millis = 0;
};

inline constexpr size_t kMaxPolicyVersions = 5;
inline constexpr size_t kMaxAccessKeysPerUser = 2;

// The entities above, held in memory and written through to the metadata store (tables
// "iam.roles" and "iam.users" by lower-cased name, "iam.policies" by ARN, "iam.access_keys" by
// key id; docs/iam.md). AWS's managed policies come from a built-in catalogue. A change is
// visible at once and acknowledged (`done`) once it is on disk; the entity a write the disk
// refused touched is read back from the store before `done` hears the error
// (storage::ViewWriter). Names of roles and users are unique regardless of case,
// as in AWS. Access keys' secrets are in the metadata store: its file is owner-only (0600).
// Runs only on the io thread (the IAM and STS front ends change it; the authorizer reads it).
class IdentityStore {
 public:
  using Done = std::function<void(absl::Status)>;
  template <typename Entity>
  using Entities = std::map<std::string, Entity, std::less<>>;

  // Loads every stored entity and the AWS managed policies. `metadata` must outlive the store.
  static absl::StatusOr<std::unique_ptr<IdentityStore>> Open(storage::MetadataStore* metadata,
                                                             std::string account_id);

  const std::string& account_id() const { return account_id_; }

  const Role* FindRole(std::string_view name) const;
  const User* FindUser(std::string_view name) const;
  // A managed policy by ARN: the account's or AWS's.
  const ManagedPolicy* FindPolicy(std::string_view arn) const;
  const AccessKey* FindAccessKey(std::string_view id) const;
  // Every entity, ordered by key (roles and users by lower-cased name, policies by ARN).
  const Entities<Role>& roles() const { return roles_; }
  const Entities<User>& users() const { return users_; }
  const Entities<ManagedPolicy>& policies() const { return policies_; }
  const Entities<AccessKey>& access_keys() const { return access_keys_; }
  std::vector<const AccessKey*> AccessKeysOf(std::string_view user_name) const;
  // How many roles and users have the policy attached.
  int AttachmentCount(std::string_view policy_arn) const;

  // Every identity policy that applies to the role or user: inline policies and the default
  // version of each attached managed policy. Empty when there is no such role or user.
  std::vector<PolicyDocument> RolePolicies(std::string_view role_name) const;
  std::vector<PolicyDocument> UserPolicies(std::string_view user_name) const;
  // Grows with every change to any role, user, policy or access key: readers cache by it.
  uint64_t generation() const { return generation_; }

  // Adds or replaces the entity whole (by name, ARN or key id).
  void PutRole(Role role, Done done);
  void PutUser(User user, Done done);
  void PutPolicy(ManagedPolicy policy, Done done);  // not one of AWS's
  void PutAccessKey(AccessKey key, Done done);
  // Removes the entity; nothing else (its policies, keys or attachments) goes with it.
  void RemoveRole(std::string_view name, Done done);
  void RemoveUser(std::string_view name, Done done);
  void RemovePolicy(std::string_view arn, Done done);
  void RemoveAccessKey(std::string_view id, Done done);

 private:
  IdentityStore(storage::MetadataStore* metadata, std::string account_id)
      : metadata_(metadata), writer_(metadata), account_id_(std::move(account_id)) {}
  absl::Status Load();
  // Sets (or with nullopt removes) `key` of `entities` and of `table`; reads it back from the
  // store (through `decode`) if the disk refuses the change.
  template <typename Entity>
  void Replace(Entities<Entity>& entities, std::string_view table,
               absl::StatusOr<Entity> (*decode)(std::string_view), std::string key,
               std::optional<Entity> entity, Done done);

  storage::MetadataStore* metadata_;
  storage::ViewWriter writer_;
  std::string account_id_;
  Entities<Role> roles_;
  Entities<User> users_;
  Entities<ManagedPolicy> policies_;
  Entities<AccessKey> access_keys_;
  uint64_t generation_ = 0;
};

}  // namespace serval::iam
