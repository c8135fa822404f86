#include "iam/service_grant.h"

#include <array>
#include <string>
#include <vector>

#include "iam/evaluator.h"

namespace serval::iam {

bool PolicyAllowsService(std::string_view policy, const ServiceRequest& request) {
  absl::StatusOr<PolicyDocument> document = ParsePolicy(policy, PolicyKind::kResource);
  return document.ok() && PolicyAllowsService(*document, request);
}

bool PolicyAllowsService(const PolicyDocument& policy, const ServiceRequest& request) {
  Principal principal;
  if (!request.service.empty()) {
    principal.kind = Principal::Kind::kService;
    principal.arn = std::string(request.service);
  }
  const std::array<std::pair<std::string_view, std::string_view>, 4> keys = {{
      {"aws:SourceArn", request.source_arn},
      {"aws:SourceAccount", request.source_account},
      {"aws:SourceOwner", request.source_owner},
      {"lambda:FunctionUrlAuthType", request.function_url_auth_type},
  }};
  std::vector<ContextValue> context;
  for (const auto& key : keys) {
    if (key.second.empty()) continue;
    context.push_back({std::string(key.first), {std::string(key.second)}});
  }
  const AccessQuery query{.principal = &principal,
                          .action = request.action,
                          .resource = request.resource,
                          .context = context};
  return Evaluate(query, {}, &policy).decision == Decision::kAllow;
}

}  // namespace serval::iam
