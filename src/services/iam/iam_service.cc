#include "services/iam/iam_service.h"

#include <boost/json/object.hpp>
#include <utility>

#include "http/credential_store.h"
#include "iam/authorizer.h"
#include "protocol/protocol.h"
#include "services/iam/iam_access.h"
#include "services/access_check.h"

namespace serval::iam_api {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kQuery;
constexpr std::string_view kNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> IamService::Create(
    const services::Platform& platform) {
  if (platform.identities == nullptr) {
    return absl::FailedPreconditionError("iam: the platform has no identity store");
  }
  auto service =
      std::make_unique<IamService>(platform.identities, platform.credentials, platform.clock,
                                   platform.authorizer);
  for (const auto& [id, key] : platform.identities->access_keys()) service->SyncKey(id);
  return service;
}

IamService::IamService(iam::IdentityStore* identities, http::CredentialStore* credentials,
                       const Clock* clock, iam::Authorizer* authorizer)
    : identities_(identities), credentials_(credentials), clock_(clock), authorizer_(authorizer) {}

const services::ServiceInfo& IamService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "iam",
      .signing_name = "iam",
      .protocol = kProtocol,
      .claims_signed_requests = true,
      .signing_region = "us-east-1",
  };
  return kInfo;
}

const absl::flat_hash_map<std::string, IamService::Operation>& IamService::Operations() {
  static const auto* kOperations = new absl::flat_hash_map<std::string, Operation>{
      {"CreateRole", &IamService::CreateRole},
      {"GetRole", &IamService::GetRole},
      {"DeleteRole", &IamService::DeleteRole},
      {"ListRoles", &IamService::ListRoles},
      {"UpdateRole", &IamService::UpdateRole},
      {"UpdateAssumeRolePolicy", &IamService::UpdateAssumeRolePolicy},
      {"TagRole", &IamService::TagRole},
      {"UntagRole", &IamService::UntagRole},
      {"ListRoleTags", &IamService::ListRoleTags},
      {"PutRolePolicy", &IamService::PutRolePolicy},
      {"GetRolePolicy", &IamService::GetRolePolicy},
      {"DeleteRolePolicy", &IamService::DeleteRolePolicy},
      {"ListRolePolicies", &IamService::ListRolePolicies},
      {"PutUserPolicy", &IamService::PutUserPolicy},
      {"GetUserPolicy", &IamService::GetUserPolicy},
      {"DeleteUserPolicy", &IamService::DeleteUserPolicy},
      {"ListUserPolicies", &IamService::ListUserPolicies},
      {"CreatePolicy", &IamService::CreatePolicy},
      {"GetPolicy", &IamService::GetPolicy},
      {"DeletePolicy", &IamService::DeletePolicy},
      {"ListPolicies", &IamService::ListPolicies},
      {"CreatePolicyVersion", &IamService::CreatePolicyVersion},
      {"GetPolicyVersion", &IamService::GetPolicyVersion},
      {"ListPolicyVersions", &IamService::ListPolicyVersions},
      {"DeletePolicyVersion", &IamService::DeletePolicyVersion},
      {"SetDefaultPolicyVersion", &IamService::SetDefaultPolicyVersion},
      {"ListEntitiesForPolicy", &IamService::ListEntitiesForPolicy},
      {"AttachRolePolicy", &IamService::AttachRolePolicy},
      {"DetachRolePolicy", &IamService::DetachRolePolicy},
      {"ListAttachedRolePolicies", &IamService::ListAttachedRolePolicies},
      {"AttachUserPolicy", &IamService::AttachUserPolicy},
      {"DetachUserPolicy", &IamService::DetachUserPolicy},
      {"ListAttachedUserPolicies", &IamService::ListAttachedUserPolicies},
      {"CreateUser", &IamService::CreateUser},
      {"GetUser", &IamService::GetUser},
      {"DeleteUser", &IamService::DeleteUser},
      {"ListUsers", &IamService::ListUsers},
      {"TagUser", &IamService::TagUser},
      {"UntagUser", &IamService::UntagUser},
      {"ListUserTags", &IamService::ListUserTags},
      {"CreateAccessKey", &IamService::CreateAccessKey},
      {"DeleteAccessKey", &IamService::DeleteAccessKey},
      {"ListAccessKeys", &IamService::ListAccessKeys},
      {"UpdateAccessKey", &IamService::UpdateAccessKey},
      {"GetAccessKeyLastUsed", &IamService::GetAccessKeyLastUsed},
  };
  return *kOperations;
}

