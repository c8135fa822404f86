#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "protocol/query.h"
#include "services/platform.h"
#include "services/service.h"
#include "services/sts/session_store.h"

namespace serval::sts {

// The STS front end (query protocol, 2011-06-15): GetCallerIdentity, AssumeRole (the role's
// trust policy decides) and GetSessionToken, whose temporary credentials the edge then accepts
// with their session token until they expire. docs/iam.md. Runs only on the io thread.
class StsService final : public services::Service {
 public:
  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void AddStats(boost::json::object& stats) const override;

 private:
  // The <ActionResult> body, or the error.
  using Reply = std::function<void(absl::StatusOr<std::string>)>;
  using Operation = void (StsService::*)(const protocol::QueryRequest&, const protocol::Caller&,
                                         Reply);
  static const absl::flat_hash_map<std::string, Operation>& Operations();

  StsService(const services::Platform& platform, std::unique_ptr<SessionStore> sessions);

  void GetCallerIdentity(const protocol::QueryRequest& request, const protocol::Caller& caller,
                         Reply reply);
  void AssumeRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void GetSessionToken(const protocol::QueryRequest& request, const protocol::Caller& caller,
                       Reply reply);

  // The unique id AWS pairs with a principal: the account id for the root, a user's AIDA id, a
  // role session's "AROA...:SESSION".
  std::string UserIdOf(const protocol::Caller& caller) const;
  // A new session as `session` describes it (principal, session policies) lasting `seconds`,
  // answered with `result_xml_tail` appended after its <Credentials>.
  void IssueSession(SessionStore::Session session, int64_t seconds, std::string result_xml_tail,
                    Reply reply);

  services::Platform platform_;
  std::unique_ptr<SessionStore> sessions_;
  uint64_t sessions_issued_ = 0;
};

}  // namespace serval::sts
