#include "services/sns/envelope.h"

#include <boost/json.hpp>

namespace serval::sns {
namespace {

namespace json = boost::json;

json::object AttributesJson(const MessageAttributes& attributes) {
  json::object out;
  for (const auto& [name, attribute] : attributes) {
    out[name] = json::object{{"Type", attribute.data_type}, {"Value", attribute.value}};
  }
  return out;
}

}  // namespace

std::string LambdaEvent(const Message& message, const Subscription& subscription,
                        const Stamp& stamp) {
  json::object sns{
      {"Type", "Notification"},
      {"MessageId", message.id},
      {"TopicArn", message.topic_arn},
      {"Subject", message.subject ? json::value(*message.subject) : json::value(nullptr)},
      {"Message", message.BodyFor("lambda")},
      {"Timestamp", SnsTimestamp(message.timestamp_millis)},
      {"SignatureVersion", stamp.signature_version},
      {"Signature", stamp.signature},
      {"SigningCertUrl", stamp.signing_cert_url},
      {"UnsubscribeUrl", stamp.unsubscribe_url},
      {"MessageAttributes", AttributesJson(message.attributes)},
  };
  json::object record{{"EventSource", "aws:sns"},
                      {"EventVersion", "1.0"},
                      {"EventSubscriptionArn", subscription.arn},
                      {"Sns", std::move(sns)}};
  return json::serialize(json::object{{"Records", json::array{std::move(record)}}});
}

std::string HttpNotification(const Message& message, const Subscription& subscription,
                             const Stamp& stamp) {
  json::object body{
      {"Type", "Notification"}, {"MessageId", message.id}, {"TopicArn", message.topic_arn}};
  if (message.subject) body["Subject"] = *message.subject;
  body["Message"] = message.BodyFor(subscription.protocol);
  body["Timestamp"] = SnsTimestamp(message.timestamp_millis);
  body["SignatureVersion"] = stamp.signature_version;
  body["Signature"] = stamp.signature;
  body["SigningCertURL"] = stamp.signing_cert_url;
  body["UnsubscribeURL"] = stamp.unsubscribe_url;
  if (!message.attributes.empty()) body["MessageAttributes"] = AttributesJson(message.attributes);
  return json::serialize(body);
}

}  // namespace serval::sns
