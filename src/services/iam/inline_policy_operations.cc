#include <utility>
#include <vector>

#include "protocol/xml.h"
#include "services/iam/entity_kinds.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_xml.h"

namespace serval::iam_api {
namespace {

using protocol::XmlWriter;

// "The role policy with name X cannot be found."
template <typename Kind>
absl::Status NoSuchPolicy(std::string_view name) {
  return NoSuchEntity("The " + std::string(Kind::kNoun) + " policy with name " +
                      std::string(name) + " cannot be found.");
}

template <typename Kind>
void PutInline(iam::IdentityStore& store, const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> name = RequiredString(request, "PolicyName", kPolicyName);
  if (!name.ok()) return reply(name.status());
  absl::StatusOr<iam::PolicyDocument> document =
      RequiredDocument(request, "PolicyDocument", iam::PolicyKind::kIdentity);
  if (!document.ok()) return reply(document.status());
  typename Kind::Entity entity = **found;
  entity.inline_policies.insert_or_assign(*name, *std::move(document));
  Kind::Put(store, std::move(entity), AnswerOnceStored(std::move(reply)));
}

template <typename Kind>
void GetInline(const iam::IdentityStore& store, const protocol::QueryRequest& request,
               Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> name = RequiredString(request, "PolicyName", kPolicyName);
  if (!name.ok()) return reply(name.status());
  auto policy = (*found)->inline_policies.find(*name);
  if (policy == (*found)->inline_policies.end()) return reply(NoSuchPolicy<Kind>(*name));
  XmlWriter xml;
  xml.Element(Kind::kParameter, (*found)->name)
      .Element("PolicyName", policy->first)
      .Element("PolicyDocument", EncodedDocument(policy->second));
  reply(xml.Take());
}

template <typename Kind>
void DeleteInline(iam::IdentityStore& store, const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<std::string> name = RequiredString(request, "PolicyName", kPolicyName);
  if (!name.ok()) return reply(name.status());
  if (!(*found)->inline_policies.contains(*name)) return reply(NoSuchPolicy<Kind>(*name));
  typename Kind::Entity entity = **found;
  entity.inline_policies.erase(*name);
  Kind::Put(store, std::move(entity), AnswerOnceStored(std::move(reply)));
}

template <typename Kind>
void ListInline(const iam::IdentityStore& store, const protocol::QueryRequest& request,
                Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return reply(page.status());
  std::vector<Keyed<std::string>> names;
  for (const auto& [name, document] : (*found)->inline_policies) names.push_back({name, name});
  XmlWriter xml;
  // PolicyNames' members are the names themselves: <member>name</member>.
  WritePage<std::string>(xml, "PolicyNames", names, *page,
                         [](XmlWriter& out, const std::string& name) { out.Text(name); });
  reply(xml.Take());
}

}  // namespace

void IamService::PutRolePolicy(const protocol::QueryRequest& request,
                               const protocol::Caller& caller, Reply reply) {
  (void)caller;
  PutInline<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::GetRolePolicy(const protocol::QueryRequest& request,
                               const protocol::Caller& caller, Reply reply) {
  (void)caller;
  GetInline<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::DeleteRolePolicy(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  DeleteInline<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::ListRolePolicies(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  ListInline<RoleKind>(*identities_, request, std::move(reply));
}

void IamService::PutUserPolicy(const protocol::QueryRequest& request,
                               const protocol::Caller& caller, Reply reply) {
  (void)caller;
  PutInline<UserKind>(*identities_, request, std::move(reply));
}

void IamService::GetUserPolicy(const protocol::QueryRequest& request,
                               const protocol::Caller& caller, Reply reply) {
  (void)caller;
  GetInline<UserKind>(*identities_, request, std::move(reply));
}

void IamService::DeleteUserPolicy(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  DeleteInline<UserKind>(*identities_, request, std::move(reply));
}

void IamService::ListUserPolicies(const protocol::QueryRequest& request,
                                  const protocol::Caller& caller, Reply reply) {
  (void)caller;
  ListInline<UserKind>(*identities_, request, std::move(reply));
}

}  // namespace serval::iam_api
