// Role and ManagedPolicy resources (resource_appliers.h), through IAM's query API.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "common/percent_encoding.h"
#include "protocol/xml_reader.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kVersion = "2010-05-08";
// IAM keeps at most this many versions of a managed policy.
constexpr size_t kMaxPolicyVersions = 5;

using Parameters = std::vector<std::pair<std::string, std::string>>;

absl::StatusOr<protocol::XmlElement> Call(const AwsApi& api, std::string_view action,
                                          const Parameters& parameters, std::string_view what) {
  return QueryResultOf(api.Query("iam", action, kVersion, parameters), action, what);
}

// The result of a Get* action, or nullopt when IAM answers NoSuchEntity.
absl::StatusOr<std::optional<protocol::XmlElement>> Find(const AwsApi& api, std::string_view action,
                                                         const Parameters& parameters,
                                                         std::string_view what) {
  auto response = api.Query("iam", action, kVersion, parameters);
  if (response.ok() && response->status == 404 && AwsErrorCode(*response) == "NoSuchEntity") {
    return std::nullopt;
  }
  return QueryResultOf(response, action, what);
}

absl::StatusOr<std::vector<protocol::XmlElement>> ListAll(const AwsApi& api,
                                                          std::string_view action,
                                                          const Parameters& parameters,
                                                          std::string_view list,
                                                          std::string_view what) {
  return QueryListAll(api, "iam", kVersion, action, parameters, list, "Marker", what);
}

std::string ChildString(const protocol::XmlElement& element, std::string_view name) {
  return std::string(element.ChildText(name).value_or(""));
}

// A policy document property: a JSON object in the manifest, sent serialized.
absl::StatusOr<json::object> DocumentOf(const json::value* value, std::string_view where,
                                        std::string_view key) {
  if (!value || !value->is_object()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {} must be a policy document (a JSON object)", where, key));
  }
  return value->get_object();
}

absl::StatusOr<json::object> DocumentProperty(const ResourceProperties& properties,
                                              std::string_view where, std::string_view key) {
  auto value = properties.Get(key);
  if (!value.ok()) return value.status();
  return DocumentOf(value->has_value() ? &**value : nullptr, where, key);
}

// Whether a document IAM answers (URL-encoded JSON, as AWS sends it) is `wanted`.
bool SameDocument(std::string_view answered, const json::object& wanted) {
  boost::system::error_code ec;
  json::value parsed = json::parse(PercentDecode(answered), ec);
  return !ec && parsed == json::value(wanted);
}

// An optional string property: its value, or nullopt when the manifest does not set it.
absl::StatusOr<std::optional<std::string>> OptionalString(const ResourceProperties& properties,
                                                          std::string_view where,
                                                          std::string_view key) {
  auto value = properties.Get(key);
  if (!value.ok()) return value.status();
  if (!*value) return std::nullopt;
  if (!(*value)->is_string()) {
    return absl::InvalidArgumentError(fmt::format("{}: {} must be a string", where, key));
  }
  return std::string((*value)->get_string());
}

// What a Role's properties ask for, checked before any call.
struct WantedRole {
  std::string name;
  json::object trust;
  std::optional<std::string> path;
  std::optional<std::string> description;
  std::map<std::string, json::object> inline_policies;  // by PolicyName
  std::set<std::string> managed_arns;
};

absl::StatusOr<std::map<std::string, json::object>> InlinePolicies(
    const ResourceProperties& properties, std::string_view where) {
  std::map<std::string, json::object> policies;
  auto value = properties.Get("Policies");
  if (!value.ok()) return value.status();
  if (!*value) return policies;
  if (!(*value)->is_array()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: Policies must be a list of {{PolicyName, PolicyDocument}}", where));
  }
  const json::array& items = (*value)->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_where = fmt::format("{}: Policies[{}]", where, i);
    const json::object* item = items[i].if_object();
    const json::value* name = item ? item->if_contains("PolicyName") : nullptr;
    if (!item || item->size() != 2 || !name || !name->is_string() || name->get_string().empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "{} must be {{\"PolicyName\": NAME, \"PolicyDocument\": {{...}}}}", item_where));
    }
    auto document = DocumentOf(item->if_contains("PolicyDocument"), item_where, "PolicyDocument");
    if (!document.ok()) return document.status();
    if (!policies.emplace(std::string(name->get_string()), *std::move(document)).second) {
      return absl::InvalidArgumentError(
          fmt::format("{}: PolicyName {} is used twice", item_where, name->get_string()));
    }
  }
  return policies;
}

