#include "services/sns/attributes.h"

#include <boost/json.hpp>
#include <set>

#include "fmt/format.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/sns_errors.h"

namespace serval::sns {
namespace {

namespace json = boost::json;

// Topic attributes a client may set, besides those with rules of their own below.
const std::set<std::string_view>& FreeTopicAttributes() {
  static const auto* kNames = new std::set<std::string_view>{
      "DisplayName",          "KmsMasterKeyId",      "ArchivePolicy",
      "DataProtectionPolicy", "FifoThroughputScope",
  };
  return *kNames;
}

// The delivery status logging attributes: {Protocol}{Success|Failure}Feedback...
bool IsFeedbackAttribute(std::string_view name) {
  for (std::string_view protocol : {"Application", "Firehose", "HTTP", "Lambda", "SQS"}) {
    if (!name.starts_with(protocol)) continue;
    const std::string_view rest = name.substr(protocol.size());
    if (rest == "SuccessFeedbackRoleArn" || rest == "SuccessFeedbackSampleRate" ||
        rest == "FailureFeedbackRoleArn") {
      return true;
    }
  }
  return false;
}

bool IsJsonObject(std::string_view text) {
  boost::system::error_code error;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), error);
  return !error && parsed.is_object();
}

bool IsBoolean(std::string_view value) { return value == "true" || value == "false"; }

}  // namespace

absl::Status CheckTopicAttribute(std::string_view name, std::string_view value, bool creating,
                                 bool fifo) {
  if (name == "Policy") {
    if (!IsJsonObject(value)) return InvalidParameter("Policy Error: failed to parse JSON");
    return absl::OkStatus();
  }
  if (name == "DeliveryPolicy") return ParseTopicDeliveryPolicy(value).status();
  if (name == "SignatureVersion") {
    if (value != "1" && value != "2") {
      return InvalidParameter("Attributes Reason: SignatureVersion: Invalid value [" +
                              std::string(value) + "]. Must be 1 or 2");
    }
    return absl::OkStatus();
  }
  if (name == "TracingConfig") {
    if (value != "Active" && value != "PassThrough") {
      return InvalidParameter("Attributes Reason: TracingConfig: Invalid value [" +
                              std::string(value) + "]. Must be Active or PassThrough");
    }
    return absl::OkStatus();
  }
  if (name == "FifoTopic") {
    if (!creating) return InvalidParameter("AttributeName");
    if (!IsBoolean(value)) return InvalidParameter("Attributes Reason: FifoTopic");
    return absl::OkStatus();
  }
  if (name == "ContentBasedDeduplication") {
    if (!IsBoolean(value)) return InvalidParameter("Attributes Reason: ContentBasedDeduplication");
    if (!fifo && value == "true") {
      return InvalidParameter(
          "Attributes Reason: Content-based deduplication can only be set for FIFO topics");
    }
    return absl::OkStatus();
  }
  if (FreeTopicAttributes().contains(name) || IsFeedbackAttribute(name)) {
    return absl::OkStatus();
  }
  return InvalidParameter("AttributeName");
}

std::string DefaultTopicPolicy(std::string_view topic_arn, std::string_view account_id) {
  json::object statement{
      {"Sid", "__default_statement_ID"},
      {"Effect", "Allow"},
      {"Principal", json::object{{"AWS", "*"}}},
      {"Action", json::array{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes",
                             "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic",
                             "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"}},
      {"Resource", topic_arn},
      {"Condition", json::object{{"StringEquals", json::object{{"AWS:SourceOwner", account_id}}}}},
  };
  return json::serialize(json::object{{"Version", "2008-10-17"},
                                      {"Id", "__default_policy_ID"},
                                      {"Statement", json::array{std::move(statement)}}});
}

Attributes TopicAttributesView(const Topic& topic, const TopicStore& topics,
                               const AccountContext& account) {
  Attributes view = topic.attributes;
  size_t confirmed = 0;
  size_t pending = 0;
  for (const Subscription* subscription : topics.SubscriptionsOf(topic.arn)) {
    (subscription->pending_confirmation ? pending : confirmed) += 1;
  }
  view["TopicArn"] = topic.arn;
  view["Owner"] = account.account_id;
  view["SubscriptionsConfirmed"] = std::to_string(confirmed);
  view["SubscriptionsPending"] = std::to_string(pending);
  view["SubscriptionsDeleted"] = "0";
  view.try_emplace("DisplayName", "");
  view.try_emplace("Policy", DefaultTopicPolicy(topic.arn, account.account_id));
  auto delivery = topic.attributes.find("DeliveryPolicy");
  view["EffectiveDeliveryPolicy"] = TopicEffectiveDeliveryPolicyJson(
      delivery == topic.attributes.end()
          ? TopicDeliveryPolicy{}
          : ParseTopicDeliveryPolicy(delivery->second).value_or(TopicDeliveryPolicy{}));
  if (topic.fifo()) {
    view.try_emplace("FifoTopic", "true");
    view.try_emplace("ContentBasedDeduplication", "false");
  }
  return view;
}

absl::Status CheckSubscriptionAttribute(std::string_view name, std::string_view value,
                                        std::string_view protocol) {
  if (name == "RawMessageDelivery") {
    if (!IsBoolean(value)) {
      return InvalidParameter(
          fmt::format("Attributes Reason: RawMessageDelivery: Invalid value [{}]. Must be true "
                      "or false.",
                      value));
    }
    if (value == "true" && protocol != "http" && protocol != "https") {
      return InvalidParameter(fmt::format(
          "Attributes Reason: Delivery protocol [{}] does not support raw message delivery.",
          protocol));
    }
    return absl::OkStatus();
  }
  if (name == "FilterPolicyScope") {
    if (value != "MessageAttributes" && value != "MessageBody") {
      return InvalidParameter(
          fmt::format("FilterPolicyScope: Invalid value [{}]. Please use either MessageBody or "
                      "MessageAttributes",
                      value));
    }
    return absl::OkStatus();
  }
  if (name == "DeliveryPolicy") {
    if (protocol != "http" && protocol != "https") {
      return InvalidParameter(fmt::format(
          "DeliveryPolicy: Delivery protocol [{}] does not support delivery policies.", protocol));
    }
    return ParseSubscriptionDeliveryPolicy(value).status();
  }
  if (name == "RedrivePolicy") {
    if (!IsJsonObject(value)) return InvalidParameter("RedrivePolicy: failed to parse JSON.");
    return absl::OkStatus();
  }
  if (name == "FilterPolicy" || name == "SubscriptionRoleArn") return absl::OkStatus();
  return InvalidParameter("AttributeName");
}

Attributes SubscriptionAttributesView(const Subscription& subscription) {
  Attributes view = subscription.attributes;
  view["SubscriptionArn"] = subscription.arn;
  view["TopicArn"] = subscription.topic_arn;
  view["Owner"] = subscription.owner;
  view["Protocol"] = subscription.protocol;
  view["Endpoint"] = subscription.endpoint;
  view["PendingConfirmation"] = subscription.pending_confirmation ? "true" : "false";
  view["ConfirmationWasAuthenticated"] = subscription.confirmation_authenticated ? "true" : "false";
  view.try_emplace("RawMessageDelivery", "false");
  if (view.contains("FilterPolicy")) view.try_emplace("FilterPolicyScope", "MessageAttributes");
  return view;
}

}  // namespace serval::sns
