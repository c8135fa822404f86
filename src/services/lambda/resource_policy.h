#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "services/lambda/function_config.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/function_request.h"

namespace serval::lambda {

// What a service principal asks of a function's resource-based policy (the statements
// AddPermission stored): may `service` ("s3.amazonaws.com") perform `action`
// ("lambda:InvokeFunction") on the function as `qualifier` names it ("" for the unqualified
// function), on behalf of `source_arn` ("arn:aws:s3:::bucket") in `source_account`?
// Thread-safe (pure).
struct ServiceInvocation {
  std::string_view service;
  std::string_view action;
  std::string_view qualifier;
  std::string_view source_arn;
  std::string_view source_account;
  std::string_view function_url_auth_type;  // for lambda:InvokeFunctionUrl
};

// True when some statement of `latest`'s policy for the qualifier grants it
// (iam::PolicyAllowsService). Serval's function policies hold only Allow statements (AddPermission
// makes nothing else).
bool PolicyAllows(const FunctionConfig& latest, const ServiceInvocation& invocation);

// The function `function` names (a name or ARN, possibly qualified) when it exists and its
// policy grants `invocation` for that qualifier (`invocation.qualifier` is ignored): how a
// service that invokes functions on a caller's behalf (API Gateway) resolves one. NotFound or
// PermissionDenied otherwise, with a message for the operator's log. Runs on the io thread
// (it reads `functions`).
absl::StatusOr<FunctionReference> GrantedFunction(const FunctionRegistry& functions,
                                                  std::string_view function,
                                                  ServiceInvocation invocation);

}  // namespace serval::lambda
