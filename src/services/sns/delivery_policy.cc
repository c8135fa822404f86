#include "services/sns/delivery_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "common/aws_error.h"
#include "common/text.h"

namespace serval::sns {
namespace {

namespace json = boost::json;

constexpr int64_t kMaxDelaySeconds = 3600;
constexpr int64_t kMaxRetries = 100;
constexpr int64_t kMaxTotalRetryMillis = 3600 * 1000;

constexpr std::array<std::pair<std::string_view, BackoffFunction>, 4> kBackoffFunctions{{
    {"linear", BackoffFunction::kLinear},
    {"arithmetic", BackoffFunction::kArithmetic},
    {"geometric", BackoffFunction::kGeometric},
    {"exponential", BackoffFunction::kExponential},
}};

// Media types SNS accepts as headerContentType (a "; charset=..." parameter may follow).
constexpr std::array<std::string_view, 12> kContentTypes{"application/atom+xml",
                                                         "application/json",
                                                         "application/octet-stream",
                                                         "application/soap+xml",
                                                         "application/x-www-form-urlencoded",
                                                         "application/xhtml+xml",
                                                         "application/xml",
                                                         "text/css",
                                                         "text/csv",
                                                         "text/html",
                                                         "text/plain",
                                                         "text/xml"};

absl::Status Invalid(std::string_view reason) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameter",
                  fmt::format("Invalid parameter: DeliveryPolicy: {}", reason));
}

// A JSON number with an integral value (20 and 20.0 alike), or nullopt.
std::optional<int64_t> Integer(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    if (value.get_uint64() > uint64_t{std::numeric_limits<int32_t>::max()}) {
      return std::numeric_limits<int32_t>::max();
    }
    return static_cast<int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    const double number = value.get_double();
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 1e9) {
      return static_cast<int64_t>(number);
    }
  }
  return std::nullopt;
}

// The object at `value`, refusing members other than `known` as SNS does.
absl::StatusOr<const json::object*> ObjectOf(const json::value& value, std::string_view path,
                                             std::initializer_list<std::string_view> known) {
  if (!value.is_object()) return Invalid(fmt::format("{} must be a JSON object", path));
  for (const auto& member : value.get_object()) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
      return Invalid(fmt::format("Unexpected JSON member: {}", std::string_view(member.key())));
    }
  }
  return &value.get_object();
}

// A member that is absent or null counts as not given.
const json::value* Member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

// Reads integer member `name` into `out` when present, checking [low, high].
absl::Status ReadBounded(const json::object& object, std::string_view path, std::string_view name,
                         bool required, int64_t low, int64_t high, int* out) {
  const json::value* value = Member(object, name);
  if (value == nullptr) {
    return required ? Invalid(fmt::format("{}.{} must be specified", path, name))
                    : absl::OkStatus();
  }
  const std::optional<int64_t> number = Integer(*value);
  if (!number) return Invalid(fmt::format("{}.{} must be an integer", path, name));
  if (*number < low) {
    return Invalid(fmt::format("{}.{} must be greater than or equal to {}", path, name, low));
  }
  if (*number > high) {
    return Invalid(fmt::format("{}.{} must be less than or equal to {}", path, name, high));
  }
  *out = static_cast<int>(*number);
  return absl::OkStatus();
}

