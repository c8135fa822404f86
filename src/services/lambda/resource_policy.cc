#include "services/lambda/resource_policy.h"

#include <fmt/format.h>

#include "iam/policy.h"
#include "iam/service_grant.h"
#include "iam/statement.h"

namespace serval::lambda {

bool PolicyAllows(const FunctionConfig& latest, const ServiceInvocation& invocation) {
  auto statements = latest.policies.find(std::string(invocation.qualifier));
  if (statements == latest.policies.end()) return false;
  // Each statement AddPermission stored is a policy of its own (one that cannot be read grants
  // nothing and spoils no other). Each names the function as this qualifier addresses it.
  for (const auto& [sid, text] : statements->second) {
    absl::StatusOr<iam::PolicyDocument> policy = iam::ParsePolicy(
        R"({"Version":"2012-10-17","Statement":)" + text + "}", iam::PolicyKind::kResource);
    if (!policy.ok()) continue;
    const iam::ServiceRequest request{.service = invocation.service,
                                      .action = invocation.action,
                                      .resource = policy->statements()[0].resources[0].text(),
                                      .source_arn = invocation.source_arn,
                                      .source_account = invocation.source_account,
                                      .function_url_auth_type = invocation.function_url_auth_type};
    if (iam::PolicyAllowsService(*policy, request)) return true;
  }
  return false;
}

absl::StatusOr<FunctionReference> GrantedFunction(const FunctionRegistry& functions,
                                                  std::string_view function,
                                                  ServiceInvocation invocation) {
  absl::StatusOr<FunctionReference> reference = ParseFunctionReference(function);
  const FunctionRegistry::Function* found =
      reference.ok() ? functions.Find(reference->name) : nullptr;
  if (found == nullptr) {
    return absl::NotFoundError(fmt::format("the function {} does not exist", function));
  }
  invocation.qualifier = reference->qualifier;
  if (!PolicyAllows(*found->latest.config, invocation)) {
    return absl::PermissionDeniedError(fmt::format(
        "Execution failed due to configuration error: Invalid permissions on Lambda function {} "
        "(its resource policy does not allow {} for {}; lambda add-permission)",
        reference->name, invocation.service, invocation.source_arn));
  }
  return reference;
}

}  // namespace serval::lambda
