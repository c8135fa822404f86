#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "iam/identity_store.h"
#include "protocol/query.h"
#include "protocol/request_context.h"
#include "services/iam/entity_kinds.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::http {
class CredentialStore;
}  // namespace serval::http
namespace serval::iam {
class Authorizer;
}  // namespace serval::iam

namespace serval::iam_api {

// The IAM front end: roles, users, managed policies (with versions; AWS's own read-only) and
// access keys over the query protocol (version 2010-05-08), kept in the identity store. IAM is
// global: clients sign for us-east-1 whatever Serval's region. The access keys it creates are
// accepted by the edge while Active (registered in the credential store at creation and at
// startup, removed at deactivation and deletion). docs/iam.md has what it supports. Runs only
// on the io thread.
class IamService : public services::Service {
 public:
  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  // `credentials` is null under --no-auth; `authorizer` null in tests (every call allowed).
  IamService(iam::IdentityStore* identities, http::CredentialStore* credentials,
             const Clock* clock, iam::Authorizer* authorizer);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void AddStats(boost::json::object& stats) const override;

  using Reply = iam_api::Reply;

 private:
  using Operation = void (IamService::*)(const protocol::QueryRequest&, const protocol::Caller&,
                                         Reply);
  static const absl::flat_hash_map<std::string, Operation>& Operations();

  // role_operations.cc
  void CreateRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void GetRole(const protocol::QueryRequest& request, const protocol::Caller& caller, Reply reply);
  void DeleteRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void ListRoles(const protocol::QueryRequest& request, const protocol::Caller& caller,
                 Reply reply);
  void UpdateRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void UpdateAssumeRolePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                              Reply reply);
  void TagRole(const protocol::QueryRequest& request, const protocol::Caller& caller, Reply reply);
  void UntagRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                 Reply reply);
  void ListRoleTags(const protocol::QueryRequest& request, const protocol::Caller& caller,
                    Reply reply);

  // inline_policy_operations.cc: Put/Get/Delete/List{Role,User}Policies.
  void PutRolePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                     Reply reply);
  void GetRolePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                     Reply reply);
  void DeleteRolePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void ListRolePolicies(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void PutUserPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                     Reply reply);
  void GetUserPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                     Reply reply);
  void DeleteUserPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void ListUserPolicies(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);

  // policy_operations.cc: managed policies and their versions.
  void CreatePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                    Reply reply);
  void GetPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                 Reply reply);
  void DeletePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                    Reply reply);
  void ListPolicies(const protocol::QueryRequest& request, const protocol::Caller& caller,
                    Reply reply);
  void CreatePolicyVersion(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply);
  void GetPolicyVersion(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void ListPolicyVersions(const protocol::QueryRequest& request, const protocol::Caller& caller,
                          Reply reply);
  void DeletePolicyVersion(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply);
  void SetDefaultPolicyVersion(const protocol::QueryRequest& request,
                               const protocol::Caller& caller, Reply reply);
  void ListEntitiesForPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                             Reply reply);

  // attachment_operations.cc
  void AttachRolePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void DetachRolePolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void ListAttachedRolePolicies(const protocol::QueryRequest& request,
                                const protocol::Caller& caller, Reply reply);
  void AttachUserPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void DetachUserPolicy(const protocol::QueryRequest& request, const protocol::Caller& caller,
                        Reply reply);
  void ListAttachedUserPolicies(const protocol::QueryRequest& request,
                                const protocol::Caller& caller, Reply reply);

  // user_operations.cc
  void CreateUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void GetUser(const protocol::QueryRequest& request, const protocol::Caller& caller, Reply reply);
  void DeleteUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void ListUsers(const protocol::QueryRequest& request, const protocol::Caller& caller,
                 Reply reply);
  void TagUser(const protocol::QueryRequest& request, const protocol::Caller& caller, Reply reply);
  void UntagUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                 Reply reply);
  void ListUserTags(const protocol::QueryRequest& request, const protocol::Caller& caller,
                    Reply reply);

  // access_key_operations.cc
  void CreateAccessKey(const protocol::QueryRequest& request, const protocol::Caller& caller,
                       Reply reply);
  void DeleteAccessKey(const protocol::QueryRequest& request, const protocol::Caller& caller,
                       Reply reply);
  void ListAccessKeys(const protocol::QueryRequest& request, const protocol::Caller& caller,
                      Reply reply);
  void UpdateAccessKey(const protocol::QueryRequest& request, const protocol::Caller& caller,
                       Reply reply);
  void GetAccessKeyLastUsed(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply);
  // Makes the edge accept the key while it exists and is Active, and refuse it otherwise
  // (no-op under --no-auth).
  void SyncKey(std::string_view key_id);
  // `reply`, once a change to the key is on disk, after syncing the key again (a change the
  // disk refused was undone).
  iam::IdentityStore::Done SyncOnceStored(std::string key_id, Reply reply,
                                          std::string result_xml = {});

  // The managed policy a request's PolicyArn names: InvalidInput for a malformed ARN,
  // NoSuchEntity for one that does not exist.
  absl::StatusOr<const iam::ManagedPolicy*> PolicyNamed(
      const protocol::QueryRequest& request) const;
  // The same, for an operation that changes the policy: one of AWS's is refused.
  absl::StatusOr<const iam::ManagedPolicy*> ChangeablePolicyNamed(
      const protocol::QueryRequest& request) const;
  // The user a request names, or when it names none the caller's own (by its access key);
  // nullptr for the account root (the operator's keys).
  absl::StatusOr<const iam::User*> UserOrCaller(const protocol::QueryRequest& request,
                                                const protocol::Caller& caller) const;
  // arn:aws:iam::ACCOUNT:<kind><path><name>
  std::string Arn(std::string_view kind, std::string_view path, std::string_view name) const;

  iam::IdentityStore* identities_;
  http::CredentialStore* credentials_;
  const Clock* clock_;
  iam::Authorizer* authorizer_;  // null: every call is allowed
};

}  // namespace serval::iam_api
