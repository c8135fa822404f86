#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "iam/service_grant.h"

namespace serval::services {

// A message attribute a service sets on what it publishes (a dead-letter message's RequestID,
// ErrorCode and ErrorMessage): SNS's DataType ("String", "Number") and the value.
struct ServiceMessageAttribute {
  std::string name;
  std::string data_type;
  std::string value;
};

// Publishes to SNS topics for another front end (S3's TopicConfigurations), so that it needs
// nothing of SNS's internals. The SNS front end implements it. Runs only on the io thread.
class TopicPublisher {
 public:
  virtual ~TopicPublisher() = default;
  // Whether `request.service` may publish to `topic_arn` (also `request.resource`): the topic
  // exists in this account and region, and its Policy (or SNS's default policy, which admits no
  // service) allows the request.
  virtual bool MayPublish(std::string_view topic_arn, const iam::ServiceRequest& request) const = 0;
  // Publishes `message` with `subject` (and `attributes`) to `topic_arn` as a service does.
  // `settled` hears OK once every delivery it makes is durable, or NotFound when there is no
  // such topic.
  virtual void PublishForService(const std::string& topic_arn, std::string subject,
                                 std::string message,
                                 std::vector<ServiceMessageAttribute> attributes,
                                 std::function<void(absl::Status)> settled) = 0;
};

// Where the SNS front end leaves its publisher when it is created. Front ends are created one
// after another, and requests come only once all exist, so a user reads `publisher` when it
// serves one.
struct TopicPublisherSlot {
  TopicPublisher* publisher = nullptr;
};

}  // namespace serval::services
