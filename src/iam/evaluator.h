#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iam/policy.h"

namespace serval::iam {

// Policy evaluation as AWS documents it for requests within one account
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an
// explicit Deny in any policy wins; otherwise an Allow in an identity policy or in the resource
// policy (for a principal it names) allows; otherwise the request is implicitly denied. Pure
// functions over values: thread-safe.

// Who makes a request.
struct Principal {
  enum class Kind {
    kAccountRoot,  // the account's own (operator) keys: arn:aws:iam::ACCOUNT:root
    kUser,         // an IAM user's access key: arn:aws:iam::ACCOUNT:user/PATH/NAME
    kAssumedRole,  // a role session (AssumeRole, a function's environment):
                   // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    kService,      // a service principal ("s3.amazonaws.com") acting for a resource
    kAnonymous,    // no signature
  };
  Kind kind = Kind::kAnonymous;
  // As above; for kService the service's name ("s3.amazonaws.com"); empty for kAnonymous.
  std::string arn;
  std::string account_id;
  // kAssumedRole: the role's own ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME), which resource
  // policies name and aws:PrincipalArn holds. Empty otherwise.
  std::string role_arn;
  // What aws:userid holds: a user's unique id (AIDA...), a role session's "AROA...:SESSION", the
  // account id for the root. Empty when unknown (the key is then absent).
  std::string user_id;
};

// A condition key's values in a request ("aws:SourceArn" -> {"arn:aws:s3:::bucket"}). Key names
// compare case-insensitively.
struct ContextValue {
  std::string key;
  std::vector<std::string> values;
};

// One request to decide: `principal` asks to perform `action` ("s3:GetObject") on `resource`
// ("arn:aws:s3:::bucket/key", or "*" for actions without a resource). `context` carries the
// request's condition keys other than those the evaluator derives from the principal itself
// (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:username, aws:userid) and the
// time (aws:CurrentTime, aws:EpochTime from `now_millis`).
struct AccessQuery {
  const Principal* principal = nullptr;
  std::string_view action;
  std::string_view resource;
  std::span<const ContextValue> context;
  int64_t now_millis = 0;
  // The caller's address (aws:SourceIp); empty when unknown (a service acting for itself).
  std::string_view source_ip;
};

enum class Decision { kAllow, kImplicitDeny, kExplicitDeny };

// What decided, in the words AWS's AccessDenied message uses.
enum class DecidedBy {
  kIdentityPolicy,  // an identity policy's Allow or Deny
  kResourcePolicy,  // the resource policy's Allow or Deny
  kNoPolicy,        // implicit deny: no identity-based policy allows the action
  // A role session's session policies (AssumeRole's Policy and PolicyArns) deny what its role
  // allows: explicitly, or by allowing nothing that matches.
  kSessionPolicy,
};

struct Evaluation {
  Decision decision = Decision::kImplicitDeny;
  DecidedBy decided_by = DecidedBy::kNoPolicy;
};

// Decides `query` against the principal's identity policies and the resource's policy (null
// when the resource has none or the service has no resource policies). A resource policy
// statement that names the principal's account (an account id or its root ARN) applies to every
// principal of that account for Deny, but its Allow counts only for the account root: the
// account delegates to its own identity policies (AWS's rule for a principal naming an account).
// The account root is allowed whatever identity policies say, unless a resource policy denies it.
// Allocates nothing unless a condition reads aws:CurrentTime as text.
Evaluation Evaluate(const AccessQuery& query, std::span<const PolicyDocument> identity_policies,
                    const PolicyDocument* resource_policy);

// AWS's message for a denied request: "User: ARN is not authorized to perform: ACTION on
// resource: RESOURCE because no identity-based policy allows the ACTION action" (or "with an
// explicit deny in an identity-based policy", "with an explicit deny in a resource-based
// policy").
std::string DenialMessage(const AccessQuery& query, const Evaluation& evaluation);

// The smallest identity policy statement that would allow `query`:
// {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/key"}.
std::string AllowingStatement(const AccessQuery& query);

// Whether the role whose trust policy is `trust` may be assumed by `query.principal`
// (`query.action` "sts:AssumeRole", `query.resource` the role's ARN): an explicit Deny in the trust
// policy or in the principal's `identity_policies` refuses; a trust statement that names the
// principal itself (its ARN, its role, its service, "*") allows; one that names only its account
// allows when the principal's identity policies allow the query too.
bool TrustAllows(const PolicyDocument& trust, const AccessQuery& query,
                 std::span<const PolicyDocument> identity_policies);

}  // namespace serval::iam
