#include "services/lambda/resource_policy.h"

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

}  // namespace serval::lambda
