#include "iam/identity_records.h"

#include <boost/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "common/json_fields.h"

namespace serval::iam {
namespace {

namespace json = boost::json;

absl::StatusOr<PolicyDocument> ParseStored(std::string_view text, PolicyKind kind,
                                           std::string_view owner) {
  absl::StatusOr<PolicyDocument> document = ParsePolicy(text, kind);
  if (!document.ok()) {
    return absl::DataLossError("iam: a stored policy document of " + std::string(owner) +
                               " does not parse: " + std::string(document.status().message()));
  }
  return document;
}

json::object InlineToJson(const InlinePolicies& policies) {
  json::object out;
  for (const auto& [name, document] : policies) out[name] = document.text();
  return out;
}

absl::StatusOr<InlinePolicies> InlineFromJson(const json::object& record, std::string_view owner) {
  InlinePolicies policies;
  const json::value* stored = record.if_contains("inline_policies");
  if (stored == nullptr || !stored->is_object()) return policies;
  for (const auto& member : stored->get_object()) {
    if (!member.value().is_string()) continue;
    absl::StatusOr<PolicyDocument> document =
        ParseStored(member.value().get_string(), PolicyKind::kIdentity, owner);
    if (!document.ok()) return document.status();
    policies.emplace(std::string(member.key()), *std::move(document));
  }
  return policies;
}

json::array AttachedToJson(const AttachedPolicies& attached) {
  return json::array(attached.begin(), attached.end());
}

AttachedPolicies AttachedFromJson(const json::object& record) {
  AttachedPolicies attached;
  const json::value* stored = record.if_contains("attached");
  if (stored == nullptr || !stored->is_array()) return attached;
  for (const json::value& arn : stored->get_array()) {
    if (arn.is_string()) attached.emplace(arn.get_string());
  }
  return attached;
}

}  // namespace

std::string EncodeRole(const Role& role) {
  return json::serialize(json::object{
      {"name", role.name},
      {"path", role.path},
      {"arn", role.arn},
      {"id", role.role_id},
      {"trust_policy", role.trust_policy.text()},
      {"created", role.create_millis},
      {"description", role.description},
      {"max_session_duration", role.max_session_duration},
      {"permissions_boundary", role.permissions_boundary},
      {"tags", StringMapToJson(role.tags)},
      {"inline_policies", InlineToJson(role.inline_policies)},
      {"attached", AttachedToJson(role.attached)},
  });
}

absl::StatusOr<Role> DecodeRole(std::string_view text) {
  absl::StatusOr<json::object> record = ParseStoredObject(text);
  if (!record.ok()) return record.status();
  Role role{.name = StringMember(*record, "name"),
            .path = StringMember(*record, "path"),
            .arn = StringMember(*record, "arn"),
            .role_id = StringMember(*record, "id"),
            .create_millis = IntMember(*record, "created", 0),
            .description = StringMember(*record, "description"),
            .max_session_duration =
                static_cast<int>(IntMember(*record, "max_session_duration", 3600)),
            .permissions_boundary = StringMember(*record, "permissions_boundary"),
            .tags = StringMapFromJson(record->if_contains("tags")),
            .attached = AttachedFromJson(*record)};
  absl::StatusOr<PolicyDocument> trust =
      ParseStored(StringMember(*record, "trust_policy"), PolicyKind::kTrust, role.arn);
  if (!trust.ok()) return trust.status();
  role.trust_policy = *std::move(trust);
  absl::StatusOr<InlinePolicies> policies = InlineFromJson(*record, role.arn);
  if (!policies.ok()) return policies.status();
  role.inline_policies = *std::move(policies);
  return role;
}

std::string EncodeUser(const User& user) {
  return json::serialize(json::object{
      {"name", user.name},
      {"path", user.path},
      {"arn", user.arn},
      {"id", user.user_id},
      {"created", user.create_millis},
      {"permissions_boundary", user.permissions_boundary},
      {"tags", StringMapToJson(user.tags)},
      {"inline_policies", InlineToJson(user.inline_policies)},
      {"attached", AttachedToJson(user.attached)},
  });
}

absl::StatusOr<User> DecodeUser(std::string_view text) {
  absl::StatusOr<json::object> record = ParseStoredObject(text);
  if (!record.ok()) return record.status();
  User user{.name = StringMember(*record, "name"),
            .path = StringMember(*record, "path"),
            .arn = StringMember(*record, "arn"),
            .user_id = StringMember(*record, "id"),
            .create_millis = IntMember(*record, "created", 0),
            .permissions_boundary = StringMember(*record, "permissions_boundary"),
            .tags = StringMapFromJson(record->if_contains("tags")),
            .attached = AttachedFromJson(*record)};
  absl::StatusOr<InlinePolicies> policies = InlineFromJson(*record, user.arn);
  if (!policies.ok()) return policies.status();
  user.inline_policies = *std::move(policies);
  return user;
}

std::string EncodePolicy(const ManagedPolicy& policy) {
  json::array versions;
  for (const PolicyVersion& version : policy.versions) {
    versions.push_back(json::object{{"id", version.id},
                                    {"document", version.document.text()},
                                    {"created", version.create_millis}});
  }
  return json::serialize(json::object{
      {"name", policy.name},
      {"path", policy.path},
      {"arn", policy.arn},
      {"id", policy.policy_id},
      {"description", policy.description},
      {"created", policy.create_millis},
      {"updated", policy.update_millis},
      {"default_version", policy.default_version},
      {"versions", std::move(versions)},
      {"next_version", policy.next_version},
      {"tags", StringMapToJson(policy.tags)},
  });
}

absl::StatusOr<ManagedPolicy> DecodePolicy(std::string_view text) {
  absl::StatusOr<json::object> record = ParseStoredObject(text);
  if (!record.ok()) return record.status();
  ManagedPolicy policy{.name = StringMember(*record, "name"),
                       .path = StringMember(*record, "path"),
                       .arn = StringMember(*record, "arn"),
                       .policy_id = StringMember(*record, "id"),
                       .description = StringMember(*record, "description"),
                       .create_millis = IntMember(*record, "created", 0),
                       .update_millis = IntMember(*record, "updated", 0),
                       .default_version = StringMember(*record, "default_version"),
                       .next_version = static_cast<int>(IntMember(*record, "next_version", 1)),
                       .tags = StringMapFromJson(record->if_contains("tags"))};
  const json::value* versions = record->if_contains("versions");
  if (versions != nullptr && versions->is_array()) {
    for (const json::value& stored : versions->get_array()) {
      if (!stored.is_object()) continue;
      const json::object& version = stored.get_object();
      absl::StatusOr<PolicyDocument> document =
          ParseStored(StringMember(version, "document"), PolicyKind::kIdentity, policy.arn);
      if (!document.ok()) return document.status();
      policy.versions.push_back({.id = StringMember(version, "id"),
                                 .document = *std::move(document),
                                 .create_millis = IntMember(version, "created", 0)});
    }
  }
  return policy;
}

std::string EncodeAccessKey(const AccessKey& key) {
  return json::serialize(json::object{{"id", key.id},
                                      {"secret", key.secret},
                                      {"user", key.user_name},
                                      {"active", key.active},
                                      {"created", key.create_millis}});
}

absl::StatusOr<AccessKey> DecodeAccessKey(std::string_view text) {
  absl::StatusOr<json::object> record = ParseStoredObject(text);
  if (!record.ok()) return record.status();
  const json::value* active = record->if_contains("active");
  return AccessKey{.id = StringMember(*record, "id"),
                   .secret = StringMember(*record, "secret"),
                   .user_name = StringMember(*record, "user"),
                   .active = active == nullptr || !active->is_bool() || active->get_bool(),
                   .create_millis = IntMember(*record, "created", 0)};
}

}  // namespace serval::iam
