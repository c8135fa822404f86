#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "iam/evaluator.h"
#include "iam/policy.h"

namespace boost::json {
class object;
}  // namespace boost::json
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
  Authorizer(Mode mode, std::string account_id);

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

  // {"mode": "warn", "denied": [{"principal", "action", "resource", "missing", "count"}...]}
  void AddStats(boost::json::object& stats) const;

 private:
  Mode mode_;
  std::string account_id_;
  const IdentityStore* identities_ = nullptr;
};

}  // namespace serval::iam
