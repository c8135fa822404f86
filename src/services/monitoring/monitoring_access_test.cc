#include "services/monitoring/monitoring_access.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/aws_error.h"
#include "protocol/protocol.h"
#include "services/monitoring/monitoring_errors.h"

namespace serval::monitoring {
namespace {

namespace json = boost::json;

services::AccessRequests For(std::string_view operation, std::string_view input) {
  return AccessRequestsFor(operation, json::parse(input).as_object());
}

TEST(MonitoringAccess, EveryOperationAsksForItsActionOnStar) {
  for (std::string_view operation :
       {"PutMetricData", "GetMetricStatistics", "GetMetricData", "ListMetrics"}) {
    const services::AccessRequests requests = For(operation, R"({"Namespace": "App"})");
    ASSERT_EQ(requests.size(), 1u) << operation;
    EXPECT_EQ(requests[0].action, "cloudwatch:" + std::string(operation));
    EXPECT_EQ(requests[0].resource, "*");
  }
  EXPECT_TRUE(For("PutDashboard", "{}").empty());
}

TEST(MonitoringAccess, PutMetricDataCarriesItsNamespace) {
  const services::AccessRequests requests = For("PutMetricData", R"({"Namespace": "App/Orders"})");
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_EQ(requests[0].context.size(), 1u);
  EXPECT_EQ(requests[0].context[0].key, "cloudwatch:namespace");
  EXPECT_EQ(requests[0].context[0].values, (std::vector<std::string>{"App/Orders"}));
  EXPECT_TRUE(For("ListMetrics", R"({"Namespace": "App"})")[0].context.empty());
}

TEST(MonitoringAccess, ADenialIs403AccessDeniedInBothShapes) {
  const absl::Status denied = AccessDenied(
      AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied", "User: x is not authorized"));
  const http::Response query = protocol::ErrorResponse(protocol::Protocol::kQuery, denied, "r");
  EXPECT_EQ(query.status, 403);
  EXPECT_NE(query.body.find("<Code>AccessDenied</Code>"), std::string::npos) << query.body;
  const http::Response json = protocol::ErrorResponse(protocol::Protocol::kAwsJson1_0, denied, "r");
  EXPECT_EQ(json.status, 403);
  EXPECT_NE(json.body.find("AccessDeniedException"), std::string::npos) << json.body;
  EXPECT_NE(
      std::find(json.headers.begin(), json.headers.end(),
                std::pair<std::string, std::string>{"x-amzn-query-error", "AccessDenied;Sender"}),
      json.headers.end());
}

}  // namespace
}  // namespace serval::monitoring
