#include "services/lambda/resource_policy.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/service_grant.h"

namespace serval::lambda {

namespace json = boost::json;

bool PolicyAllows(const FunctionConfig& latest, const ServiceInvocation& invocation) {
  auto statements = latest.policies.find(std::string(invocation.qualifier));
  if (statements == latest.policies.end()) return false;
  const ServiceRequest request{.service = invocation.service,
                               .action = invocation.action,
                               .source_arn = invocation.source_arn,
                               .source_account = invocation.source_account,
                               .function_url_auth_type = invocation.function_url_auth_type};
  for (const auto& [sid, text] : statements->second) {
    json::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (!ec && parsed.is_object() && StatementAllows(parsed.get_object(), request)) return true;
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
