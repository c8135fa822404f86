#include <utility>
#include <vector>

#include "protocol/xml.h"
#include "services/iam/entity_kinds.h"
#include "services/iam/iam_service.h"

namespace serval::iam_api {
namespace {

using protocol::XmlWriter;

template <typename Kind>
void Attach(iam::IdentityStore& store, const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> arn = RequiredPolicyArn(request);
  if (!arn.ok()) return reply(arn.status());
  if (store.FindPolicy(*arn) == nullptr) {
    return reply(NoSuchEntity("Policy " + *arn + " does not exist or is not attachable."));
  }
  typename Kind::Entity entity = **found;
  entity.attached.insert(*arn);
  Kind::Put(store, std::move(entity), AnswerOnceStored(std::move(reply)));
}

template <typename Kind>
void Detach(iam::IdentityStore& store, const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> arn = RequiredPolicyArn(request);
  if (!arn.ok()) return reply(arn.status());
  if (!(*found)->attached.contains(*arn)) {
    return reply(NoSuchEntity("Policy " + *arn + " was not found."));
  }
  typename Kind::Entity entity = **found;
  entity.attached.erase(*arn);
  Kind::Put(store, std::move(entity), AnswerOnceStored(std::move(reply)));
}

template <typename Kind>
void ListAttached(const iam::IdentityStore& store, const protocol::QueryRequest& request,
                  Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::optional<std::string>> prefix =
      OptionalString(request, "PathPrefix", kPolicyPath);
  if (!prefix.ok()) return reply(prefix.status());
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return reply(page.status());
  std::vector<Keyed<const iam::ManagedPolicy*>> policies;
  for (const std::string& arn : (*found)->attached) {
    const iam::ManagedPolicy* policy = store.FindPolicy(arn);
    if (policy != nullptr && policy->path.starts_with(prefix->value_or("/"))) {
      policies.push_back({arn, policy});
    }
  }
  XmlWriter xml;
  WritePage<const iam::ManagedPolicy*>(
      xml, "AttachedPolicies", policies, *page,
      [](XmlWriter& out, const iam::ManagedPolicy* policy) {
        out.Element("PolicyName", policy->name).Element("PolicyArn", policy->arn);
      });
  reply(xml.Take());
}

}  // namespace

void IamService::AttachRolePolicy(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  Attach<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::DetachRolePolicy(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  Detach<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::ListAttachedRolePolicies(const protocol::QueryRequest& request,
                                          const protocol::Caller& caller, Reply reply) {
  (void)caller;
  ListAttached<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::AttachUserPolicy(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  Attach<UserKind>(*identities_, request, std::move(reply));
}

void IamService::DetachUserPolicy(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  Detach<UserKind>(*identities_, request, std::move(reply));
}

void IamService::ListAttachedUserPolicies(const protocol::QueryRequest& request,
                                          const protocol::Caller& caller, Reply reply) {
  (void)caller;
  ListAttached<UserKind>(*identities_, request, std::move(reply));
}

}  // namespace serval::iam_api
