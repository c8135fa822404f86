#include "services/sns/delivery_policy.h"

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace serval::sns {
namespace {

TEST(DeliveryPolicyTest, ParsesASubscriptionPolicy) {
  absl::StatusOr<SubscriptionDeliveryPolicy> policy = ParseSubscriptionDeliveryPolicy(R"({
    "healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 60, "numRetries": 50,
                           "numNoDelayRetries": 3, "numMinDelayRetries": 2,
                           "numMaxDelayRetries": 35, "backoffFunction": "exponential"},
    "throttlePolicy": {"maxReceivesPerSecond": 10},
    "requestPolicy": {"headerContentType": "application/json"}})");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->retry, (RetryPolicy{.min_delay_target = 1,
                                        .max_delay_target = 60,
                                        .num_retries = 50,
                                        .num_no_delay_retries = 3,
                                        .num_min_delay_retries = 2,
                                        .num_max_delay_retries = 35,
                                        .backoff_function = BackoffFunction::kExponential}));
  EXPECT_EQ(policy->max_receives_per_second, 10);
  EXPECT_EQ(policy->header_content_type, "application/json");
}

TEST(DeliveryPolicyTest, ParsesATopicPolicy) {
  absl::StatusOr<TopicDeliveryPolicy> policy = ParseTopicDeliveryPolicy(R"({"http": {
    "defaultHealthyRetryPolicy": {"minDelayTarget": 20.0, "maxDelayTarget": 20, "numRetries": 3,
                                  "numMaxDelayRetries": 0, "numNoDelayRetries": 0,
                                  "numMinDelayRetries": 0, "backoffFunction": "LINEAR"},
    "disableSubscriptionOverrides": true,
    "defaultThrottlePolicy": {"maxReceivesPerSecond": 1},
    "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}}})");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->retry, RetryPolicy{});
  EXPECT_TRUE(policy->disable_subscription_overrides);
  EXPECT_EQ(policy->max_receives_per_second, 1);
  EXPECT_EQ(policy->header_content_type, "text/plain; charset=UTF-8");
  EXPECT_EQ(*ParseTopicDeliveryPolicy(""), TopicDeliveryPolicy{});
  EXPECT_EQ(*ParseTopicDeliveryPolicy("{}"), TopicDeliveryPolicy{});
  EXPECT_EQ(*ParseSubscriptionDeliveryPolicy(" "), SubscriptionDeliveryPolicy{});
}

// Each invalid policy and SNS's message for it.
TEST(DeliveryPolicyTest, RefusesInvalidSubscriptionPolicies) {
  struct Case {
    std::string policy;
    std::string reason;
  };
  const std::string retry = R"("minDelayTarget": 5, "maxDelayTarget": 10, "numRetries": 3)";
  for (const Case& c : std::vector<Case>{
           {"not json", "failed to parse JSON"},
           {"[1]", "failed to parse JSON"},
           {R"({"healthyRetryPolicy": {"numRetries": 5}})",
            "healthyRetryPolicy.minDelayTarget must be specified"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 5, "numRetries": 5}})",
            "healthyRetryPolicy.maxDelayTarget must be specified"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 5, "maxDelayTarget": 5}})",
            "healthyRetryPolicy.numRetries must be specified"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 0, "maxDelayTarget": 0,
                "numRetries": 0}})",
            "healthyRetryPolicy.minDelayTarget must be greater than or equal to 1"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 3601,
                "numRetries": 0}})",
            "healthyRetryPolicy.maxDelayTarget must be less than or equal to 3600"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 10, "maxDelayTarget": 5,
                "numRetries": 1}})",
            "healthyRetryPolicy.minDelayTarget must be less than or equal to "
            "healthyRetryPolicy.maxDelayTarget"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1,
                "numRetries": 101}})",
            "healthyRetryPolicy.numRetries must be less than or equal to 100"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1,
                "numRetries": -1}})",
            "healthyRetryPolicy.numRetries must be greater than or equal to 0"},
           {R"({"healthyRetryPolicy": {)" + retry + R"(, "numNoDelayRetries": -1}})",
            "healthyRetryPolicy.numNoDelayRetries must be greater than or equal to 0"},
           {R"({"healthyRetryPolicy": {)" + retry + R"(, "numNoDelayRetries": 2,
                "numMaxDelayRetries": 2}})",
            "healthyRetryPolicy.numRetries must be greater than or equal to the sum of "
            "numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": "5", "maxDelayTarget": 5,
                "numRetries": 1}})",
            "healthyRetryPolicy.minDelayTarget must be an integer"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 1.5, "maxDelayTarget": 5,
                "numRetries": 1}})",
            "healthyRetryPolicy.minDelayTarget must be an integer"},
           {R"({"healthyRetryPolicy": {)" + retry + R"(, "backoffFunction": "cubic"}})",
            "healthyRetryPolicy.backoffFunction must be one of: linear, arithmetic, geometric, "
            "exponential"},
           {R"({"healthyRetryPolicy": {"minDelayTarget": 3600, "maxDelayTarget": 3600,
                "numRetries": 2}})",
            "healthyRetryPolicy: the retries together must take at most 3600 seconds, not 7200"},
           {R"({"healthyRetryPolicy": {)" + retry + R"(, "extra": 1}})",
            "Unexpected JSON member: extra"},
           {R"({"healthyRetryPolicy": 5})", "healthyRetryPolicy must be a JSON object"},
           {R"({"throttlePolicy": {"maxReceivesPerSecond": 0}})",
            "throttlePolicy.maxReceivesPerSecond must be greater than or equal to 1"},
           {R"({"throttlePolicy": {}})", "throttlePolicy.maxReceivesPerSecond must be specified"},
           {R"({"requestPolicy": {"headerContentType": "image/png"}})",
            "requestPolicy.headerContentType must be one of: application/atom+xml, "
            "application/json, application/octet-stream, application/soap+xml, "
            "application/x-www-form-urlencoded, application/xhtml+xml, application/xml, text/css, "
            "text/csv, text/html, text/plain, text/xml"},
           {R"({"http": {}})", "Unexpected JSON member: http"},
       }) {
    absl::StatusOr<SubscriptionDeliveryPolicy> policy = ParseSubscriptionDeliveryPolicy(c.policy);
    ASSERT_FALSE(policy.ok()) << c.policy;
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(AwsErrorCode(policy.status()), "InvalidParameter");
    EXPECT_EQ(policy.status().message(), "Invalid parameter: DeliveryPolicy: " + c.reason)
        << c.policy;
  }
}

