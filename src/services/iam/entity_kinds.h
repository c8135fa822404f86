#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/identity_store.h"
#include "protocol/query.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_input.h"
#include "services/iam/iam_xml.h"

namespace serval::iam_api {

// What IAM's operations share. Thread-compatible (the store is the io thread's).

// The answer of an operation: the XML inside <ActionResult>, or the error.
using Reply = std::function<void(absl::StatusOr<std::string>)>;

// What answers `reply` once a change is on disk: `result_xml`, or the store's error.
inline iam::IdentityStore::Done AnswerOnceStored(Reply reply, std::string result_xml = {}) {
  return [reply = std::move(reply), result_xml = std::move(result_xml)](absl::Status stored) {
    if (!stored.ok()) return reply(std::move(stored));
    reply(result_xml);
  };
}

// The ARN a PolicyArn parameter names, checked as AWS checks it before looking it up
// (InvalidInput "ARN x is not valid.").
inline absl::StatusOr<std::string> RequiredPolicyArn(const protocol::QueryRequest& request) {
  absl::StatusOr<std::string> arn = RequiredString(request, "PolicyArn", kArn);
  if (!arn.ok()) return arn.status();
  if (!arn->starts_with("arn:")) return InvalidInput("ARN " + *arn + " is not valid.");
  return arn;
}

// Roles and users, which have inline policies, attached policies and tags alike: the operations
// on those are written once over these.
struct RoleKind {
  using Entity = iam::Role;
  static constexpr std::string_view kParameter = "RoleName";
  static constexpr std::string_view kNoun = "role";
  static constexpr std::string_view kListElement = "Roles";
  static const StringRule& Rule() { return kRoleName; }
  static const Entity* Find(const iam::IdentityStore& store, std::string_view name) {
    return store.FindRole(name);
  }
  static const auto& All(const iam::IdentityStore& store) { return store.roles(); }
  static void Write(protocol::XmlWriter& xml, const Entity& role) {
    WriteRole(xml, role, /*full=*/false);
  }
  static void Put(iam::IdentityStore& store, Entity entity, iam::IdentityStore::Done done) {
    store.PutRole(std::move(entity), std::move(done));
  }
};

struct UserKind {
  using Entity = iam::User;
  static constexpr std::string_view kParameter = "UserName";
  static constexpr std::string_view kNoun = "user";
  static constexpr std::string_view kListElement = "Users";
  static const StringRule& Rule() { return kUserName; }
  static const Entity* Find(const iam::IdentityStore& store, std::string_view name) {
    return store.FindUser(name);
  }
  static const auto& All(const iam::IdentityStore& store) { return store.users(); }
  static void Write(protocol::XmlWriter& xml, const Entity& user) {
    WriteUser(xml, user, /*full=*/false);
  }
  static void Put(iam::IdentityStore& store, Entity entity, iam::IdentityStore::Done done) {
    store.PutUser(std::move(entity), std::move(done));
  }
};

// "The role with name X cannot be found."
template <typename Kind>
absl::Status NoSuchNamed(std::string_view name) {
  return NoSuchEntity("The " + std::string(Kind::kNoun) + " with name " + std::string(name) +
                      " cannot be found.");
}

// The role or user the request names: ValidationError for a malformed name, NoSuchEntity for
// one that does not exist.
template <typename Kind>
absl::StatusOr<const typename Kind::Entity*> Named(const iam::IdentityStore& store,
                                                   const protocol::QueryRequest& request) {
  absl::StatusOr<std::string> name = RequiredString(request, Kind::kParameter, Kind::Rule());
  if (!name.ok()) return name.status();
  const typename Kind::Entity* entity = Kind::Find(store, *name);
  if (entity == nullptr) return NoSuchNamed<Kind>(*name);
  return entity;
}

// DeleteRole's and DeleteUser's refusal while the entity still has policies (attached ones are
// named first, as AWS does); OK when it has none.
template <typename Entity>
absl::Status PoliciesBlockDeletion(const Entity& entity) {
  if (!entity.attached.empty()) {
    return DeleteConflict("Cannot delete entity, must detach all policies first.");
  }
  if (!entity.inline_policies.empty()) {
    return DeleteConflict("Cannot delete entity, must delete policies first.");
  }
  return absl::OkStatus();
}

// ListRoles and ListUsers: a page of those whose path starts with PathPrefix (default "/").
template <typename Kind>
absl::StatusOr<std::string> ListByPath(const iam::IdentityStore& store,
                                       const protocol::QueryRequest& request) {
  absl::StatusOr<std::optional<std::string>> prefix =
      OptionalString(request, "PathPrefix", kPathPrefix);
  if (!prefix.ok()) return prefix.status();
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return page.status();
  using Entity = typename Kind::Entity;
  std::vector<Keyed<const Entity*>> matching;
  for (const auto& [key, entity] : Kind::All(store)) {
    if (entity.path.starts_with(prefix->value_or("/"))) matching.push_back({key, &entity});
  }
  protocol::XmlWriter xml;
  WritePage<const Entity*>(xml, Kind::kListElement, matching, *page,
                           [](protocol::XmlWriter& out, const Entity* entity) {
                             Kind::Write(out, *entity);
                           });
  return xml.Take();
}

}  // namespace serval::iam_api