absl::StatusOr<RetryPolicy> ParseRetry(const json::value& value, std::string_view path) {
  absl::StatusOr<const json::object*> object =
      ObjectOf(value, path,
               {"minDelayTarget", "maxDelayTarget", "numRetries", "numNoDelayRetries",
                "numMinDelayRetries", "numMaxDelayRetries", "backoffFunction"});
  if (!object.ok()) return object.status();
  constexpr int64_t kCount = std::numeric_limits<int32_t>::max();
  RetryPolicy policy;
  struct Field {
    std::string_view name;
    bool required;
    int64_t low, high;
    int* out;
  };
  for (const Field& field : {
           Field{"minDelayTarget", true, 1, kMaxDelaySeconds, &policy.min_delay_target},
           Field{"maxDelayTarget", true, 1, kMaxDelaySeconds, &policy.max_delay_target},
           Field{"numRetries", true, 0, kMaxRetries, &policy.num_retries},
           Field{"numNoDelayRetries", false, 0, kCount, &policy.num_no_delay_retries},
           Field{"numMinDelayRetries", false, 0, kCount, &policy.num_min_delay_retries},
           Field{"numMaxDelayRetries", false, 0, kCount, &policy.num_max_delay_retries},
       }) {
    absl::Status read =
        ReadBounded(**object, path, field.name, field.required, field.low, field.high, field.out);
    if (!read.ok()) return read;
  }
  if (policy.min_delay_target > policy.max_delay_target) {
    return Invalid(fmt::format("{}.minDelayTarget must be less than or equal to {}.maxDelayTarget",
                               path, path));
  }
  if (int64_t{policy.num_no_delay_retries} + policy.num_min_delay_retries +
          policy.num_max_delay_retries >
      policy.num_retries) {
    return Invalid(
        fmt::format("{}.numRetries must be greater than or equal to the sum of numNoDelayRetries, "
                    "numMinDelayRetries and numMaxDelayRetries",
                    path));
  }
  if (const json::value* backoff = Member(**object, "backoffFunction")) {
    const std::string name =
        backoff->is_string() ? AsciiToLower(std::string_view(backoff->get_string())) : "";
    const auto* found = std::find_if(kBackoffFunctions.begin(), kBackoffFunctions.end(),
                                     [&name](const auto& entry) { return entry.first == name; });
    if (found == kBackoffFunctions.end()) {
      return Invalid(fmt::format(
          "{}.backoffFunction must be one of: linear, arithmetic, geometric, exponential", path));
    }
    policy.backoff_function = found->second;
  }
  int64_t total = 0;
  for (int retry = 1; retry <= policy.num_retries; ++retry) {
    total += RetryDelayMillis(policy, retry);
  }
  if (total > kMaxTotalRetryMillis) {
    return Invalid(fmt::format("{}: the retries together must take at most {} seconds, not {}",
                               path, kMaxDelaySeconds, (total + 999) / 1000));
  }
  return policy;
}

absl::StatusOr<int> ParseThrottle(const json::value& value, std::string_view path) {
  absl::StatusOr<const json::object*> object = ObjectOf(value, path, {"maxReceivesPerSecond"});
  if (!object.ok()) return object.status();
  int rate = 0;
  absl::Status read = ReadBounded(**object, path, "maxReceivesPerSecond", true, 1,
                                  std::numeric_limits<int32_t>::max(), &rate);
  if (!read.ok()) return read;
  return rate;
}

absl::StatusOr<std::string> ParseRequest(const json::value& value, std::string_view path) {
  absl::StatusOr<const json::object*> object = ObjectOf(value, path, {"headerContentType"});
  if (!object.ok()) return object.status();
  const json::value* type = Member(**object, "headerContentType");
  if (type == nullptr) return Invalid(fmt::format("{}.headerContentType must be specified", path));
  const std::string text = type->is_string() ? std::string(type->get_string()) : "";
  const std::string media =
      AsciiToLower(TrimBlanks(std::string_view(text).substr(0, text.find(';'))));
  if (std::find(kContentTypes.begin(), kContentTypes.end(), media) == kContentTypes.end()) {
    return Invalid(fmt::format("{}.headerContentType must be one of: {}", path,
                               fmt::join(kContentTypes, ", ")));
  }
  return text;
}

// Parses `text` as a JSON object (no document: nullptr).
absl::StatusOr<std::optional<json::value>> ParseDocument(std::string_view text) {
  if (TrimBlanks(text).empty()) return std::nullopt;
  boost::system::error_code error;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), error);
  if (error || !parsed.is_object()) return Invalid("failed to parse JSON");
  return parsed;
}

// The retry, throttle and request members of a topic's "http" object or of a subscription's
// policy, named by `names` (retry, throttle, request).
template <typename Policy>
absl::Status ParseParts(const json::object& object, std::string_view prefix,
                        const std::array<std::string_view, 3>& names, Policy& policy) {
  if (const json::value* retry = Member(object, names[0])) {
    absl::StatusOr<RetryPolicy> parsed = ParseRetry(*retry, fmt::format("{}{}", prefix, names[0]));
    if (!parsed.ok()) return parsed.status();
    policy.retry = *parsed;
  }
  if (const json::value* throttle = Member(object, names[1])) {
    absl::StatusOr<int> parsed = ParseThrottle(*throttle, fmt::format("{}{}", prefix, names[1]));
    if (!parsed.ok()) return parsed.status();
    policy.max_receives_per_second = *parsed;
  }
  if (const json::value* request = Member(object, names[2])) {
    absl::StatusOr<std::string> parsed =
        ParseRequest(*request, fmt::format("{}{}", prefix, names[2]));
    if (!parsed.ok()) return parsed.status();
    policy.header_content_type = *parsed;
  }
  return absl::OkStatus();
}

