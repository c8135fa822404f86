#include "services/monitoring/monitoring_access.h"

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"

namespace serval::monitoring {

services::AccessRequests AccessRequestsFor(std::string_view operation,
                                           const boost::json::object& input) {
  // Every operation of the monitoring front end (monitoring_service.cc).
  static const auto* kActions = new absl::flat_hash_map<std::string_view, std::string_view>{
      {"PutMetricData", "cloudwatch:PutMetricData"},
      {"GetMetricStatistics", "cloudwatch:GetMetricStatistics"},
      {"GetMetricData", "cloudwatch:GetMetricData"},
      {"ListMetrics", "cloudwatch:ListMetrics"},
  };
  services::AccessRequests requests;
  auto found = kActions->find(operation);
  if (found == kActions->end()) return requests;
  iam::AccessRequest& request =
      requests.emplace_back(iam::AccessRequest{.action = found->second, .resource = "*"});
  if (operation == "PutMetricData") {
    const boost::json::value* space = input.if_contains("Namespace");
    if (space != nullptr && space->is_string()) {
      request.context.push_back(
          {.key = "cloudwatch:namespace", .values = {std::string(space->get_string())}});
    }
  }
  return requests;
}

}  // namespace serval::monitoring