absl::StatusOr<std::set<std::string>> ManagedArns(const ResourceProperties& properties,
                                                  std::string_view where) {
  std::set<std::string> arns;
  auto value = properties.Get("ManagedPolicyArns");
  if (!value.ok()) return value.status();
  if (!*value) return arns;
  const json::array* items = (*value)->if_array();
  if (!items) {
    return absl::InvalidArgumentError(
        fmt::format("{}: ManagedPolicyArns must be a list of policy ARNs", where));
  }
  for (const json::value& item : *items) {
    if (!item.is_string() || !item.get_string().starts_with("arn:")) {
      return absl::InvalidArgumentError(
          fmt::format("{}: ManagedPolicyArns must be a list of policy ARNs, not {}", where,
                      json::serialize(item)));
    }
    arns.emplace(item.get_string());
  }
  return arns;
}

absl::StatusOr<WantedRole> WantedRoleOf(const ResourceProperties& properties) {
  WantedRole wanted;
  auto name = properties.String("RoleName");
  if (!name.ok()) return name.status();
  wanted.name = *name;
  const std::string where = "role " + wanted.name;
  auto trust = DocumentProperty(properties, where, "AssumeRolePolicyDocument");
  if (!trust.ok()) return trust.status();
  wanted.trust = *std::move(trust);
  auto path = OptionalString(properties, where, "Path");
  if (!path.ok()) return path.status();
  wanted.path = *std::move(path);
  auto description = OptionalString(properties, where, "Description");
  if (!description.ok()) return description.status();
  wanted.description = *std::move(description);
  auto policies = InlinePolicies(properties, where);
  if (!policies.ok()) return policies.status();
  wanted.inline_policies = *std::move(policies);
  auto managed = ManagedArns(properties, where);
  if (!managed.ok()) return managed.status();
  wanted.managed_arns = *std::move(managed);
  return wanted;
}

// Makes the role's inline policies exactly `wanted`'s: PutRolePolicy for each one missing or
// different, DeleteRolePolicy for each one the manifest does not name. True when one changed.
absl::StatusOr<bool> ReconcileInlinePolicies(const AwsApi& api, const WantedRole& wanted) {
  const Parameters role = {{"RoleName", wanted.name}};
  auto listed = ListAll(api, "ListRolePolicies", role, "PolicyNames", wanted.name);
  if (!listed.ok()) return listed.status();
  std::set<std::string> current;
  for (const protocol::XmlElement& member : *listed) current.insert(member.text);
  bool changed = false;
  for (const auto& [name, document] : wanted.inline_policies) {
    const std::string what = fmt::format("{} {}", wanted.name, name);
    if (current.count(name)) {
      auto got =
          Call(api, "GetRolePolicy", {{"RoleName", wanted.name}, {"PolicyName", name}}, what);
      if (!got.ok()) return got.status();
      if (SameDocument(ChildString(*got, "PolicyDocument"), document)) continue;
    }
    auto put = Call(api, "PutRolePolicy",
                    {{"RoleName", wanted.name},
                     {"PolicyName", name},
                     {"PolicyDocument", json::serialize(document)}},
                    what);
    if (!put.ok()) return put.status();
    changed = true;
  }
  for (const std::string& name : current) {
    if (wanted.inline_policies.count(name)) continue;
    auto deleted = Call(api, "DeleteRolePolicy", {{"RoleName", wanted.name}, {"PolicyName", name}},
                        fmt::format("{} {}", wanted.name, name));
    if (!deleted.ok()) return deleted.status();
    changed = true;
  }
  return changed;
}

