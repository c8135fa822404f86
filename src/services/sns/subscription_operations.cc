// SNS's subscription operations: subscribe, confirm, unsubscribe, list and attributes.

#include "common/ids.h"
#include "common/text.h"
#include "fmt/format.h"
#include "protocol/xml.h"
#include "services/lambda/function_registry.h"
#include "services/sns/attributes.h"
#include "services/sns/filter_policy.h"
#include "services/sns/query_xml.h"
#include "services/sns/sns_errors.h"
#include "services/sns/sns_service.h"

namespace serval::sns {
namespace {

using protocol::Caller;
using protocol::QueryRequest;

constexpr size_t kListPage = 100;

// What a subscription with a pending confirmation is called in answers.
constexpr std::string_view kPendingArn = "pending confirmation";
constexpr std::string_view kPendingListedArn = "PendingConfirmation";

bool IsHttp(std::string_view protocol) { return protocol == "http" || protocol == "https"; }

// Protocols SNS has that Serval cannot deliver to yet.
bool IsKnownUndeliverable(std::string_view protocol) {
  for (std::string_view known : {"sqs", "email", "email-json", "sms", "application", "firehose"}) {
    if (protocol == known) return true;
  }
  return false;
}

std::string SubscriptionArnXml(std::string_view arn) {
  return protocol::XmlWriter().Element("SubscriptionArn", arn).Take();
}

// Lists `subscriptions` (in ARN order) after the ARN `after`, one page: NextToken is the last
// ARN listed when more follow.
std::string SubscriptionListXml(const std::vector<const Subscription*>& subscriptions,
                                const std::string& after) {
  protocol::XmlWriter xml;
  xml.Open("Subscriptions");
  size_t listed = 0;
  bool more = false;
  std::string_view last;
  for (const Subscription* subscription : subscriptions) {
    if (!after.empty() && subscription->arn <= after) continue;
    if (listed == kListPage) {
      more = true;
      break;
    }
    xml.Open("member")
        .Element("SubscriptionArn",
                 subscription->pending_confirmation ? kPendingListedArn : subscription->arn)
        .Element("Owner", subscription->owner)
        .Element("Protocol", subscription->protocol)
        .Element("Endpoint", subscription->endpoint)
        .Element("TopicArn", subscription->topic_arn)
        .Close("member");
    last = subscription->arn;
    ++listed;
  }
  xml.Close("Subscriptions");
  if (more) xml.Element("NextToken", last);
  return xml.Take();
}

}  // namespace

void SnsService::Subscribe(const QueryRequest& request, const Caller& caller, Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  const std::string protocol = request.Get("Protocol").value_or("");
  const std::string endpoint = request.Get("Endpoint").value_or("");
  if (IsKnownUndeliverable(protocol)) {
    return reply(InvalidParameter(
        fmt::format("Protocol Reason: Serval does not deliver to {} endpoints yet", protocol)));
  }
  if (protocol != "lambda" && !IsHttp(protocol)) {
    return reply(InvalidParameter(
        fmt::format("Amazon SNS does not support this protocol string: {}", protocol)));
  }
  if (endpoint.empty())
    return reply(InvalidParameter("Endpoint Reason: no value for required parameter"));
  if (IsHttp(protocol) && !endpoint.starts_with(protocol + "://")) {
    return reply(InvalidParameter("Endpoint must match the specified protocol"));
  }
  if ((*topic)->fifo()) {
    return reply(InvalidParameter(
        "Invalid parameter: Endpoint Reason: FIFO SNS Topics currently only support Amazon SQS "
        "FIFO queues as subscriptions"));
  }
  if (protocol == "lambda") {
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    const std::vector<std::string_view> parts = SplitOn(endpoint, ':');
    if (parts.size() < 7 || parts.size() > 8 || parts[0] != "arn" || parts[2] != "lambda" ||
        parts[5] != "function") {
      return reply(InvalidParameter("Lambda endpoint ARN"));
    }
    if (parts[3] != deps_.account.region || parts[4] != deps_.account.account_id ||
        deps_.functions->Find(parts[6]) == nullptr) {
      return reply(
          InvalidParameter(fmt::format("Endpoint Reason: Function not found: {}", endpoint)));
    }
  }
  const std::map<std::string, std::string> attributes =
      ReadAttributeMap(request.parameters, "Attributes");
  for (const auto& [key, value] : attributes) {
    if (absl::Status status = CheckSubscriptionAttribute(key, value, protocol); !status.ok()) {
      return reply(status);
    }
  }
  if (auto filter = attributes.find("FilterPolicy"); filter != attributes.end()) {
    auto scope = attributes.find("FilterPolicyScope");
    auto parsed = ParseFilterPolicy(filter->second,
                                    scope == attributes.end() ? "MessageAttributes" : scope->second,
                                    "Attributes Reason: ");
    if (!parsed.ok()) return reply(parsed.status());
  }
  const bool return_arn = request.Get("ReturnSubscriptionArn").value_or("") == "true";
  // Subscribing an endpoint twice answers the first subscription.
  for (const Subscription* existing : topics_->SubscriptionsOf((*topic)->arn)) {
    if (existing->protocol != protocol || existing->endpoint != endpoint) continue;
    if (!attributes.empty() && existing->attributes != attributes) {
      return reply(InvalidParameter(
          "Attributes Reason: Subscription already exists with different attributes"));
    }
    return reply(SubscriptionArnXml(existing->pending_confirmation && !return_arn
                                        ? kPendingArn
                                        : std::string_view(existing->arn)));
  }
  Subscription subscription{
      .arn = (*topic)->arn + ":" + NewUuid(),
      .topic_arn = (*topic)->arn,
      .protocol = protocol,
      .endpoint = endpoint,
      .owner = caller.account_id.empty() ? deps_.account.account_id : caller.account_id,
      .attributes = attributes};
  if (IsHttp(protocol)) {
    // An HTTP endpoint must confirm with the token SNS sends it.
    subscription.pending_confirmation = true;
    subscription.token = RandomHex(64);
  } else {
    subscription.confirmation_authenticated = true;
  }
  const std::string answer =
      SubscriptionArnXml(subscription.pending_confirmation && !return_arn ? std::string(kPendingArn)
                                                                          : subscription.arn);
  const Subscription stored = subscription;
  topics_->PutSubscription(std::move(subscription),
                           [this, stored, reply = std::move(reply), answer](absl::Status status) {
                             if (!status.ok()) return reply(status);
                             UpdateFilter(stored);
                             if (!stored.pending_confirmation) return reply(answer);
                             RequestConfirmation(stored, [reply, answer](absl::Status queued) {
                               if (!queued.ok()) return reply(queued);
                               reply(answer);
                             });
                           });
}

void SnsService::ConfirmSubscription(const QueryRequest& request, const Caller& caller,
                                     Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  const std::string token = request.Get("Token").value_or("");
  const Subscription* found = nullptr;
  for (const Subscription* subscription : topics_->SubscriptionsOf((*topic)->arn)) {
    if (!token.empty() && subscription->token == token) found = subscription;
  }
  if (found == nullptr) return reply(InvalidParameter("Token"));
  if (!found->pending_confirmation) return reply(SubscriptionArnXml(found->arn));
  Subscription confirmed = *found;
  confirmed.pending_confirmation = false;
  confirmed.confirmation_authenticated = !caller.anonymous;
  confirmed.authenticate_on_unsubscribe =
      request.Get("AuthenticateOnUnsubscribe").value_or("") == "true";
  const std::string answer = SubscriptionArnXml(confirmed.arn);
  topics_->PutSubscription(std::move(confirmed), AnswerOnceStored(std::move(reply), answer));
}

void SnsService::Unsubscribe(const QueryRequest& request, const Caller& caller, Reply reply) {
  const std::string arn = request.Get("SubscriptionArn").value_or("");
  if (SplitOn(arn, ':').size() != 7) return reply(InvalidParameter("SubscriptionArn"));
  const Subscription* subscription = topics_->FindSubscription(arn);
  // Unsubscribing twice is not an error.
  if (subscription == nullptr) return reply(std::string());
  if (caller.anonymous && subscription->authenticate_on_unsubscribe) {
    return reply(AuthorizationError(
        "The subscription was confirmed with AuthenticateOnUnsubscribe: unsubscribing it needs a "
        "signed request"));
  }
  filters_.erase(arn);
  topics_->RemoveSubscription(arn, AnswerOnceStored(std::move(reply)));
}

void SnsService::ListSubscriptions(const QueryRequest& request, const Caller&, Reply reply) {
  std::vector<const Subscription*> all;
  for (const auto& [arn, subscription] : topics_->subscriptions()) all.push_back(&subscription);
  reply(SubscriptionListXml(all, request.Get("NextToken").value_or("")));
}

void SnsService::ListSubscriptionsByTopic(const QueryRequest& request, const Caller&, Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  reply(SubscriptionListXml(topics_->SubscriptionsOf((*topic)->arn),
                            request.Get("NextToken").value_or("")));
}

void SnsService::GetSubscriptionAttributes(const QueryRequest& request, const Caller&,
                                           Reply reply) {
  const Subscription* subscription =
      topics_->FindSubscription(request.Get("SubscriptionArn").value_or(""));
  if (subscription == nullptr) return reply(SubscriptionNotFound());
  Attributes view = SubscriptionAttributesView(*subscription);
  if (IsHttp(subscription->protocol)) {
    view["EffectiveDeliveryPolicy"] =
        SubscriptionEffectiveDeliveryPolicyJson(PolicyOf(*subscription));
  }
  reply(AttributesXml("Attributes", view));
}

void SnsService::SetSubscriptionAttributes(const QueryRequest& request, const Caller&,
                                           Reply reply) {
  const Subscription* subscription =
      topics_->FindSubscription(request.Get("SubscriptionArn").value_or(""));
  if (subscription == nullptr) return reply(SubscriptionNotFound());
  const std::string name = request.Get("AttributeName").value_or("");
  const std::string value = request.Get("AttributeValue").value_or("");
  if (absl::Status status = CheckSubscriptionAttribute(name, value, subscription->protocol);
      !status.ok()) {
    return reply(status);
  }
  Subscription changed = *subscription;
  if (value.empty() && name == "FilterPolicy") {
    changed.attributes.erase(name);
  } else {
    changed.attributes[name] = value;
  }
  if (name == "FilterPolicy" || name == "FilterPolicyScope") {
    auto policy = changed.attributes.find("FilterPolicy");
    auto scope = changed.attributes.find("FilterPolicyScope");
    if (policy != changed.attributes.end()) {
      auto parsed = ParseFilterPolicy(
          policy->second, scope == changed.attributes.end() ? "MessageAttributes" : scope->second,
          "");
      if (!parsed.ok()) return reply(parsed.status());
    }
  }
  const Subscription stored = changed;
  topics_->PutSubscription(std::move(changed),
                           [this, stored, reply = std::move(reply)](absl::Status status) {
                             if (!status.ok()) return reply(status);
                             UpdateFilter(stored);
                             reply(std::string());
                           });
}

}  // namespace serval::sns
