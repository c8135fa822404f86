#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/sns/delivery_policy.h"

namespace serval::sns {

// One message for an HTTP/HTTPS subscription: the POST to make and the policy for retrying it.
// Thread-compatible.
struct HttpDelivery {
  std::string endpoint;  // the subscription's http:// or https:// URL
  // Sent as given (SnsHttpHeaders makes SNS's); Host, Content-Length and Connection are added.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  DeliveryPolicy policy;
  // Where it comes from, for logs and the per-subscription throttle.
  std::string topic_arn;
  std::string subscription_arn;
  std::string message_id;
};

// The headers SNS sends with each POST: x-amz-sns-message-type, x-amz-sns-message-id,
// x-amz-sns-topic-arn, x-amz-sns-subscription-arn (when not empty: confirmations have none),
// Content-Type (the policy's headerContentType) and User-Agent "Amazon Simple Notification Service
// Agent".
std::vector<std::pair<std::string, std::string>> SnsHttpHeaders(std::string_view message_type,
                                                                std::string_view message_id,
                                                                std::string_view topic_arn,
                                                                std::string_view subscription_arn,
                                                                std::string_view content_type);

// A delivery as it waits in the durable queue: everything but the body (the queue's payload),
// and how far its retries have come. Format: docs/formats.md ("SNS HTTP/S deliveries").
struct QueuedDelivery {
  HttpDelivery delivery;  // body empty
  int failed_attempts = 0;
  int64_t enqueued_millis = 0;
  int64_t next_attempt_millis = 0;
};

std::string EncodeQueuedDelivery(const QueuedDelivery& queued);
// DataLoss when the record is not one EncodeQueuedDelivery wrote.
absl::StatusOr<QueuedDelivery> DecodeQueuedDelivery(std::string_view metadata);

}  // namespace serval::sns
