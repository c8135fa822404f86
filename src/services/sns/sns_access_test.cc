#include "services/sns/sns_access.h"

#include <gtest/gtest.h>

namespace serval::sns {
namespace {

constexpr std::string_view kTopic = "arn:aws:sns:us-east-1:000000000000:orders";
const iam::PolicyDocument* const kPolicy = reinterpret_cast<const iam::PolicyDocument*>(0x10);

// The topic "orders" has a policy (a stand-in: the mapping only passes it on).
const iam::PolicyDocument* PolicyOfTopic(std::string_view arn) {
  return arn == kTopic ? kPolicy : nullptr;
}

iam::AccessRequest RequestFor(std::string action, std::map<std::string, std::string> parameters) {
  protocol::QueryRequest request{.action = std::move(action)};
  request.parameters = std::move(parameters);
  auto access = AccessRequestFor(request, AccountContext{}, PolicyOfTopic);
  EXPECT_TRUE(access.ok()) << access.status();
  return access.ok() ? *std::move(access) : iam::AccessRequest{};
}

using Pair = std::pair<std::string, std::string>;

Pair ActionAndResource(const iam::AccessRequest& request) {
  return {std::string(request.action), request.resource};
}

TEST(SnsAccess, EveryActionHasItsActionAndResource) {
  const std::string topic(kTopic);
  const std::string subscription = topic + ":5f3e1b2c-0000-4000-8000-000000000001";
  const std::map<std::string, std::string> on_topic = {{"TopicArn", topic}};
  const std::map<std::string, std::string> on_resource = {{"ResourceArn", topic}};
  const std::map<std::string, std::string> on_subscription = {{"SubscriptionArn", subscription}};
  const std::tuple<std::string, std::map<std::string, std::string>, Pair> cases[] = {
      {"CreateTopic", {{"Name", "orders"}}, {"sns:CreateTopic", topic}},
      {"DeleteTopic", on_topic, {"sns:DeleteTopic", topic}},
      {"ListTopics", {}, {"sns:ListTopics", "*"}},
      {"GetTopicAttributes", on_topic, {"sns:GetTopicAttributes", topic}},
      {"SetTopicAttributes", on_topic, {"sns:SetTopicAttributes", topic}},
      {"TagResource", on_resource, {"sns:TagResource", topic}},
      {"UntagResource", on_resource, {"sns:UntagResource", topic}},
      {"ListTagsForResource", on_resource, {"sns:ListTagsForResource", topic}},
      {"Subscribe", on_topic, {"sns:Subscribe", topic}},
      {"ConfirmSubscription", on_topic, {"sns:ConfirmSubscription", topic}},
      {"Unsubscribe", on_subscription, {"sns:Unsubscribe", topic}},
      {"ListSubscriptions", {}, {"sns:ListSubscriptions", "*"}},
      {"ListSubscriptionsByTopic", on_topic, {"sns:ListSubscriptionsByTopic", topic}},
      {"GetSubscriptionAttributes", on_subscription, {"sns:GetSubscriptionAttributes", topic}},
      {"SetSubscriptionAttributes", on_subscription, {"sns:SetSubscriptionAttributes", topic}},
      {"Publish", on_topic, {"sns:Publish", topic}},
      {"PublishBatch", on_topic, {"sns:Publish", topic}},
  };
  for (const auto& [action, parameters, expected] : cases) {
    const iam::AccessRequest request = RequestFor(action, parameters);
    EXPECT_EQ(ActionAndResource(request), expected) << action;
    EXPECT_EQ(request.resource_policy, expected.second == "*" ? nullptr : kPolicy) << action;
  }
}

TEST(SnsAccess, PublishNamesItsTarget) {
  EXPECT_EQ(ActionAndResource(
                RequestFor("Publish", {{"TargetArn", "arn:aws:sns:us-east-1:000000000000:other"}})),
            Pair("sns:Publish", "arn:aws:sns:us-east-1:000000000000:other"));
  EXPECT_EQ(ActionAndResource(RequestFor("Publish", {{"PhoneNumber", "+15555550100"}})),
            Pair("sns:Publish", "*"));
}

TEST(SnsAccess, SubscribeCarriesProtocolAndEndpoint) {
  const iam::AccessRequest request =
      RequestFor("Subscribe", {{"TopicArn", std::string(kTopic)},
                               {"Protocol", "lambda"},
                               {"Endpoint", "arn:aws:lambda:us-east-1:000000000000:function:f"}});
  ASSERT_EQ(request.context.size(), 2u);
  EXPECT_EQ(request.context[0].key, "sns:Protocol");
  EXPECT_EQ(request.context[0].values, std::vector<std::string>{"lambda"});
  EXPECT_EQ(request.context[1].key, "sns:Endpoint");
  EXPECT_EQ(request.context[1].values,
            std::vector<std::string>{"arn:aws:lambda:us-east-1:000000000000:function:f"});
  EXPECT_TRUE(RequestFor("Publish", {{"TopicArn", std::string(kTopic)}}).context.empty());
}

TEST(SnsAccess, AnActionWithoutAnEntryIsAnError) {
  protocol::QueryRequest request{.action = "CreatePlatformApplication"};
  EXPECT_EQ(AccessRequestFor(request, AccountContext{}, PolicyOfTopic).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace serval::sns