// Makes the role's attached managed policies exactly `wanted`'s. True when one changed.
absl::StatusOr<bool> ReconcileManagedPolicies(const AwsApi& api, const WantedRole& wanted) {
  auto listed = ListAll(api, "ListAttachedRolePolicies", {{"RoleName", wanted.name}},
                        "AttachedPolicies", wanted.name);
  if (!listed.ok()) return listed.status();
  std::set<std::string> current;
  for (const protocol::XmlElement& member : *listed) {
    current.insert(ChildString(member, "PolicyArn"));
  }
  bool changed = false;
  const auto apply = [&](std::string_view action, const std::string& arn) -> absl::Status {
    changed = true;
    return Call(api, action, {{"RoleName", wanted.name}, {"PolicyArn", arn}},
                fmt::format("{} {}", wanted.name, arn))
        .status();
  };
  for (const std::string& arn : wanted.managed_arns) {
    if (current.count(arn)) continue;
    if (auto status = apply("AttachRolePolicy", arn); !status.ok()) return status;
  }
  for (const std::string& arn : current) {
    if (wanted.managed_arns.count(arn)) continue;
    if (auto status = apply("DetachRolePolicy", arn); !status.ok()) return status;
  }
  return changed;
}

// The role as GetRole or CreateRole answers it; "created" when it had to be created, else
// "updated" or "unchanged" as its trust policy and description compare with `wanted`.
absl::StatusOr<Applied> EnsureRole(const AwsApi& api, const WantedRole& wanted) {
  Applied applied{.name = wanted.name, .outcome = "unchanged"};
  auto existing = Find(api, "GetRole", {{"RoleName", wanted.name}}, wanted.name);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    Parameters create = {{"RoleName", wanted.name},
                         {"AssumeRolePolicyDocument", json::serialize(wanted.trust)}};
    if (wanted.path) create.emplace_back("Path", *wanted.path);
    if (wanted.description) create.emplace_back("Description", *wanted.description);
    auto created = Call(api, "CreateRole", create, wanted.name);
    if (!created.ok()) return created.status();
    const protocol::XmlElement* role = created->Child("Role");
    applied.arn = role ? ChildString(*role, "Arn") : "";
    applied.outcome = "created";
    return applied;
  }
  const protocol::XmlElement* role = (*existing)->Child("Role");
  if (!role) return absl::InternalError("GetRole " + wanted.name + ": the answer has no Role");
  applied.arn = ChildString(*role, "Arn");
  if (const std::string path = ChildString(*role, "Path"); wanted.path && *wanted.path != path) {
    return absl::FailedPreconditionError(fmt::format(
        "role {} has Path {}, not {}: IAM cannot move a role (delete it, or use another RoleName)",
        wanted.name, path, *wanted.path));
  }
  if (!SameDocument(ChildString(*role, "AssumeRolePolicyDocument"), wanted.trust)) {
    auto updated =
        Call(api, "UpdateAssumeRolePolicy",
             {{"RoleName", wanted.name}, {"PolicyDocument", json::serialize(wanted.trust)}},
             wanted.name);
    if (!updated.ok()) return updated.status();
    applied.outcome = "updated";
  }
  if (wanted.description && *wanted.description != ChildString(*role, "Description")) {
    auto updated =
        Call(api, "UpdateRole", {{"RoleName", wanted.name}, {"Description", *wanted.description}},
             wanted.name);
    if (!updated.ok()) return updated.status();
    applied.outcome = "updated";
  }
  return applied;
}

// The account the deploy's keys belong to (STS GetCallerIdentity): a managed policy's ARN
// names it.
absl::StatusOr<std::string> CallerAccount(const AwsApi& api) {
  auto result = QueryResultOf(api.Query("sts", "GetCallerIdentity", "2011-06-15", {}),
                              "GetCallerIdentity", "");
  if (!result.ok()) return result.status();
  return ChildString(*result, "Account");
}

