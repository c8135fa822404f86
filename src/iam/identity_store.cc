#include "iam/identity_store.h"

#include <utility>

#include "common/text.h"
#include "iam/aws_managed_policies.h"
#include "iam/identity_records.h"
#include "storage/metadata_store.h"

namespace serval::iam {
namespace {

constexpr std::string_view kRolesTable = "iam.roles";
constexpr std::string_view kUsersTable = "iam.users";
constexpr std::string_view kPoliciesTable = "iam.policies";
constexpr std::string_view kAccessKeysTable = "iam.access_keys";

std::string Encode(const Role& role) { return EncodeRole(role); }
std::string Encode(const User& user) { return EncodeUser(user); }
std::string Encode(const ManagedPolicy& policy) { return EncodePolicy(policy); }
std::string Encode(const AccessKey& key) { return EncodeAccessKey(key); }

template <typename Entity>
absl::Status LoadTable(const storage::MetadataStore& metadata, std::string_view table,
                       absl::StatusOr<Entity> (*decode)(std::string_view),
                       IdentityStore::Entities<Entity>& into) {
  absl::StatusOr<std::vector<storage::Record>> stored = metadata.Scan(table, {});
  if (!stored.ok()) return stored.status();
  for (const storage::Record& record : *stored) {
    absl::StatusOr<Entity> entity = decode(record.value);
    if (!entity.ok()) return entity.status();
    into.emplace(record.key, *std::move(entity));
  }
  return absl::OkStatus();
}

template <typename Entity>
const Entity* Find(const IdentityStore::Entities<Entity>& entities, std::string_view key) {
  auto found = entities.find(key);
  return found == entities.end() ? nullptr : &found->second;
}

// The policies of an inline set and an attachment set, as the authorizer evaluates them.
std::vector<PolicyDocument> PoliciesOf(const IdentityStore& store, const InlinePolicies& inline_,
                                       const AttachedPolicies& attached) {
  std::vector<PolicyDocument> documents;
  for (const auto& [name, document] : inline_) documents.push_back(document);
  for (const std::string& arn : attached) {
    const ManagedPolicy* policy = store.FindPolicy(arn);
    const PolicyVersion* version = policy == nullptr ? nullptr : policy->DefaultVersion();
    if (version != nullptr) documents.push_back(version->document);
  }
  return documents;
}

}  // namespace

const PolicyVersion* ManagedPolicy::FindVersion(std::string_view id) const {
  for (const PolicyVersion& version : versions) {
    if (version.id == id) return &version;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<IdentityStore>> IdentityStore::Open(storage::MetadataStore* metadata,
                                                                   std::string account_id) {
  std::unique_ptr<IdentityStore> store(new IdentityStore(metadata, std::move(account_id)));
  if (absl::Status status = store->Load(); !status.ok()) return status;
  return store;
}

absl::Status IdentityStore::Load() {
  absl::StatusOr<std::vector<ManagedPolicy>> aws = AwsManagedPolicies();
  if (!aws.ok()) return aws.status();
  for (ManagedPolicy& policy : *aws) {
    std::string arn = policy.arn;
    policies_.emplace(std::move(arn), std::move(policy));
  }
  if (absl::Status status = LoadTable<Role>(*metadata_, kRolesTable, &DecodeRole, roles_);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = LoadTable<User>(*metadata_, kUsersTable, &DecodeUser, users_);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          LoadTable<ManagedPolicy>(*metadata_, kPoliciesTable, &DecodePolicy, policies_);
      !status.ok()) {
    return status;
  }
  return LoadTable<AccessKey>(*metadata_, kAccessKeysTable, &DecodeAccessKey, access_keys_);
}

const Role* IdentityStore::FindRole(std::string_view name) const {
  return Find(roles_, AsciiToLower(name));
}

const User* IdentityStore::FindUser(std::string_view name) const {
  return Find(users_, AsciiToLower(name));
}

const ManagedPolicy* IdentityStore::FindPolicy(std::string_view arn) const {
  return Find(policies_, arn);
}

const AccessKey* IdentityStore::FindAccessKey(std::string_view id) const {
  return Find(access_keys_, id);
}

std::vector<const AccessKey*> IdentityStore::AccessKeysOf(std::string_view user_name) const {
  std::vector<const AccessKey*> keys;
  for (const auto& [id, key] : access_keys_) {
    if (EqualsIgnoreCase(key.user_name, user_name)) keys.push_back(&key);
  }
  return keys;
}

int IdentityStore::AttachmentCount(std::string_view policy_arn) const {
  int count = 0;
  for (const auto& [name, role] : roles_) count += role.attached.contains(policy_arn);
  for (const auto& [name, user] : users_) count += user.attached.contains(policy_arn);
  return count;
}

std::vector<PolicyDocument> IdentityStore::RolePolicies(std::string_view role_name) const {
  const Role* role = FindRole(role_name);
  if (role == nullptr) return {};
  return PoliciesOf(*this, role->inline_policies, role->attached);
}

std::vector<PolicyDocument> IdentityStore::UserPolicies(std::string_view user_name) const {
  const User* user = FindUser(user_name);
  if (user == nullptr) return {};
  return PoliciesOf(*this, user->inline_policies, user->attached);
}

template <typename Entity>
void IdentityStore::Replace(Entities<Entity>& entities, std::string_view table,
                            absl::StatusOr<Entity> (*decode)(std::string_view), std::string key,
                            std::optional<Entity> entity, Done done) {
  storage::WriteBatch batch;
  if (entity) {
    batch.Put(std::string(table), key, Encode(*entity));
  } else {
    batch.Delete(std::string(table), key);
  }
  if (entity) {
    entities.insert_or_assign(key, *std::move(entity));
  } else {
    entities.erase(key);
  }
  ++generation_;
  writer_.Write(
      std::move(batch),
      [this, &entities, table, key, decode] {
        storage::ReplaceWithStored(entities, key, metadata_->Get(table, key), decode);
        ++generation_;
      },
      std::move(done));
}

void IdentityStore::PutRole(Role role, Done done) {
  std::string key = AsciiToLower(role.name);
  Replace<Role>(roles_, kRolesTable, &DecodeRole, std::move(key), std::move(role), std::move(done));
}

void IdentityStore::PutUser(User user, Done done) {
  std::string key = AsciiToLower(user.name);
  Replace<User>(users_, kUsersTable, &DecodeUser, std::move(key), std::move(user), std::move(done));
}

void IdentityStore::PutPolicy(ManagedPolicy policy, Done done) {
  std::string key = policy.arn;
  Replace<ManagedPolicy>(policies_, kPoliciesTable, &DecodePolicy, std::move(key),
                         std::move(policy), std::move(done));
}

void IdentityStore::PutAccessKey(AccessKey key, Done done) {
  std::string id = key.id;
  Replace<AccessKey>(access_keys_, kAccessKeysTable, &DecodeAccessKey, std::move(id),
                     std::move(key), std::move(done));
}

void IdentityStore::RemoveRole(std::string_view name, Done done) {
  Replace<Role>(roles_, kRolesTable, &DecodeRole, AsciiToLower(name), std::nullopt,
                std::move(done));
}

void IdentityStore::RemoveUser(std::string_view name, Done done) {
  Replace<User>(users_, kUsersTable, &DecodeUser, AsciiToLower(name), std::nullopt,
                std::move(done));
}

void IdentityStore::RemovePolicy(std::string_view arn, Done done) {
  Replace<ManagedPolicy>(policies_, kPoliciesTable, &DecodePolicy, std::string(arn), std::nullopt,
                         std::move(done));
}

void IdentityStore::RemoveAccessKey(std::string_view id, Done done) {
  Replace<AccessKey>(access_keys_, kAccessKeysTable, &DecodeAccessKey, std::string(id),
                     std::nullopt, std::move(done));
}

}  // namespace serval::iam
