#include "services/lambda/lambda_access.h"

#include <fmt/format.h>

namespace serval::lambda {

iam::AccessRequest AccessRequestFor(const OperationAccess& access, const AccountContext& account,
                                    const AccessSubject& subject) {
  iam::AccessRequest request{.action = access.action};
  switch (access.target) {
    case AccessTarget::kAccount:
    case AccessTarget::kBody:
      request.resource = "*";
      break;
    case AccessTarget::kFunction:
      request.resource = LambdaFunctionArn(account, subject.function, subject.qualifier);
      request.resource_policy = subject.policy;
      break;
    case AccessTarget::kMapping:
      request.resource = fmt::format("arn:aws:lambda:{}:{}:event-source-mapping:{}", account.region,
                                     account.account_id, subject.mapping);
      break;
  }
  if (!subject.mapping_function_arn.empty()) {
    request.context.push_back({"lambda:FunctionArn", {std::string(subject.mapping_function_arn)}});
  }
  return request;
}

std::vector<iam::AccessRequest> CreateFunctionRequests(const AccountContext& account,
                                                       std::string_view function,
                                                       std::string_view role) {
  std::vector<iam::AccessRequest> requests;
  requests.push_back(
      AccessRequestFor({.action = kCreateFunction}, account, {.function = function}));
  requests.push_back(PassRoleRequest(role));
  return requests;
}

iam::AccessRequest CreateEventSourceMappingRequest(std::string_view function_arn) {
  return AccessRequestFor({.action = kCreateEventSourceMapping, .target = AccessTarget::kAccount},
                          {}, {.mapping_function_arn = function_arn});
}

iam::AccessRequest PassRoleRequest(std::string_view role) {
  iam::AccessRequest request{.action = "iam:PassRole", .resource = std::string(role)};
  request.context.push_back({"iam:PassedToService", {"lambda.amazonaws.com"}});
  return request;
}

iam::AccessRequest InvokeFunctionUrlRequest(const AccountContext& account,
                                            std::string_view function, std::string_view qualifier,
                                            std::string_view auth_type,
                                            const iam::PolicyDocument* policy) {
  iam::AccessRequest request{.action = "lambda:InvokeFunctionUrl",
                             .resource = LambdaFunctionArn(account, function, qualifier),
                             .resource_policy = policy};
  request.context.push_back({"lambda:FunctionUrlAuthType", {std::string(auth_type)}});
  return request;
}

}  // namespace serval::lambda