json::object RetryJson(const RetryPolicy& policy) {
  return json::object{{"minDelayTarget", policy.min_delay_target},
                      {"maxDelayTarget", policy.max_delay_target},
                      {"numRetries", policy.num_retries},
                      {"numMaxDelayRetries", policy.num_max_delay_retries},
                      {"numNoDelayRetries", policy.num_no_delay_retries},
                      {"numMinDelayRetries", policy.num_min_delay_retries},
                      {"backoffFunction", BackoffFunctionName(policy.backoff_function)}};
}

}  // namespace

std::string_view BackoffFunctionName(BackoffFunction function) {
  for (const auto& [name, value] : kBackoffFunctions) {
    if (value == function) return name;
  }
  return "linear";
}

absl::StatusOr<TopicDeliveryPolicy> ParseTopicDeliveryPolicy(std::string_view text) {
  absl::StatusOr<std::optional<json::value>> document = ParseDocument(text);
  if (!document.ok()) return document.status();
  TopicDeliveryPolicy policy;
  if (!*document) return policy;
  absl::StatusOr<const json::object*> top = ObjectOf(**document, "DeliveryPolicy", {"http"});
  if (!top.ok()) return top.status();
  const json::value* http = Member(**top, "http");
  if (http == nullptr) return policy;
  absl::StatusOr<const json::object*> object =
      ObjectOf(*http, "http",
               {"defaultHealthyRetryPolicy", "disableSubscriptionOverrides",
                "defaultThrottlePolicy", "defaultRequestPolicy", "defaultSicklyRetryPolicy"});
  if (!object.ok()) return object.status();
  absl::Status parts = ParseParts(
      **object, "http.",
      {"defaultHealthyRetryPolicy", "defaultThrottlePolicy", "defaultRequestPolicy"}, policy);
  if (!parts.ok()) return parts;
  if (const json::value* disable = Member(**object, "disableSubscriptionOverrides")) {
    if (!disable->is_bool()) {
      return Invalid("http.disableSubscriptionOverrides must be a boolean");
    }
    policy.disable_subscription_overrides = disable->get_bool();
  }
  return policy;
}

absl::StatusOr<SubscriptionDeliveryPolicy> ParseSubscriptionDeliveryPolicy(std::string_view text) {
  absl::StatusOr<std::optional<json::value>> document = ParseDocument(text);
  if (!document.ok()) return document.status();
  SubscriptionDeliveryPolicy policy;
  if (!*document) return policy;
  // sicklyRetryPolicy and guaranteed appear in EffectiveDeliveryPolicy, so a policy copied from
  // it carries them; they change nothing here.
  absl::StatusOr<const json::object*> object = ObjectOf(
      **document, "DeliveryPolicy",
      {"healthyRetryPolicy", "throttlePolicy", "requestPolicy", "sicklyRetryPolicy", "guaranteed"});
  if (!object.ok()) return object.status();
  absl::Status parts =
      ParseParts(**object, "", {"healthyRetryPolicy", "throttlePolicy", "requestPolicy"}, policy);
  if (!parts.ok()) return parts;
  return policy;
}

DeliveryPolicy EffectiveDeliveryPolicy(const TopicDeliveryPolicy& topic,
                                       const SubscriptionDeliveryPolicy& subscription) {
  DeliveryPolicy policy;
  const auto apply = [&policy](const auto& layer) {
    if (layer.retry) policy.retry = *layer.retry;
    if (layer.max_receives_per_second) {
      policy.max_receives_per_second = layer.max_receives_per_second;
    }
    if (layer.header_content_type) policy.header_content_type = *layer.header_content_type;
  };
  apply(topic);
  if (!topic.disable_subscription_overrides) apply(subscription);
  return policy;
}

