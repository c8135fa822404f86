// SNS's HTTP/HTTPS subscriptions: the confirmation handshake, notifications as AWS posts them,
// and the signing certificate Serval serves so that endpoints can verify what they receive.

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/ids.h"
#include "fmt/format.h"
#include "protocol/protocol.h"
#include "services/sns/delivery_record.h"
#include "services/sns/sns_service.h"

namespace serval::sns {

namespace json = boost::json;

// The links in messages carry ARNs unencoded, as AWS's do (':' is allowed in a query).

std::string SnsService::SignatureVersionOf(std::string_view topic_arn) const {
  if (const Topic* topic = topics_->FindTopic(topic_arn)) {
    auto set = topic->attributes.find("SignatureVersion");
    if (set != topic->attributes.end()) return set->second;
  }
  return "1";
}

std::string SnsService::SignMessage(const SignerFuture& signer, const MessageFields& fields,
                                    const std::string& version) {
  const absl::StatusOr<std::shared_ptr<const MessageSigner>>& made = signer.get();
  if (!made.ok()) return "";  // reported when it was found
  absl::StatusOr<std::string> signature = (*made)->Sign(fields, version);
  if (!signature.ok()) {
    fmt::print(stderr, "serval: sns: could not sign message {}: {}\n", fields.message_id,
               signature.status().ToString());
    return "";
  }
  return *std::move(signature);
}

MessageFields SnsService::NotificationFields(const Message& message, std::string_view protocol) {
  return MessageFields{.type = "Notification",
                       .message = message.BodyFor(protocol),
                       .message_id = message.id,
                       .subject = message.subject,
                       .timestamp = SnsTimestamp(message.timestamp_millis),
                       .topic_arn = message.topic_arn};
}

bool SnsService::IsRawDelivery(const Subscription& subscription) {
  auto found = subscription.attributes.find("RawMessageDelivery");
  return found != subscription.attributes.end() && found->second == "true";
}

std::string SnsService::CertificateUrl() const {
  const MessageSigner* signer = Signer();
  return deps_.endpoint + "/" + (signer ? signer->CertificateFileName() : "");
}

Stamp SnsService::MakeStamp(std::string_view protocol, const Subscription& subscription,
                            const Signatures& signatures) const {
  auto signature = signatures.find(protocol);
  return Stamp{
      .signature_version =
          signature == signatures.end() ? std::string("1") : signature->second.first,
      .signature = signature == signatures.end() ? std::string() : signature->second.second,
      .signing_cert_url = CertificateUrl(),
      .unsubscribe_url =
          deps_.endpoint +
          "/SimpleNotificationService/?Action=Unsubscribe&SubscriptionArn=" + subscription.arn};
}

DeliveryPolicy SnsService::PolicyOf(const Subscription& subscription) const {
  TopicDeliveryPolicy topic_policy;
  if (const Topic* topic = topics_->FindTopic(subscription.topic_arn)) {
    auto text = topic->attributes.find("DeliveryPolicy");
    if (text != topic->attributes.end()) {
      // Checked when it was set; a policy that no longer parses is SNS's default.
      topic_policy = ParseTopicDeliveryPolicy(text->second).value_or(TopicDeliveryPolicy{});
    }
  }
  SubscriptionDeliveryPolicy own;
  auto text = subscription.attributes.find("DeliveryPolicy");
  if (text != subscription.attributes.end()) {
    own = ParseSubscriptionDeliveryPolicy(text->second).value_or(SubscriptionDeliveryPolicy{});
  }
  return EffectiveDeliveryPolicy(topic_policy, own);
}

void SnsService::RequestConfirmation(const Subscription& subscription,
                                     std::function<void(absl::Status)> queued) {
  const std::string id = NewUuid();
  const std::string timestamp = SnsTimestamp(deps_.clock->NowMillis());
  const std::string text = fmt::format(
      "You have chosen to subscribe to the topic {}.\nTo confirm the subscription, visit the "
      "SubscribeURL included in this message.",
      subscription.topic_arn);
  const std::string subscribe_url =
      fmt::format("{}/SimpleNotificationService/?Action=ConfirmSubscription&TopicArn={}&Token={}",
                  deps_.endpoint, subscription.topic_arn, subscription.token);
  // Confirmations are rare: signed here, on the io thread.
  const std::string version = SignatureVersionOf(subscription.topic_arn);
  const std::string signature = SignMessage(delivery_.signer,
                                            MessageFields{.type = "SubscriptionConfirmation",
                                                          .message = text,
                                                          .message_id = id,
                                                          .subscribe_url = subscribe_url,
                                                          .timestamp = timestamp,
                                                          .token = subscription.token,
                                                          .topic_arn = subscription.topic_arn},
                                            version);
  json::object body{{"Type", "SubscriptionConfirmation"},
                    {"MessageId", id},
                    {"Token", subscription.token},
                    {"TopicArn", subscription.topic_arn},
                    {"Message", text},
                    {"SubscribeURL", subscribe_url},
                    {"Timestamp", timestamp},
                    {"SignatureVersion", version},
                    {"Signature", signature},
                    {"SigningCertURL", CertificateUrl()}};
  DeliveryPolicy policy = PolicyOf(subscription);
  delivery_.http->Deliver(
      HttpDelivery{.endpoint = subscription.endpoint,
                   .headers = SnsHttpHeaders("SubscriptionConfirmation", id, subscription.topic_arn,
                                             "", policy.header_content_type),
                   .body = json::serialize(body),
                   .policy = std::move(policy),
                   .topic_arn = subscription.topic_arn,
                   .subscription_arn = subscription.arn,
                   .message_id = id},
      std::move(queued));
}

void SnsService::DeliverHttp(const Message& message, const Subscription& subscription,
                             const Signatures& signatures,
                             std::function<void(absl::Status)> settled) {
  const bool raw = IsRawDelivery(subscription);
  DeliveryPolicy policy = PolicyOf(subscription);
  auto headers = SnsHttpHeaders("Notification", message.id, message.topic_arn, subscription.arn,
                                policy.header_content_type);
  std::string body;
  if (raw) {
    headers.emplace_back("x-amz-sns-rawdelivery", "true");
    body = message.BodyFor(subscription.protocol);
  } else {
    body = HttpNotification(message, subscription,
                            MakeStamp(subscription.protocol, subscription, signatures));
  }
  delivery_.http->Deliver(HttpDelivery{.endpoint = subscription.endpoint,
                                       .headers = std::move(headers),
                                       .body = std::move(body),
                                       .policy = std::move(policy),
                                       .topic_arn = message.topic_arn,
                                       .subscription_arn = subscription.arn,
                                       .message_id = message.id},
                          std::move(settled));
}

http::Response SnsService::Certificate(const http::Request& request,
                                       const std::string& request_id) const {
  const std::string_view name = request.RawPath().substr(1);
  const MessageSigner* signer = Signer();
  if (request.method != "GET" || signer == nullptr || name != signer->CertificateFileName()) {
    return protocol::ErrorResponse(
        protocol::Protocol::kQuery,
        AwsError(absl::StatusCode::kNotFound, "NotFound", "No such certificate"), request_id);
  }
  http::Response response{.status = 200, .body = signer->CertificatePem()};
  response.SetHeader("Content-Type", "application/x-x509-ca-cert");
  return response;
}

}  // namespace serval::sns
