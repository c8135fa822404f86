#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::apigateway {

// What a Lambda authorizer answered (aws-wire-contracts 7.7): the caller's principal, the IAM
// policy that says which methods it may invoke, the context handed to the integration and the
// API key to meter it by. Thread-compatible value.
struct AuthorizerOutput {
  struct Statement {
    bool allow = false;                  // Effect: Allow or Deny
    std::vector<std::string> actions;    // "execute-api:Invoke", "execute-api:*", "*"
    std::vector<std::string> resources;  // method ARNs, * and ? as wildcards
  };
  std::string principal_id;
  std::vector<Statement> statements;
  // The context's members as API Gateway passes them on (see ContextValues).
  boost::json::object context;
  std::string usage_identifier_key;  // empty when absent
};

// How an authorizer's context values reach the integration: REST APIs turn strings, numbers and
// booleans into strings and refuse objects and lists; HTTP APIs pass any JSON value on.
enum class ContextValues { kStringified, kAsGiven };

// The authorizer function's result payload; InvalidArgument when it is not the shape API
// Gateway accepts (no policy document, a statement without Effect, a context value that
// `values` refuses), which the gateway answers with a 500 (REST APIs:
// AuthorizerConfigurationException). Thread-safe.
absl::StatusOr<AuthorizerOutput> ParseAuthorizerOutput(
    std::string_view payload, ContextValues values = ContextValues::kStringified);

enum class PolicyDecision { kAllow, kExplicitDeny, kImplicitDeny };

// The policy's decision for invoking `method_arn` ("arn:aws:execute-api:REGION:ACCOUNT:API/
// STAGE/VERB/path"): an explicit Deny wins over any Allow; without either it is an implicit
// deny. Thread-safe.
PolicyDecision EvaluatePolicy(const AuthorizerOutput& output, std::string_view method_arn);

}  // namespace serval::apigateway
