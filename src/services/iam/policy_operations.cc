#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "common/text.h"
#include "iam/entity_ids.h"
#include "protocol/validation.h"
#include "protocol/xml.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_xml.h"

namespace serval::iam_api {
namespace {

using protocol::XmlWriter;

absl::Status AwsManaged(const iam::ManagedPolicy& policy) {
  return UnmodifiableEntity("Cannot change the AWS managed policy " + policy.arn + ".");
}

absl::Status NoSuchVersion(const iam::ManagedPolicy& policy, std::string_view version) {
  return NoSuchEntity("Policy " + policy.arn + " version " + std::string(version) +
                      " does not exist or is not attachable.");
}

// Versions list newest first ("v10" before "v9"): the key pages them in that order.
std::string VersionKey(std::string_view id) {
  int number = 0;
  ParseDigits(id.substr(std::min<size_t>(1, id.size())), &number);
  return fmt::format("{:010}", 999999999 - number);
}

}  // namespace

absl::StatusOr<const iam::ManagedPolicy*> IamService::ChangeablePolicyNamed(
    const protocol::QueryRequest& request) const {
  absl::StatusOr<const iam::ManagedPolicy*> policy = PolicyNamed(request);
  if (policy.ok() && (*policy)->aws_managed) return AwsManaged(**policy);
  return policy;
}

void IamService::CreatePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                              Reply reply) {
  (void)caller;
  absl::StatusOr<std::string> name = RequiredString(request, "PolicyName", kPolicyName);
  if (!name.ok()) return reply(name.status());
  absl::StatusOr<std::optional<std::string>> path = OptionalString(request, "Path", kPolicyPath);
  if (!path.ok()) return reply(path.status());
  absl::StatusOr<std::optional<std::string>> description =
      OptionalString(request, "Description", kDescription);
  if (!description.ok()) return reply(description.status());
  absl::StatusOr<iam::Tags> tags = ReadTags(request);
  if (!tags.ok()) return reply(tags.status());
  absl::StatusOr<iam::PolicyDocument> document =
      RequiredDocument(request, "PolicyDocument", iam::PolicyKind::kIdentity);
  if (!document.ok()) return reply(document.status());
  const int64_t now = clock_->NowMillis();
  iam::ManagedPolicy policy{.name = *name,
                            .path = path->value_or("/"),
                            .policy_id = iam::NewUniqueId("ANPA"),
                            .description = description->value_or(""),
                            .create_millis = now,
                            .update_millis = now,
                            .default_version = "v1",
                            .next_version = 2,
                            .tags = *std::move(tags)};
  policy.arn = Arn("policy", policy.path, policy.name);
  if (identities_->FindPolicy(policy.arn) != nullptr) {
    return reply(EntityAlreadyExists("A policy called " + *name +
                                     " already exists. Duplicate names are not allowed."));
  }
  policy.versions.push_back({.id = "v1", .document = *std::move(document), .create_millis = now});
  XmlWriter xml;
  xml.Open("Policy");
  WritePolicy(xml, policy, 0, /*full=*/true);
  xml.Close("Policy");
  identities_->PutPolicy(std::move(policy), AnswerOnceStored(std::move(reply), xml.Take()));
}

void IamService::GetPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> policy = PolicyNamed(request);
  if (!policy.ok()) return reply(policy.status());
  XmlWriter xml;
  xml.Open("Policy");
  WritePolicy(xml, **policy, identities_->AttachmentCount((*policy)->arn), /*full=*/true);
  xml.Close("Policy");
  reply(xml.Take());
}

void IamService::DeletePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                              Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> policy = ChangeablePolicyNamed(request);
  if (!policy.ok()) return reply(policy.status());
  if (identities_->AttachmentCount((*policy)->arn) > 0) {
    return reply(DeleteConflict("Cannot delete a policy attached to entities."));
  }
  if ((*policy)->versions.size() > 1) {
    return reply(DeleteConflict(
        "This policy has more than one version. Before you delete a policy, you must delete "
        "the policy's versions. The default version is deleted with the policy."));
  }
  identities_->RemovePolicy((*policy)->arn, AnswerOnceStored(std::move(reply)));
}

