#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::sns {

// SNS delivery policies for HTTP/HTTPS subscriptions: the topic's and the subscription's
// DeliveryPolicy attributes, checked as SNS checks them, and the policy that applies to a
// delivery. Thread-safe (pure functions).

// How delays grow across the backoff phase, from minDelayTarget to maxDelayTarget.
enum class BackoffFunction { kLinear, kArithmetic, kGeometric, kExponential };

// healthyRetryPolicy. Delays are in seconds. The retries run in four phases: numNoDelayRetries
// at once, numMinDelayRetries minDelayTarget apart, then the backoff phase (the retries left
// over), then numMaxDelayRetries maxDelayTarget apart.
struct RetryPolicy {
  int min_delay_target = 20;
  int max_delay_target = 20;
  int num_retries = 3;
  int num_no_delay_retries = 0;
  int num_min_delay_retries = 0;
  int num_max_delay_retries = 0;
  BackoffFunction backoff_function = BackoffFunction::kLinear;
  bool operator==(const RetryPolicy&) const = default;
};

// SNS's Content-Type for HTTP/S deliveries when no requestPolicy names one.
inline constexpr std::string_view kDefaultContentType = "text/plain; charset=UTF-8";

// A topic's DeliveryPolicy: its "http" member ({"http": {"defaultHealthyRetryPolicy",
// "disableSubscriptionOverrides", "defaultThrottlePolicy", "defaultRequestPolicy"}}).
struct TopicDeliveryPolicy {
  std::optional<RetryPolicy> retry;
  std::optional<int> max_receives_per_second;
  std::optional<std::string> header_content_type;
  bool disable_subscription_overrides = false;
  bool operator==(const TopicDeliveryPolicy&) const = default;
};

// A subscription's DeliveryPolicy ({"healthyRetryPolicy", "throttlePolicy", "requestPolicy"}).
struct SubscriptionDeliveryPolicy {
  std::optional<RetryPolicy> retry;
  std::optional<int> max_receives_per_second;
  std::optional<std::string> header_content_type;
  bool operator==(const SubscriptionDeliveryPolicy&) const = default;
};

// The policy one delivery follows.
struct DeliveryPolicy {
  RetryPolicy retry;
  std::optional<int> max_receives_per_second;  // none: not throttled
  std::string header_content_type = std::string(kDefaultContentType);
  bool operator==(const DeliveryPolicy&) const = default;
};

// Parse a DeliveryPolicy attribute value. Empty text is no policy. Errors are SNS's
// InvalidParameter, "Invalid parameter: DeliveryPolicy: <reason>", e.g.
// "healthyRetryPolicy.minDelayTarget must be specified" or "Unexpected JSON member: x" (Subscribe
// reports the same reason as "Invalid parameter: Attributes Reason: DeliveryPolicy: <reason>").
// A healthyRetryPolicy needs minDelayTarget, maxDelayTarget and numRetries; 1 <= minDelayTarget
// <= maxDelayTarget <= 3600; 0 <= numRetries <= 100; the phase counts are >= 0 and sum to at most
// numRetries; all its delays together at most 3600 s; maxReceivesPerSecond >= 1; a
// headerContentType one SNS supports. backoffFunction is matched ignoring case.
absl::StatusOr<TopicDeliveryPolicy> ParseTopicDeliveryPolicy(std::string_view text);
absl::StatusOr<SubscriptionDeliveryPolicy> ParseSubscriptionDeliveryPolicy(std::string_view text);

// What applies to a subscription's deliveries: SNS's default (3 retries 20 s apart, no
// throttling, text/plain), each part replaced by the topic's, and then by the subscription's
// unless the topic disables subscription overrides.
DeliveryPolicy EffectiveDeliveryPolicy(const TopicDeliveryPolicy& topic,
                                       const SubscriptionDeliveryPolicy& subscription);

// The wait before retry `retry` (1 for the first retry, up to num_retries), in milliseconds,
// counted from the failure of the attempt before it. AWS gives the backoff phase's endpoints
// (minDelayTarget for its first retry, maxDelayTarget for its last) but not its curves; Serval's
// are, for backoff retry i of n and p = (i - 1) / (n - 1) (0 when n is 1): linear min + (max -
// min) p; arithmetic min + (max - min) p^2; geometric min (max / min)^p; exponential min 2^(i-1)
// capped at max, the last retry at max. SNS adds jitter; Serval does not, so tests can count on
// the times.
int64_t RetryDelayMillis(const RetryPolicy& policy, int retry);

// JSON forms. The subscription attribute EffectiveDeliveryPolicy ({"healthyRetryPolicy",
// "sicklyRetryPolicy": null, "throttlePolicy", "requestPolicy", "guaranteed": false}) and the
// topic attribute EffectiveDeliveryPolicy ({"http": {...}} with SNS's defaults filled in).
std::string SubscriptionEffectiveDeliveryPolicyJson(const DeliveryPolicy& policy);
std::string TopicEffectiveDeliveryPolicyJson(const TopicDeliveryPolicy& policy);

// A DeliveryPolicy as stored in a queued delivery, and back (DataLoss if damaged).
boost::json::object DeliveryPolicyToJson(const DeliveryPolicy& policy);
absl::StatusOr<DeliveryPolicy> DeliveryPolicyFromJson(const boost::json::object& object);

std::string_view BackoffFunctionName(BackoffFunction function);

}  // namespace serval::sns
