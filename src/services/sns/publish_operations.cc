// SNS's Publish and PublishBatch, and the fan-out of a message to its topic's subscriptions.

#include <algorithm>
#include <cctype>
#include <set>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/text.h"
#include "fmt/format.h"
#include "invoker/invoker.h"
#include "protocol/xml.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/resource_policy.h"
#include "services/sns/attributes.h"
#include "services/sns/filter_policy.h"
#include "services/sns/sns_errors.h"
#include "services/sns/sns_service.h"
#include "storage/offload.h"

namespace serval::sns {
namespace {

using protocol::Caller;
using protocol::QueryRequest;

// A message and its attributes may hold 256 KiB in all; a batch as much in all.
constexpr size_t kMaxMessageBytes = 256 * 1024;
constexpr size_t kMaxBatchEntries = 10;
constexpr std::string_view kSnsPrincipal = "sns.amazonaws.com";

std::optional<std::string> Field(const std::map<std::string, std::string>& fields,
                                 const std::string& name) {
  auto found = fields.find(name);
  if (found == fields.end()) return std::nullopt;
  return found->second;
}

// A Subject SNS accepts: 1 to 100 printable ASCII characters, no line breaks.
bool IsValidSubject(std::string_view subject) {
  return !subject.empty() && subject.size() <= 100 &&
         std::all_of(subject.begin(), subject.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool IsBatchEntryId(std::string_view id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::string PublishResultXml(const Message& message, protocol::XmlWriter& xml) {
  xml.Element("MessageId", message.id);
  if (!message.sequence_number.empty()) xml.Element("SequenceNumber", message.sequence_number);
  return xml.Take();
}

}  // namespace

absl::StatusOr<Message> SnsService::ReadMessage(const std::map<std::string, std::string>& fields,
                                                const Topic& topic) {
  Message message{.id = NewUuid(), .topic_arn = topic.arn};
  const std::string text = Field(fields, "Message").value_or("");
  if (text.empty()) return InvalidParameter("Empty message");
  if (std::optional<std::string> subject = Field(fields, "Subject")) {
    if (!IsValidSubject(*subject)) return InvalidParameter("Subject");
    message.subject = std::move(subject);
  }
  if (std::optional<std::string> structure = Field(fields, "MessageStructure")) {
    if (*structure != "json") return InvalidParameter("MessageStructure");
    if (absl::Status status = ParseStructuredMessage(text, message); !status.ok()) return status;
  } else {
    message.body = text;
  }
  absl::StatusOr<MessageAttributes> attributes =
      ParseMessageAttributes(fields, "MessageAttributes");
  if (!attributes.ok()) return attributes.status();
  message.attributes = *std::move(attributes);
  if (text.size() + AttributesSize(message.attributes) > kMaxMessageBytes) {
    return InvalidParameter("Message too long");
  }
  message.group_id = Field(fields, "MessageGroupId").value_or("");
  message.deduplication_id = Field(fields, "MessageDeduplicationId").value_or("");
  if (!topic.fifo()) {
    if (!message.deduplication_id.empty()) {
      return InvalidParameter(
          "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter "
          "that is not valid for this topic type");
    }
    if (!message.group_id.empty()) {
      return InvalidParameter(
          "MessageGroupId Reason: The request includes MessageGroupId parameter that is not "
          "valid for this topic type");
    }
  } else {
    if (message.group_id.empty()) {
      return InvalidParameter("The MessageGroupId parameter is required for FIFO topics");
    }
    if (message.deduplication_id.empty()) {
      auto content_based = topic.attributes.find("ContentBasedDeduplication");
      if (content_based == topic.attributes.end() || content_based->second != "true") {
        return InvalidParameter(
            "The topic should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly");
      }
      message.deduplication_id = Base64Encode(Sha256(text));
    }
  }
  message.timestamp_millis = deps_.clock->NowMillis();
  return message;
}

void SnsService::Publish(const QueryRequest& request, const Caller&, Reply reply) {
  if (request.Get("PhoneNumber")) {
    return reply(InvalidParameter("PhoneNumber Reason: Serval does not send SMS messages"));
  }
  const bool by_target = !request.Get("TopicArn") && request.Get("TargetArn");
  absl::StatusOr<const Topic*> topic = TopicNamed(request, by_target ? "TargetArn" : "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  absl::StatusOr<Message> message = ReadMessage(request.parameters, **topic);
  if (!message.ok()) return reply(message.status());
  if (std::optional<Message> earlier = Deduplicate(*message)) {
    protocol::XmlWriter xml;
    return reply(PublishResultXml(*earlier, xml));
  }
  protocol::XmlWriter xml;
  std::string answer = PublishResultXml(*message, xml);
  FanOut(*message, [reply = std::move(reply), answer = std::move(answer)] { reply(answer); });
}

void SnsService::PublishBatch(const QueryRequest& request, const Caller&, Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  auto entries = protocol::QueryMembers(request.parameters, "PublishBatchRequestEntries.member");
  if (entries.empty()) {
    return reply(
        ClientError("EmptyBatchRequest", "The batch request doesn't contain any entries."));
  }
  if (entries.size() > kMaxBatchEntries) {
    return reply(ClientError("TooManyEntriesInBatchRequest",
                             "The batch request contains more entries than permissible."));
  }
  std::set<std::string> ids;
  size_t total_bytes = 0;
  for (auto& [index, fields] : entries) {
    const std::string& id = fields["Id"];
    if (!IsBatchEntryId(id)) {
      return reply(ClientError("InvalidBatchEntryId",
                               "A batch entry id can only contain alphanumeric characters, "
                               "hyphens and underscores. It can be at most 80 letters long."));
    }
    if (!ids.insert(id).second) {
      return reply(ClientError("BatchEntryIdsNotDistinct",
                               "Two or more batch entries in the request have the same Id."));
    }
    total_bytes += fields["Message"].size();
  }
  if (total_bytes > kMaxMessageBytes) {
    return reply(
        ClientError("BatchRequestTooLong",
                    "The length of all the messages put together is more than the limit."));
  }
  // Every entry is checked before any is sent: one malformed entry fails the whole request.
  std::vector<std::pair<std::string, Message>> messages;
  for (auto& [index, fields] : entries) {
    absl::StatusOr<Message> message = ReadMessage(fields, **topic);
    if (!message.ok()) return reply(message.status());
    messages.emplace_back(fields["Id"], *std::move(message));
  }
  protocol::XmlWriter xml;
  xml.Open("Successful");
  auto pending = std::make_shared<size_t>(1);
  auto answer = std::make_shared<std::string>();
  auto settle = [pending, answer, reply = std::move(reply)] {
    if (--*pending == 0) reply(*answer);
  };
  for (auto& [id, message] : messages) {
    const std::optional<Message> earlier = Deduplicate(message);
    const Message& answered = earlier ? *earlier : message;
    xml.Open("member").Element("Id", id).Element("MessageId", answered.id);
    if (!answered.sequence_number.empty()) {
      xml.Element("SequenceNumber", answered.sequence_number);
    }
    xml.Close("member");
    if (earlier) continue;
    ++*pending;
    FanOut(message, settle);
  }
  xml.Close("Successful").Open("Failed").Close("Failed");
  *answer = xml.Take();
  settle();
}

std::optional<Message> SnsService::Deduplicate(Message& message) {
  if (message.group_id.empty()) return std::nullopt;  // not a FIFO topic
  const int64_t now = message.timestamp_millis;
  // Forget what left the five-minute window.
  while (!recent_.empty() && recent_.front().first + kDeduplicationWindowMillis <= now) {
    deduplication_.erase(recent_.front().second);
    recent_.pop_front();
  }
  const std::string key = message.topic_arn + "\n" + message.deduplication_id;
  if (auto found = deduplication_.find(key); found != deduplication_.end()) return found->second;
  message.sequence_number = fmt::format("{:020}", ++sequence_);
  deduplication_.emplace(key, message);
  recent_.emplace_back(now, key);
  return std::nullopt;
}

bool SnsService::MayPublish(std::string_view topic_arn,
                            const iam::ServiceRequest& request) const {
  const Topic* topic = topics_->FindTopic(topic_arn);
  if (topic == nullptr) return false;
  auto policy = topic->attributes.find("Policy");
  return PolicyAllowsService(policy == topic->attributes.end()
                                 ? DefaultTopicPolicy(topic->arn, deps_.account.account_id)
                                 : policy->second,
                             request);
}

void SnsService::PublishForService(const std::string& topic_arn, std::string subject,
                                   std::string message,
                                   std::vector<services::ServiceMessageAttribute> attributes,
                                   std::function<void(absl::Status)> settled) {
  if (topics_->FindTopic(topic_arn) == nullptr) return settled(TopicNotFound());
  Message published{.id = NewUuid(),
                    .topic_arn = topic_arn,
                    .body = std::move(message),
                    .subject = std::move(subject),
                    .timestamp_millis = deps_.clock->NowMillis()};
  for (auto& attribute : attributes) {
    published.attributes[attribute.name] = {.data_type = std::move(attribute.data_type),
                                            .value = std::move(attribute.value)};
  }
  FanOut(published, [settled = std::move(settled)] { settled(absl::OkStatus()); });
}

void SnsService::FanOut(const Message& message, std::function<void()> settled) {
  ++published_;
  // Who gets the message: decided now, against the subscriptions and filters of this moment.
  FilterInput input(message);
  std::vector<Subscription> recipients;
  std::set<std::string, std::less<>> to_sign;  // the protocols whose body must be signed
  const std::string source = "sns:" + message.topic_arn;
  for (const Subscription* subscription : topics_->SubscriptionsOf(message.topic_arn)) {
    if (subscription->pending_confirmation) continue;
    if (auto filter = filters_.find(subscription->arn);
        filter != filters_.end() && (!filter->second || !input.Accepts(*filter->second))) {
      continue;
    }
    ++deliveries_;
    if (subscription->protocol == "lambda") {
      if (absl::Status allowed = MayInvoke(*subscription); !allowed.ok()) {
        deps_.invoker->ReportUndeliverable(source, subscription->endpoint, allowed);
        continue;
      }
    }
    if (!IsRawDelivery(*subscription)) to_sign.insert(subscription->protocol);
    recipients.push_back(*subscription);
  }
  if (recipients.empty()) return settled();
  auto deliver = [this, message, recipients = std::move(recipients),
                  settled = std::move(settled)](const Signatures& signatures) {
    Deliver(message, recipients, signatures, settled);
  };
  if (to_sign.empty()) return deliver({});
  // RSA signing (~0.7 ms a body) runs on the signing thread, not the io thread.
  storage::Offload(
      sign_worker_, deps_.post_to_io,
      [signer = delivery_.signer, message, to_sign = std::move(to_sign),
       version = SignatureVersionOf(message.topic_arn)] {
        Signatures signatures;
        for (const std::string& protocol : to_sign) {
          signatures[protocol] = {
              version, SignMessage(signer, NotificationFields(message, protocol), version)};
        }
        return signatures;
      },
      std::move(deliver));
}

void SnsService::Deliver(const Message& message, const std::vector<Subscription>& recipients,
                         const Signatures& signatures, const std::function<void()>& settled) {
  // One count for each delivery handed over, plus one for this loop.
  auto pending = std::make_shared<size_t>(1);
  auto settle = [pending, settled] {
    if (--*pending == 0) settled();
  };
  const std::string source = "sns:" + message.topic_arn;
  for (const Subscription& subscription : recipients) {
    ++*pending;
    if (subscription.protocol != "lambda") {
      DeliverHttp(message, subscription, signatures, [settle](const absl::Status&) { settle(); });
      continue;
    }
    deps_.invoker->Deliver(source,
                           {.function = subscription.endpoint,
                            .payload = LambdaEvent(message, subscription,
                                                   MakeStamp("lambda", subscription, signatures))},
                           [settle](const absl::Status&) { settle(); });
  }
  settle();
}

absl::Status SnsService::MayInvoke(const Subscription& subscription) const {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] (checked by Subscribe)
  const std::vector<std::string_view> parts = SplitOn(subscription.endpoint, ':');
  const lambda::FunctionRegistry::Function* function =
      parts.size() > 6 ? deps_.functions->Find(parts[6]) : nullptr;
  if (function == nullptr) {
    return absl::NotFoundError(fmt::format("function {} does not exist", subscription.endpoint));
  }
  const bool allowed = lambda::PolicyAllows(
      *function->latest.config, {.service = kSnsPrincipal,
                                 .action = "lambda:InvokeFunction",
                                 .qualifier = parts.size() > 7 ? parts[7] : std::string_view(),
                                 .source_arn = subscription.topic_arn,
                                 .source_account = deps_.account.account_id});
  if (allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(fmt::format(
      "SNS is not authorized to invoke {}: its resource policy does not allow sns.amazonaws.com "
      "(lambda add-permission) for {}",
      subscription.endpoint, subscription.topic_arn));
}

void SnsService::UpdateFilter(const Subscription& subscription) {
  filters_.erase(subscription.arn);
  auto policy = subscription.attributes.find("FilterPolicy");
  if (policy == subscription.attributes.end() || policy->second.empty()) return;
  auto scope = subscription.attributes.find("FilterPolicyScope");
  absl::StatusOr<SubscriptionFilter> filter = ParseFilterPolicy(
      policy->second, scope == subscription.attributes.end() ? "MessageAttributes" : scope->second,
      "");
  if (filter.ok()) {
    filters_.insert_or_assign(subscription.arn, *std::move(filter));
    return;
  }
  // Checked before it was stored, so only a stored policy this build cannot read gets here:
  // it lets nothing through rather than everything.
  fmt::print(stderr, "serval: sns: the filter policy of {} is refused ({}); it matches nothing\n",
             subscription.arn, std::string(filter.status().message()));
  filters_.insert_or_assign(subscription.arn, std::nullopt);
}

}  // namespace serval::sns