void IamService::ListPolicies(const protocol::QueryRequest& request, const protocol::Caller& caller,
                              Reply reply) {
  (void)caller;
  const std::string scope = request.Get("Scope").value_or("All");
  if (scope != "All" && scope != "AWS" && scope != "Local") {
    return reply(protocol::ValidationErrors()
                     .Add(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
                     .ToStatus("ValidationError"));
  }
  const bool only_attached = BoolParameter(request, "OnlyAttached");
  absl::StatusOr<std::optional<std::string>> prefix =
      OptionalString(request, "PathPrefix", kPolicyPath);
  if (!prefix.ok()) return reply(prefix.status());
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return reply(page.status());
  struct Listed {
    const iam::ManagedPolicy* policy;
    int attachments;
  };
  std::vector<Keyed<Listed>> policies;
  for (const auto& [arn, policy] : identities_->policies()) {
    if ((scope == "AWS" && !policy.aws_managed) || (scope == "Local" && policy.aws_managed)) {
      continue;
    }
    if (!policy.path.starts_with(prefix->value_or("/"))) continue;
    const int attachments = identities_->AttachmentCount(arn);
    if (only_attached && attachments == 0) continue;
    policies.push_back({arn, {&policy, attachments}});
  }
  XmlWriter xml;
  WritePage<Listed>(xml, "Policies", policies, *page, [](XmlWriter& out, const Listed& listed) {
    WritePolicy(out, *listed.policy, listed.attachments, /*full=*/false);
  });
  reply(xml.Take());
}

void IamService::CreatePolicyVersion(const protocol::QueryRequest& request,
                                     const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> found = ChangeablePolicyNamed(request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<iam::PolicyDocument> document =
      RequiredDocument(request, "PolicyDocument", iam::PolicyKind::kIdentity);
  if (!document.ok()) return reply(document.status());
  if ((*found)->versions.size() >= iam::kMaxPolicyVersions) {
    return reply(LimitExceeded(
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version."));
  }
  iam::ManagedPolicy policy = **found;
  const int64_t now = clock_->NowMillis();
  iam::PolicyVersion version{.id = "v" + std::to_string(policy.next_version++),
                             .document = *std::move(document),
                             .create_millis = now};
  if (BoolParameter(request, "SetAsDefault")) {
    policy.default_version = version.id;
    policy.update_millis = now;
  }
  XmlWriter xml;
  xml.Open("PolicyVersion");
  WriteVersion(xml, policy, version, /*document=*/false);
  xml.Close("PolicyVersion");
  policy.versions.push_back(std::move(version));
  identities_->PutPolicy(std::move(policy), AnswerOnceStored(std::move(reply), xml.Take()));
}

void IamService::GetPolicyVersion(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> policy = PolicyNamed(request);
  if (!policy.ok()) return reply(policy.status());
  absl::StatusOr<std::string> id = RequiredString(request, "VersionId", kVersionId);
  if (!id.ok()) return reply(id.status());
  const iam::PolicyVersion* version = (*policy)->FindVersion(*id);
  if (version == nullptr) return reply(NoSuchVersion(**policy, *id));
  XmlWriter xml;
  xml.Open("PolicyVersion");
  WriteVersion(xml, **policy, *version, /*document=*/true);
  xml.Close("PolicyVersion");
  reply(xml.Take());
}

void IamService::ListPolicyVersions(const protocol::QueryRequest& request,
                                    const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> policy = PolicyNamed(request);
  if (!policy.ok()) return reply(policy.status());
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return reply(page.status());
  std::vector<Keyed<const iam::PolicyVersion*>> versions;
  for (const iam::PolicyVersion& version : (*policy)->versions) {
    versions.push_back({VersionKey(version.id), &version});
  }
  std::sort(versions.begin(), versions.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  const iam::ManagedPolicy& owner = **policy;
  XmlWriter xml;
  WritePage<const iam::PolicyVersion*>(xml, "Versions", versions, *page,
                                       [&owner](XmlWriter& out, const iam::PolicyVersion* v) {
                                         WriteVersion(out, owner, *v, /*document=*/true);
                                       });
  reply(xml.Take());
}

void IamService::DeletePolicyVersion(const protocol::QueryRequest& request,
                                     const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> found = ChangeablePolicyNamed(request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> id = RequiredString(request, "VersionId", kVersionId);
  if (!id.ok()) return reply(id.status());
  if ((*found)->FindVersion(*id) == nullptr) return reply(NoSuchVersion(**found, *id));
  if ((*found)->default_version == *id) {
    return reply(DeleteConflict("Cannot delete the default version of a policy."));
  }
  iam::ManagedPolicy policy = **found;
  std::erase_if(policy.versions, [&](const iam::PolicyVersion& v) { return v.id == *id; });
  identities_->PutPolicy(std::move(policy), AnswerOnceStored(std::move(reply)));
}

void IamService::SetDefaultPolicyVersion(const protocol::QueryRequest& request,
                                         const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> found = ChangeablePolicyNamed(request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> id = RequiredString(request, "VersionId", kVersionId);
  if (!id.ok()) return reply(id.status());
  if ((*found)->FindVersion(*id) == nullptr) return reply(NoSuchVersion(**found, *id));
  iam::ManagedPolicy policy = **found;
  policy.default_version = *id;
  policy.update_millis = clock_->NowMillis();
  identities_->PutPolicy(std::move(policy), AnswerOnceStored(std::move(reply)));
}

void IamService::ListEntitiesForPolicy(const protocol::QueryRequest& request,
                                       const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::ManagedPolicy*> policy = PolicyNamed(request);
  if (!policy.ok()) return reply(policy.status());
  const std::string filter = request.Get("EntityFilter").value_or("");
  const std::string& arn = (*policy)->arn;
  XmlWriter xml;
  xml.Open("PolicyGroups").Close("PolicyGroups").Open("PolicyUsers");
  if (filter.empty() || filter == "User") {
    for (const auto& [key, user] : identities_->users()) {
      if (!user.attached.contains(arn)) continue;
      xml.Open("member").Element("UserName", user.name).Element("UserId", user.user_id);
      xml.Close("member");
    }
  }
  xml.Close("PolicyUsers").Open("PolicyRoles");
  if (filter.empty() || filter == "Role") {
    for (const auto& [key, role] : identities_->roles()) {
      if (!role.attached.contains(arn)) continue;
      xml.Open("member").Element("RoleName", role.name).Element("RoleId", role.role_id);
      xml.Close("member");
    }
  }
  xml.Close("PolicyRoles").Element("IsTruncated", "false");
  reply(xml.Take());
}

}  // namespace serval::iam_api
