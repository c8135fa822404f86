#include "services/events/events_access.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace serval::events {
namespace {

namespace json = boost::json;

const AccountContext kAccount{.region = "eu-west-1", .account_id = "123456789012"};
constexpr std::string_view kPrefix = "arn:aws:events:eu-west-1:123456789012:";

using Pairs = std::vector<std::pair<std::string, std::string>>;

services::AccessRequests For(std::string_view operation, std::string_view input) {
  return AccessRequestsFor(operation, json::parse(input).as_object(), kAccount);
}

Pairs Asked(std::string_view operation, std::string_view input) {
  Pairs asked;
  for (const iam::AccessRequest& request : For(operation, input)) {
    asked.emplace_back(request.action, request.resource);
  }
  return asked;
}

std::string Arn(std::string_view rest) { return std::string(kPrefix) + std::string(rest); }

TEST(EventsAccess, RuleOperationsNameTheRuleOnItsBus) {
  for (std::string_view operation :
       {"PutRule", "DescribeRule", "DeleteRule", "EnableRule", "DisableRule"}) {
    EXPECT_EQ(Asked(operation, R"({"Name": "nightly"})"),
              (Pairs{{"events:" + std::string(operation), Arn("rule/nightly")}}));
    EXPECT_EQ(Asked(operation, R"({"Name": "nightly", "EventBusName": "orders"})"),
              (Pairs{{"events:" + std::string(operation), Arn("rule/orders/nightly")}}));
  }
  for (std::string_view operation : {"PutTargets", "RemoveTargets", "ListTargetsByRule"}) {
    EXPECT_EQ(Asked(operation, R"({"Rule": "nightly", "EventBusName": "default"})"),
              (Pairs{{"events:" + std::string(operation), Arn("rule/nightly")}}));
  }
  // A bus given by its ARN.
  EXPECT_EQ(
      Asked("PutTargets", R"({"Rule": "r", "EventBusName": ")" + Arn("event-bus/orders") + R"("})"),
      (Pairs{{"events:PutTargets", Arn("rule/orders/r")}}));
}

TEST(EventsAccess, BusOperationsNameTheBus) {
  EXPECT_EQ(Asked("CreateEventBus", R"({"Name": "orders"})"),
            (Pairs{{"events:CreateEventBus", Arn("event-bus/orders")}}));
  EXPECT_EQ(Asked("DeleteEventBus", R"({"Name": "orders"})"),
            (Pairs{{"events:DeleteEventBus", Arn("event-bus/orders")}}));
  EXPECT_EQ(Asked("DescribeEventBus", "{}"),
            (Pairs{{"events:DescribeEventBus", Arn("event-bus/default")}}));
}

TEST(EventsAccess, ListsAndPatternTestsAskForStar) {
  for (std::string_view operation :
       {"ListRules", "ListRuleNamesByTarget", "ListEventBuses", "TestEventPattern"}) {
    EXPECT_EQ(Asked(operation, "{}"), (Pairs{{"events:" + std::string(operation), "*"}}));
  }
}

TEST(EventsAccess, TaggingNamesTheResourceArn) {
  EXPECT_EQ(Asked("TagResource", R"({"ResourceARN": ")" + Arn("rule/r") + R"("})"),
            (Pairs{{"events:TagResource", Arn("rule/r")}}));
  EXPECT_TRUE(Asked("ListTagsForResource", "{}").empty());
}

TEST(EventsAccess, PutEventsAsksOncePerBusWithItsSourcesAndDetailTypes) {
  const services::AccessRequests requests = For("PutEvents", R"({"Entries": [
      {"Source": "shop", "DetailType": "order"},
      {"Source": "shop", "DetailType": "refund", "EventBusName": "default"},
      {"Source": "audit", "DetailType": "x", "EventBusName": "orders"}]})");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].action, "events:PutEvents");
  EXPECT_EQ(requests[0].resource, Arn("event-bus/default"));
  ASSERT_EQ(requests[0].context.size(), 2u);
  EXPECT_EQ(requests[0].context[0].key, "events:source");
  EXPECT_EQ(requests[0].context[0].values, (std::vector<std::string>{"shop"}));
  EXPECT_EQ(requests[0].context[1].key, "events:detail-type");
  EXPECT_EQ(requests[0].context[1].values, (std::vector<std::string>{"order", "refund"}));
  EXPECT_EQ(requests[1].resource, Arn("event-bus/orders"));
  EXPECT_EQ(requests[1].context[0].values, (std::vector<std::string>{"audit"}));
}

TEST(EventsAccess, ARequestWithoutItsResourceAsksNothing) {
  EXPECT_TRUE(Asked("PutRule", "{}").empty());
  EXPECT_TRUE(Asked("PutEvents", R"({"Entries": 3})").empty());
  EXPECT_TRUE(Asked("NoSuchOperation", R"({"Name": "x"})").empty());
}

}  // namespace
}  // namespace serval::events