TEST(DeliveryPolicyTest, RefusesInvalidTopicPolicies) {
  struct Case {
    std::string policy;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"healthyRetryPolicy": {}})", "Unexpected JSON member: healthyRetryPolicy"},
           {R"({"http": {"throttlePolicy": {"maxReceivesPerSecond": 1}}})",
            "Unexpected JSON member: throttlePolicy"},
           {R"({"http": {"defaultHealthyRetryPolicy": {"minDelayTarget": 1,
                "maxDelayTarget": 1, "numRetries": 101}}})",
            "http.defaultHealthyRetryPolicy.numRetries must be less than or equal to 100"},
           {R"({"http": {"disableSubscriptionOverrides": "yes"}})",
            "http.disableSubscriptionOverrides must be a boolean"},
           {R"({"http": {"defaultThrottlePolicy": {"maxReceivesPerSecond": -3}}})",
            "http.defaultThrottlePolicy.maxReceivesPerSecond must be greater than or equal to 1"},
       }) {
    absl::StatusOr<TopicDeliveryPolicy> policy = ParseTopicDeliveryPolicy(c.policy);
    ASSERT_FALSE(policy.ok()) << c.policy;
    EXPECT_EQ(policy.status().message(), "Invalid parameter: DeliveryPolicy: " + c.reason)
        << c.policy;
  }
}

TEST(DeliveryPolicyTest, EffectivePolicyLayersTopicAndSubscription) {
  EXPECT_EQ(EffectiveDeliveryPolicy({}, {}), DeliveryPolicy{});
  const RetryPolicy topic_retry{.min_delay_target = 5, .max_delay_target = 5, .num_retries = 1};
  const RetryPolicy own_retry{.min_delay_target = 7, .max_delay_target = 9, .num_retries = 2};
  TopicDeliveryPolicy topic{.retry = topic_retry, .max_receives_per_second = 4};
  SubscriptionDeliveryPolicy subscription{.retry = own_retry,
                                          .header_content_type = "application/json"};
  DeliveryPolicy effective = EffectiveDeliveryPolicy(topic, subscription);
  EXPECT_EQ(effective.retry, own_retry);
  EXPECT_EQ(effective.max_receives_per_second, 4);
  EXPECT_EQ(effective.header_content_type, "application/json");
  topic.disable_subscription_overrides = true;
  effective = EffectiveDeliveryPolicy(topic, subscription);
  EXPECT_EQ(effective.retry, topic_retry);
  EXPECT_EQ(effective.header_content_type, kDefaultContentType);
}

