#include <utility>

#include "iam/entity_ids.h"
#include "protocol/xml.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_input.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_xml.h"
#include "services/iam/tag_operations.h"

namespace serval::iam_api {

using protocol::XmlWriter;

void IamService::CreateRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply) {
  (void)caller;
  absl::StatusOr<std::string> name = RequiredString(request, "RoleName", kRoleName);
  if (!name.ok()) return reply(name.status());
  absl::StatusOr<std::optional<std::string>> path = OptionalString(request, "Path", kPath);
  if (!path.ok()) return reply(path.status());
  absl::StatusOr<std::optional<std::string>> description =
      OptionalString(request, "Description", kDescription);
  if (!description.ok()) return reply(description.status());
  absl::StatusOr<std::optional<int>> duration =
      OptionalInt(request, "MaxSessionDuration", 3600, 43200);
  if (!duration.ok()) return reply(duration.status());
  absl::StatusOr<std::optional<std::string>> boundary =
      OptionalString(request, "PermissionsBoundary", kArn);
  if (!boundary.ok()) return reply(boundary.status());
  absl::StatusOr<iam::Tags> tags = ReadTags(request);
  if (!tags.ok()) return reply(tags.status());
  absl::StatusOr<iam::PolicyDocument> trust =
      RequiredDocument(request, "AssumeRolePolicyDocument", iam::PolicyKind::kTrust);
  if (!trust.ok()) return reply(trust.status());
  if (identities_->FindRole(*name) != nullptr) {
    return reply(EntityAlreadyExists("Role with name " + *name + " already exists."));
  }
  if (*boundary && identities_->FindPolicy(**boundary) == nullptr) {
    return reply(
        NoSuchEntity("Scope ARN: " + **boundary + " does not exist or is not attachable."));
  }
  iam::Role role{.name = *name,
                 .path = path->value_or("/"),
                 .role_id = iam::NewUniqueId("AROA"),
                 .trust_policy = *std::move(trust),
                 .create_millis = clock_->NowMillis(),
                 .description = description->value_or(""),
                 .max_session_duration = duration->value_or(3600),
                 .permissions_boundary = boundary->value_or(""),
                 .tags = *std::move(tags)};
  role.arn = Arn("role", role.path, role.name);
  XmlWriter xml;
  xml.Open("Role");
  WriteRole(xml, role, /*full=*/true);
  xml.Close("Role");
  identities_->PutRole(std::move(role), AnswerOnceStored(std::move(reply), xml.Take()));
}

void IamService::GetRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                         Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::Role*> role = Named<RoleKind>(*identities_, request);
  if (!role.ok()) return reply(role.status());
  XmlWriter xml;
  xml.Open("Role");
  WriteRole(xml, **role, /*full=*/true);
  xml.Close("Role");
  reply(xml.Take());
}

void IamService::DeleteRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::Role*> role = Named<RoleKind>(*identities_, request);
  if (!role.ok()) return reply(role.status());
  if (absl::Status blocked = PoliciesBlockDeletion(**role); !blocked.ok()) return reply(blocked);
  identities_->RemoveRole((*role)->name, AnswerOnceStored(std::move(reply)));
}

void IamService::ListRoles(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply) {
  (void)caller;
  reply(ListByPath<RoleKind>(*identities_, request));
}

void IamService::UpdateRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::Role*> found = Named<RoleKind>(*identities_, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::optional<std::string>> description =
      OptionalString(request, "Description", kDescription);
  if (!description.ok()) return reply(description.status());
  absl::StatusOr<std::optional<int>> duration =
      OptionalInt(request, "MaxSessionDuration", 3600, 43200);
  if (!duration.ok()) return reply(duration.status());
  iam::Role role = **found;
  if (*description) role.description = **description;
  if (*duration) role.max_session_duration = **duration;
  identities_->PutRole(std::move(role), AnswerOnceStored(std::move(reply)));
}

void IamService::UpdateAssumeRolePolicy(const protocol::QueryRequest& request,
                                        const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::Role*> found = Named<RoleKind>(*identities_, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<iam::PolicyDocument> trust =
      RequiredDocument(request, "PolicyDocument", iam::PolicyKind::kTrust);
  if (!trust.ok()) return reply(trust.status());
  iam::Role role = **found;
  role.trust_policy = *std::move(trust);
  identities_->PutRole(std::move(role), AnswerOnceStored(std::move(reply)));
}

void IamService::TagRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                         Reply reply) {
  (void)caller;
  Tag<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::UntagRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply) {
  (void)caller;
  Untag<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::ListRoleTags(const protocol::QueryRequest& request, const protocol::Caller& caller,
                              Reply reply) {
  (void)caller;
  ListTags<RoleKind>(*identities_, request, std::move(reply));
}

}  // namespace serval::iam_api