// Makes `document` the default version of the existing policy `arn`, when it is not already:
// CreatePolicyVersion with SetAsDefault, after deleting the oldest version that is not the
// default when IAM's five are taken. True when a version was made.
absl::StatusOr<bool> EnsureDefaultVersion(const AwsApi& api, const std::string& arn,
                                          const std::string& default_version,
                                          const json::object& document) {
  auto current =
      Call(api, "GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", default_version}}, arn);
  if (!current.ok()) return current.status();
  const protocol::XmlElement* version = current->Child("PolicyVersion");
  if (version && SameDocument(ChildString(*version, "Document"), document)) return false;
  auto versions = ListAll(api, "ListPolicyVersions", {{"PolicyArn", arn}}, "Versions", arn);
  if (!versions.ok()) return versions.status();
  if (versions->size() >= kMaxPolicyVersions) {
    // Version ids are v1, v2, ...: the lowest number is the oldest.
    const auto number = [](const protocol::XmlElement& v) {
      return std::atoi(ChildString(v, "VersionId").c_str() + 1);
    };
    std::vector<const protocol::XmlElement*> old;
    for (const protocol::XmlElement& v : *versions) {
      if (ChildString(v, "IsDefaultVersion") != "true") old.push_back(&v);
    }
    auto oldest = std::min_element(old.begin(), old.end(), [&](const auto* a, const auto* b) {
      return number(*a) < number(*b);
    });
    if (oldest != old.end()) {
      auto deleted =
          Call(api, "DeletePolicyVersion",
               {{"PolicyArn", arn}, {"VersionId", ChildString(**oldest, "VersionId")}}, arn);
      if (!deleted.ok()) return deleted.status();
    }
  }
  auto created = Call(
      api, "CreatePolicyVersion",
      {{"PolicyArn", arn}, {"PolicyDocument", json::serialize(document)}, {"SetAsDefault", "true"}},
      arn);
  if (!created.ok()) return created.status();
  return true;
}

}  // namespace

absl::StatusOr<Applied> ApplyRole(ResourceProperties& properties, const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto wanted = WantedRoleOf(properties);
  if (!wanted.ok()) return wanted.status();
  auto applied = EnsureRole(api, *wanted);
  if (!applied.ok()) return applied.status();
  auto inline_changed = ReconcileInlinePolicies(api, *wanted);
  if (!inline_changed.ok()) return inline_changed.status();
  auto managed_changed = ReconcileManagedPolicies(api, *wanted);
  if (!managed_changed.ok()) return managed_changed.status();
  if ((*inline_changed || *managed_changed) && applied->outcome == "unchanged") {
    applied->outcome = "updated";
  }
  return applied;
}

absl::StatusOr<Applied> ApplyManagedPolicy(ResourceProperties& properties,
                                           const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("PolicyName");
  if (!name.ok()) return name.status();
  const std::string where = "policy " + *name;
  auto document = DocumentProperty(properties, where, "PolicyDocument");
  if (!document.ok()) return document.status();
  auto path = OptionalString(properties, where, "Path");
  if (!path.ok()) return path.status();
  auto account = CallerAccount(api);
  if (!account.ok()) return account.status();
  Applied applied{
      .name = *name,
      .outcome = "unchanged",
      .arn = fmt::format("arn:aws:iam::{}:policy{}{}", *account, path->value_or("/"), *name)};
  auto existing = Find(api, "GetPolicy", {{"PolicyArn", applied.arn}}, *name);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    Parameters create = {{"PolicyName", *name}, {"PolicyDocument", json::serialize(*document)}};
    if (*path) create.emplace_back("Path", **path);
    auto created = Call(api, "CreatePolicy", create, *name);
    if (!created.ok()) return created.status();
    if (const protocol::XmlElement* policy = created->Child("Policy")) {
      applied.arn = ChildString(*policy, "Arn");
    }
    applied.outcome = "created";
    return applied;
  }
  const protocol::XmlElement* policy = (*existing)->Child("Policy");
  if (!policy) return absl::InternalError("GetPolicy " + *name + ": the answer has no Policy");
  auto made =
      EnsureDefaultVersion(api, applied.arn, ChildString(*policy, "DefaultVersionId"), *document);
  if (!made.ok()) return made.status();
  if (*made) applied.outcome = "updated";
  return applied;
}

}  // namespace serval::server