std::vector<int64_t> Delays(const RetryPolicy& policy) {
  std::vector<int64_t> delays;
  for (int retry = 1; retry <= policy.num_retries; ++retry) {
    delays.push_back(RetryDelayMillis(policy, retry));
  }
  return delays;
}

TEST(DeliveryPolicyTest, RetryDelaysFollowThePhases) {
  EXPECT_EQ(Delays(RetryPolicy{}), (std::vector<int64_t>{20'000, 20'000, 20'000}));
  // AWS's example: 3 at once, 2 one second apart, 10 backing off from 1 to 60 s, 35 at 60 s.
  RetryPolicy policy{.min_delay_target = 1,
                     .max_delay_target = 60,
                     .num_retries = 50,
                     .num_no_delay_retries = 3,
                     .num_min_delay_retries = 2,
                     .num_max_delay_retries = 35,
                     .backoff_function = BackoffFunction::kLinear};
  std::vector<int64_t> delays = Delays(policy);
  EXPECT_EQ(std::vector<int64_t>(delays.begin(), delays.begin() + 5),
            (std::vector<int64_t>{0, 0, 0, 1000, 1000}));
  EXPECT_EQ(delays[5], 1000);    // the backoff phase starts at minDelayTarget
  EXPECT_EQ(delays[14], 60000);  // and ends at maxDelayTarget
  for (size_t i = 6; i < 15; ++i) EXPECT_GT(delays[i], delays[i - 1]) << i;
  for (size_t i = 15; i < 50; ++i) EXPECT_EQ(delays[i], 60000) << i;
  // Every backoff function starts at min and ends at max, never outside them.
  for (BackoffFunction function : {BackoffFunction::kLinear, BackoffFunction::kArithmetic,
                                   BackoffFunction::kGeometric, BackoffFunction::kExponential}) {
    policy.backoff_function = function;
    delays = Delays(policy);
    EXPECT_EQ(delays[5], 1000) << BackoffFunctionName(function);
    EXPECT_EQ(delays[14], 60000) << BackoffFunctionName(function);
    for (size_t i = 6; i < 15; ++i) {
      EXPECT_GE(delays[i], delays[i - 1]) << BackoffFunctionName(function) << " " << i;
    }
  }
  EXPECT_EQ(Delays(RetryPolicy{.min_delay_target = 2,
                               .max_delay_target = 20,
                               .num_retries = 4,
                               .backoff_function = BackoffFunction::kExponential}),
            (std::vector<int64_t>{2000, 4000, 8000, 20000}));
  EXPECT_EQ(Delays(RetryPolicy{.min_delay_target = 2,
                               .max_delay_target = 32,
                               .num_retries = 3,
                               .backoff_function = BackoffFunction::kGeometric}),
            (std::vector<int64_t>{2000, 8000, 32000}));
  EXPECT_EQ(Delays(RetryPolicy{.min_delay_target = 2,
                               .max_delay_target = 20,
                               .num_retries = 3,
                               .backoff_function = BackoffFunction::kArithmetic}),
            (std::vector<int64_t>{2000, 6500, 20000}));
}

TEST(DeliveryPolicyTest, JsonForms) {
  EXPECT_EQ(TopicEffectiveDeliveryPolicyJson({}),
            R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,)"
            R"("numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,)"
            R"("numMinDelayRetries":0,"backoffFunction":"linear"},)"
            R"("disableSubscriptionOverrides":false,)"
            R"("defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})");
  EXPECT_EQ(SubscriptionEffectiveDeliveryPolicyJson({}),
            R"({"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,)"
            R"("numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,)"
            R"("backoffFunction":"linear"},"sicklyRetryPolicy":null,"throttlePolicy":null,)"
            R"("guaranteed":false})");
  // What EffectiveDeliveryPolicy says can be set back as a DeliveryPolicy.
  EXPECT_TRUE(ParseSubscriptionDeliveryPolicy(SubscriptionEffectiveDeliveryPolicyJson({})).ok());
  EXPECT_TRUE(ParseTopicDeliveryPolicy(TopicEffectiveDeliveryPolicyJson({})).ok());
  const DeliveryPolicy policy{
      .retry = {.num_retries = 7, .backoff_function = BackoffFunction::kGeometric},
      .max_receives_per_second = 3,
      .header_content_type = "application/json"};
  EXPECT_EQ(*DeliveryPolicyFromJson(DeliveryPolicyToJson(policy)), policy);
}

}  // namespace
}  // namespace serval::sns
