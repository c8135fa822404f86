#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "iam/evaluator.h"
#include "iam/policy.h"

namespace boost::json {
class object;
}  // namespace boost::json
namespace serval {
class Clock;
}  // namespace serval
namespace serval::protocol {
struct Caller;
}  // namespace serval::protocol

namespace serval::iam {

class IdentityStore;

// How far Serval holds callers to their policies (`serval up --iam`).
enum class Mode {
  kOff,      // every signed request may do anything (no evaluation)
  kWarn,     // evaluate; a request AWS would deny still succeeds, and is reported once
  kEnforce,  // a request AWS would deny fails with the service's AccessDenied
};

// What one request asks of one resource, as the service defines it: the IAM action
// ("s3:GetObject"), the resource's ARN ("arn:aws:s3:::bucket/key", "*" for actions that name no
// resource), the resource's own policy if it has one, and the condition keys the service sets
// (s3:prefix, aws:SourceArn, ...).
struct AccessRequest {
  std::string_view action;
  std::string resource;
  const PolicyDocument* resource_policy = nullptr;
  std::vector<ContextValue> context;
};

// The one place a request's caller is held to IAM policies: every front end asks it once per
// (action, resource) a request touches, after decoding the request and before acting on it.
// The operator's own keys (the credentials file, test/test) are the account root: always allowed.
// Runs only on the io thread.
class Authorizer {
 public:
  // `clock` gives aws:CurrentTime (the simulated clock in tests).
  Authorizer(Mode mode, std::string account_id, const Clock* clock);

  Mode mode() const { return mode_; }
  // The IAM entities that give users and roles their policies (set once IAM's front end loads).
  void SetIdentities(const IdentityStore* identities) { identities_ = identities; }

  // OK when `caller` may make `request`, or when it may not but the mode lets it (warn: the first
  // such request per principal, action and resource is written to stderr with the statement
  // that would allow it, and listed in stats). Otherwise PermissionDenied with AWS's message
  // ("User: arn:aws:sts::...:assumed-role/ROLE/FUNCTION is not authorized to perform: ...") and
  // `error_code` attached: the service's own AccessDenied code.
  absl::Status Check(const protocol::Caller& caller, const AccessRequest& request,
                     std::string_view error_code);

  // The principal a signed caller acts as, and the identity policies that apply to it: the
  // account root for the operator's keys (no policies: never restricted), a user's or a role
  // session's policies as the identity store has them now.
  struct Identity {
    Principal principal;
    std::vector<PolicyDocument> policies;
    uint64_t generation = 0;  // IdentityStore::generation() when `policies` were read
  };
  const Identity& IdentityOf(const protocol::Caller& caller);

  // The session policies AssumeRole was given (its Policy document, parsed, and its PolicyArns)
  // for the role session that signs with `access_key`: the session may do only what both its
  // role's policies and these allow (an explicit Deny in either wins). Managed policies are read
  // from the identity store as they are at each check. Kept until ForgetSession.
  void SetSessionPolicies(const std::string& access_key,
                          std::optional<PolicyDocument> inline_policy,
                          std::vector<std::string> policy_arns);
  void ForgetSession(const std::string& access_key) { session_policies_.erase(access_key); }

  // Whether the service principal `service` ("lambda.amazonaws.com") may assume the role
  // `role_arn`: the role exists and its trust policy allows the service sts:AssumeRole.
  bool ServiceMayAssumeRole(std::string_view role_arn, std::string_view service) const;

  // "iam": {"mode": "warn", "denied": [{"principal", "action", "resource", "message",
  // "missing", "count"}...]}: the requests AWS would deny that warn mode let through (or that
  // enforce mode refused), by principal, action and resource.
  void AddStats(boost::json::object& stats) const;

 private:
  // A distinct (principal, action, resource) that was denied, and how often.
  struct Denial {
    std::string message;
    std::string missing;  // the statement that would allow it
    uint64_t count = 0;
  };
  using DenialKey = std::tuple<std::string, std::string, std::string>;
  // Denials kept for stats; past this many, new ones are counted but not listed.
  static constexpr size_t kMaxDenials = 1000;

  // A role session's session policies: what SetSessionPolicies was given, and the documents
  // they resolve to (the inline one, then each managed policy's default version).
  struct SessionPolicies {
    std::optional<PolicyDocument> inline_policy;
    std::vector<std::string> policy_arns;
    std::vector<PolicyDocument> documents;
    uint64_t generation = 0;  // IdentityStore::generation() when `documents` were resolved
  };

  void Record(const AccessQuery& query, const std::string& message);
  // `evaluation` (an Allow of `query` by identity and resource policies) narrowed by the
  // session policies of the caller's `access_key`, if it has any.
  Evaluation NarrowedBySession(const std::string& access_key, const AccessQuery& query,
                               const Evaluation& evaluation);

  Mode mode_;
  std::string account_id_;
  const Clock* clock_;
  const IdentityStore* identities_ = nullptr;
  Identity root_;
  absl::flat_hash_map<std::string, Identity> identities_by_arn_;
  absl::flat_hash_map<std::string, SessionPolicies> session_policies_;  // by access key
  std::map<DenialKey, Denial> denials_;
  uint64_t unlisted_denials_ = 0;
};

}  // namespace serval::iam