void IamService::Handle(protocol::RequestContext context, http::Responder respond) {
  const std::string request_id = context.request_id;
  absl::StatusOr<protocol::QueryRequest> request = protocol::DecodeQuery(context.request);
  if (!request.ok())
    return respond(protocol::ErrorResponse(kProtocol, request.status(), request_id));
  auto operation = Operations().find(request->action);
  if (operation == Operations().end()) {
    return respond(protocol::ErrorResponse(
        kProtocol, protocol::UnknownOperation(kProtocol, request->action), request_id));
  }
  const std::string action = "iam:" + request->action;
  if (absl::Status allowed = services::CheckAccess(
          authorizer_, context.caller, "AccessDenied",
          [&] {
            return services::AccessRequests{
                AccessRequestFor(action, *request, *identities_, context.caller)};
          });
      !allowed.ok()) {
    return respond(protocol::ErrorResponse(kProtocol, allowed, request_id));
  }
  Reply reply = [respond = std::move(respond), action = request->action,
                 request_id](absl::StatusOr<std::string> result) {
    if (!result.ok()) {
      return respond(protocol::ErrorResponse(kProtocol, result.status(), request_id));
    }
    respond(protocol::QueryResponse(action, kNamespace, *result, request_id));
  };
  (this->*(operation->second))(*request, context.caller, std::move(reply));
}

void IamService::AddStats(boost::json::object& stats) const {
  stats["iam_roles"] = identities_->roles().size();
  stats["iam_users"] = identities_->users().size();
  stats["iam_access_keys"] = identities_->access_keys().size();
}

absl::StatusOr<const iam::ManagedPolicy*> IamService::PolicyNamed(
    const protocol::QueryRequest& request) const {
  absl::StatusOr<std::string> arn = RequiredPolicyArn(request);
  if (!arn.ok()) return arn.status();
  const iam::ManagedPolicy* policy = identities_->FindPolicy(*arn);
  if (policy == nullptr) return NoSuchEntity("Policy " + *arn + " was not found.");
  return policy;
}

absl::StatusOr<const iam::User*> IamService::UserOrCaller(const protocol::QueryRequest& request,
                                                          const protocol::Caller& caller) const {
  if (request.Get("UserName")) return Named<UserKind>(*identities_, request);
  const iam::AccessKey* key = identities_->FindAccessKey(caller.access_key);
  if (key == nullptr) return nullptr;  // the operator's keys: the account root
  const iam::User* user = identities_->FindUser(key->user_name);
  if (user == nullptr) return NoSuchNamed<UserKind>(key->user_name);
  return user;
}

std::string IamService::Arn(std::string_view kind, std::string_view path,
                            std::string_view name) const {
  return "arn:aws:iam::" + identities_->account_id() + ":" + std::string(kind) + std::string(path) +
         std::string(name);
}

void IamService::SyncKey(std::string_view key_id) {
  if (credentials_ == nullptr) return;
  const iam::AccessKey* key = identities_->FindAccessKey(key_id);
  const iam::User* user = key == nullptr ? nullptr : identities_->FindUser(key->user_name);
  if (user == nullptr || !key->active) return credentials_->Remove(key_id);
  credentials_->AddIdentity(key_id, {.secret = key->secret, .principal_arn = user->arn});
}

iam::IdentityStore::Done IamService::SyncOnceStored(std::string key_id, Reply reply,
                                                    std::string result_xml) {
  return [this, key_id = std::move(key_id),
          answer = AnswerOnceStored(std::move(reply), std::move(result_xml))](absl::Status stored) {
    SyncKey(key_id);
    answer(std::move(stored));
  };
}

}  // namespace serval::iam_api
