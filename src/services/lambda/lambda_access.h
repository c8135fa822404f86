#pragma once

#include <string_view>
#include <vector>

#include "common/arn.h"
#include "iam/authorizer.h"

namespace serval::lambda {

// What Lambda's operations ask of IAM, as AWS's Service Authorization Reference defines them
// ("Actions, resources, and condition keys for AWS Lambda"): the action, the function's ARN
// (qualified when the request names a version or alias, as AWS checks it) or the event source
// mapping's or "*", the function's resource-based policy, and the condition keys Lambda sets.
// docs/iam.md ("Actions and resources") lists where Serval differs. Thread-safe (pure).

// What an operation's request names.
enum class AccessTarget {
  kAccount,   // nothing: "*" (ListFunctions, ListEventSourceMappings)
  kFunction,  // the function, as the request qualifies it
  kMapping,   // an event source mapping: arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID
  // Named in the body (CreateFunction, CreateEventSourceMapping): the operation asks once it has
  // decoded it.
  kBody,
};

// How one operation is authorized: a row of the front end's operation table.
struct OperationAccess {
  std::string_view action;  // "lambda:GetFunction"
  AccessTarget target = AccessTarget::kFunction;
};

// What a request addresses, for AccessRequestFor.
struct AccessSubject {
  std::string_view function;   // the function's name (kFunction)
  std::string_view qualifier;  // "" for the unqualified function
  std::string_view mapping;    // the mapping's UUID (kMapping)
  // lambda:FunctionArn: the function a mapping invokes (kMapping, CreateEventSourceMapping).
  std::string_view mapping_function_arn;
  // The function's resource-based policy for `qualifier` (null: none).
  const iam::PolicyDocument* policy = nullptr;
};

// The request `access` makes of `subject` (kBody targets are asked as kAccount: "*").
iam::AccessRequest AccessRequestFor(const OperationAccess& access, const AccountContext& account,
                                    const AccessSubject& subject);

// The operations whose subject is in the body (AccessTarget::kBody), asked once it is decoded:
// lambda:CreateFunction on the new function's ARN, then iam:PassRole of its role; and
// lambda:CreateEventSourceMapping on "*" with lambda:FunctionArn, the function the mapping invokes.
inline constexpr std::string_view kCreateFunction = "lambda:CreateFunction";
inline constexpr std::string_view kCreateEventSourceMapping = "lambda:CreateEventSourceMapping";
std::vector<iam::AccessRequest> CreateFunctionRequests(const AccountContext& account,
                                                       std::string_view function,
                                                       std::string_view role);
iam::AccessRequest CreateEventSourceMappingRequest(std::string_view function_arn);

// iam:PassRole of `role` to Lambda, which CreateFunction and UpdateFunctionConfiguration (with a
// Role) also need, with iam:PassedToService.
iam::AccessRequest PassRoleRequest(std::string_view role);

// lambda:InvokeFunctionUrl of a function URL (the function as the URL qualifies it), with
// lambda:FunctionUrlAuthType.
iam::AccessRequest InvokeFunctionUrlRequest(const AccountContext& account,
                                            std::string_view function, std::string_view qualifier,
                                            std::string_view auth_type,
                                            const iam::PolicyDocument* policy);

}  // namespace serval::lambda
