#include "services/sns/delivery_record.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace serval::sns {
namespace {

namespace json = boost::json;

constexpr int64_t kFormatVersion = 1;

}  // namespace

std::vector<std::pair<std::string, std::string>> SnsHttpHeaders(std::string_view message_type,
                                                                std::string_view message_id,
                                                                std::string_view topic_arn,
                                                                std::string_view subscription_arn,
                                                                std::string_view content_type) {
  std::vector<std::pair<std::string, std::string>> headers{
      {"x-amz-sns-message-type", std::string(message_type)},
      {"x-amz-sns-message-id", std::string(message_id)},
      {"x-amz-sns-topic-arn", std::string(topic_arn)}};
  if (!subscription_arn.empty()) {
    headers.emplace_back("x-amz-sns-subscription-arn", std::string(subscription_arn));
  }
  headers.emplace_back("Content-Type", std::string(content_type));
  headers.emplace_back("User-Agent", "Amazon Simple Notification Service Agent");
  return headers;
}

std::string EncodeQueuedDelivery(const QueuedDelivery& queued) {
  const HttpDelivery& delivery = queued.delivery;
  json::array headers;
  for (const auto& [name, value] : delivery.headers) headers.push_back(json::array{name, value});
  return json::serialize(json::object{{"v", kFormatVersion},
                                      {"endpoint", delivery.endpoint},
                                      {"headers", std::move(headers)},
                                      {"policy", DeliveryPolicyToJson(delivery.policy)},
                                      {"topic_arn", delivery.topic_arn},
                                      {"subscription_arn", delivery.subscription_arn},
                                      {"message_id", delivery.message_id},
                                      {"failed_attempts", queued.failed_attempts},
                                      {"enqueued_millis", queued.enqueued_millis},
                                      {"next_attempt_millis", queued.next_attempt_millis}});
}

absl::StatusOr<QueuedDelivery> DecodeQueuedDelivery(std::string_view metadata) {
  absl::StatusOr<json::object> parsed = ParseStoredObject(metadata);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  const auto damaged = [](std::string_view what) {
    return absl::DataLossError("queued SNS delivery: " + std::string(what));
  };
  if (IntMember(in, "v", 0) != kFormatVersion) return damaged("unknown format version");
  QueuedDelivery queued;
  HttpDelivery& delivery = queued.delivery;
  delivery.endpoint = StringMember(in, "endpoint");
  if (delivery.endpoint.empty()) return damaged("no endpoint");
  delivery.topic_arn = StringMember(in, "topic_arn");
  delivery.subscription_arn = StringMember(in, "subscription_arn");
  delivery.message_id = StringMember(in, "message_id");
  const json::value* headers = in.if_contains("headers");
  if (headers == nullptr || !headers->is_array()) return damaged("no headers");
  for (const json::value& header : headers->get_array()) {
    const json::array* pair = header.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() ||
        !(*pair)[1].is_string()) {
      return damaged("a malformed header");
    }
    delivery.headers.emplace_back(std::string((*pair)[0].get_string()),
                                  std::string((*pair)[1].get_string()));
  }
  const json::value* policy = in.if_contains("policy");
  if (policy == nullptr || !policy->is_object()) return damaged("no policy");
  absl::StatusOr<DeliveryPolicy> decoded = DeliveryPolicyFromJson(policy->get_object());
  if (!decoded.ok()) return decoded.status();
  delivery.policy = *decoded;
  queued.failed_attempts = static_cast<int>(IntMember(in, "failed_attempts", -1));
  queued.enqueued_millis = IntMember(in, "enqueued_millis", -1);
  queued.next_attempt_millis = IntMember(in, "next_attempt_millis", -1);
  if (queued.failed_attempts < 0 || queued.enqueued_millis < 0 || queued.next_attempt_millis < 0) {
    return damaged("no retry state");
  }
  return queued;
}

}  // namespace serval::sns