int64_t RetryDelayMillis(const RetryPolicy& policy, int retry) {
  const double low = policy.min_delay_target;
  const double high = policy.max_delay_target;
  const auto millis = [](double seconds) { return std::llround(seconds * 1000); };
  int k = retry;
  if (k <= policy.num_no_delay_retries) return 0;
  k -= policy.num_no_delay_retries;
  if (k <= policy.num_min_delay_retries) return millis(low);
  k -= policy.num_min_delay_retries;
  const int n = policy.num_retries - policy.num_no_delay_retries - policy.num_min_delay_retries -
                policy.num_max_delay_retries;
  if (k > n) return millis(high);  // post-backoff
  const double p = n <= 1 ? 0.0 : static_cast<double>(k - 1) / (n - 1);
  switch (policy.backoff_function) {
    case BackoffFunction::kLinear:
      return millis(low + (high - low) * p);
    case BackoffFunction::kArithmetic:
      return millis(low + (high - low) * p * p);
    case BackoffFunction::kGeometric:  // a policy that passed parsing has low >= 1
      return millis(low > 0 ? low * std::pow(high / low, p) : high * p);
    case BackoffFunction::kExponential:
      if (n > 1 && k == n) return millis(high);
      return millis(k > 32 ? high : std::min(high, std::ldexp(low, k - 1)));
  }
  return millis(high);
}

std::string SubscriptionEffectiveDeliveryPolicyJson(const DeliveryPolicy& policy) {
  json::object out{{"healthyRetryPolicy", RetryJson(policy.retry)},
                   {"sicklyRetryPolicy", nullptr},
                   {"throttlePolicy", nullptr}};
  if (policy.max_receives_per_second) {
    out["throttlePolicy"] = json::object{{"maxReceivesPerSecond", *policy.max_receives_per_second}};
  }
  if (policy.header_content_type != kDefaultContentType) {
    out["requestPolicy"] = json::object{{"headerContentType", policy.header_content_type}};
  }
  out["guaranteed"] = false;
  return json::serialize(out);
}

std::string TopicEffectiveDeliveryPolicyJson(const TopicDeliveryPolicy& policy) {
  json::object http{{"defaultHealthyRetryPolicy", RetryJson(policy.retry.value_or(RetryPolicy{}))},
                    {"disableSubscriptionOverrides", policy.disable_subscription_overrides}};
  if (policy.max_receives_per_second) {
    http["defaultThrottlePolicy"] =
        json::object{{"maxReceivesPerSecond", *policy.max_receives_per_second}};
  }
  http["defaultRequestPolicy"] = json::object{
      {"headerContentType", policy.header_content_type.value_or(std::string(kDefaultContentType))}};
  return json::serialize(json::object{{"http", std::move(http)}});
}

json::object DeliveryPolicyToJson(const DeliveryPolicy& policy) {
  json::object out{{"healthyRetryPolicy", RetryJson(policy.retry)},
                   {"headerContentType", policy.header_content_type}};
  if (policy.max_receives_per_second) {
    out["maxReceivesPerSecond"] = *policy.max_receives_per_second;
  }
  return out;
}

absl::StatusOr<DeliveryPolicy> DeliveryPolicyFromJson(const json::object& object) {
  const json::value* retry = object.if_contains("healthyRetryPolicy");
  const json::value* content_type = object.if_contains("headerContentType");
  if (retry == nullptr || content_type == nullptr || !content_type->is_string()) {
    return absl::DataLossError("a queued delivery's policy lacks a field");
  }
  absl::StatusOr<RetryPolicy> parsed = ParseRetry(*retry, "healthyRetryPolicy");
  if (!parsed.ok()) return absl::DataLossError("a queued delivery's retry policy is damaged");
  DeliveryPolicy policy{.retry = *parsed,
                        .header_content_type = std::string(content_type->get_string())};
  if (const json::value* rate = object.if_contains("maxReceivesPerSecond")) {
    const std::optional<int64_t> number = Integer(*rate);
    if (!number || *number < 1) return absl::DataLossError("a queued delivery's rate is damaged");
    policy.max_receives_per_second = static_cast<int>(*number);
  }
  return policy;
}

}  // namespace serval::sns
