#include "services/logs/logs_access.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace serval::logs {
namespace {

namespace json = boost::json;

const AccountContext kAccount{.region = "eu-west-1", .account_id = "123456789012"};
constexpr std::string_view kPrefix = "arn:aws:logs:eu-west-1:123456789012:";

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Asked(std::string_view operation, std::string_view input) {
  Pairs asked;
  for (const iam::AccessRequest& request :
       AccessRequestsFor(operation, json::parse(input).as_object(), kAccount)) {
    asked.emplace_back(request.action, request.resource);
  }
  return asked;
}

std::string Arn(std::string_view rest) { return std::string(kPrefix) + std::string(rest); }

TEST(LogsAccess, StreamOperationsNameTheStream) {
  for (std::string_view operation :
       {"CreateLogStream", "DeleteLogStream", "PutLogEvents", "GetLogEvents"}) {
    EXPECT_EQ(Asked(operation, R"({"logGroupName": "/aws/lambda/f",
                                   "logStreamName": "2024/01/01/[$LATEST]abc"})"),
              (Pairs{{"logs:" + std::string(operation),
                      Arn("log-group:/aws/lambda/f:log-stream:2024/01/01/[$LATEST]abc")}}))
        << operation;
  }
}

TEST(LogsAccess, GroupOperationsNameTheGroupWithAnEmptyStream) {
  for (std::string_view operation :
       {"CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy",
        "TagLogGroup", "UntagLogGroup", "ListTagsLogGroup", "DescribeLogStreams", "FilterLogEvents",
        "PutSubscriptionFilter", "DescribeSubscriptionFilters", "DeleteSubscriptionFilter"}) {
    EXPECT_EQ(Asked(operation, R"({"logGroupName": "app"})"),
              (Pairs{{"logs:" + std::string(operation), Arn("log-group:app:log-stream:")}}))
        << operation;
  }
}

TEST(LogsAccess, AGroupGivenByItsArnIsTheSameGroup) {
  EXPECT_EQ(
      Asked("FilterLogEvents", R"({"logGroupIdentifier": ")" + Arn("log-group:app:*") + R"("})"),
      (Pairs{{"logs:FilterLogEvents", Arn("log-group:app:log-stream:")}}));
  EXPECT_EQ(Asked("GetLogEvents", R"({"logGroupIdentifier": "app", "logStreamName": "s"})"),
            (Pairs{{"logs:GetLogEvents", Arn("log-group:app:log-stream:s")}}));
}

TEST(LogsAccess, DescribeLogGroupsNamesNoGroup) {
  EXPECT_EQ(Asked("DescribeLogGroups", R"({"logGroupNamePrefix": "/aws"})"),
            (Pairs{{"logs:DescribeLogGroups", Arn("log-group::log-stream:")}}));
}

TEST(LogsAccess, TaggingNamesTheResourceArn) {
  for (std::string_view operation : {"TagResource", "UntagResource", "ListTagsForResource"}) {
    EXPECT_EQ(Asked(operation, R"({"resourceArn": ")" + Arn("log-group:app") + R"("})"),
              (Pairs{{"logs:" + std::string(operation), Arn("log-group:app")}}));
  }
}

TEST(LogsAccess, ARequestWithoutItsResourceAsksNothing) {
  EXPECT_TRUE(Asked("PutLogEvents", R"({"logGroupName": "app"})").empty());
  EXPECT_TRUE(Asked("CreateLogGroup", "{}").empty());
  EXPECT_TRUE(
      Asked("CreateLogGroup", R"({"logGroupName": "a", "logGroupIdentifier": "a"})").empty());
  EXPECT_TRUE(Asked("TagResource", "{}").empty());
  EXPECT_TRUE(Asked("NoSuchOperation", R"({"logGroupName": "app"})").empty());
}

}  // namespace
}  // namespace serval::logs
