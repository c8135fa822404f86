#include "services/s3/notifications.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/xml_reader.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"

namespace serval::s3 {
namespace {

namespace json = boost::json;

// The Event enum of S3's API model.
constexpr std::string_view kEvents[] = {"s3:ReducedRedundancyLostObject",
                                        "s3:ObjectCreated:*",
                                        "s3:ObjectCreated:Put",
                                        "s3:ObjectCreated:Post",
                                        "s3:ObjectCreated:Copy",
                                        "s3:ObjectCreated:CompleteMultipartUpload",
                                        "s3:ObjectRemoved:*",
                                        "s3:ObjectRemoved:Delete",
                                        "s3:ObjectRemoved:DeleteMarkerCreated",
                                        "s3:ObjectRestore:*",
                                        "s3:ObjectRestore:Post",
                                        "s3:ObjectRestore:Completed",
                                        "s3:ObjectRestore:Delete",
                                        "s3:Replication:*",
                                        "s3:Replication:OperationFailedReplication",
                                        "s3:Replication:OperationNotTracked",
                                        "s3:Replication:OperationMissedThreshold",
                                        "s3:Replication:OperationReplicatedAfterThreshold",
                                        "s3:LifecycleTransition",
                                        "s3:IntelligentTiering",
                                        "s3:ObjectAcl:Put",
                                        "s3:LifecycleExpiration:*",
                                        "s3:LifecycleExpiration:Delete",
                                        "s3:LifecycleExpiration:DeleteMarkerCreated",
                                        "s3:ObjectTagging:*",
                                        "s3:ObjectTagging:Put",
                                        "s3:ObjectTagging:Delete"};

// Each kind of destination: its configuration element and ARN element in botocore's wire names
// (what GET answers), the API's names accepted too, and the service its ARNs name.
struct KindNames {
  DestinationKind kind;
  std::string_view element;
  std::string_view arn_element;
  std::string_view api_element;
  std::string_view api_arn_element;
  std::string_view arn_prefix;
};
constexpr KindNames kKinds[] = {
    {DestinationKind::kFunction, "CloudFunctionConfiguration", "CloudFunction",
     "LambdaFunctionConfiguration", "LambdaFunctionArn", "arn:aws:lambda:"},
    {DestinationKind::kTopic, "TopicConfiguration", "Topic", "TopicConfiguration", "TopicArn",
     "arn:aws:sns:"},
    {DestinationKind::kQueue, "QueueConfiguration", "Queue", "QueueConfiguration", "QueueArn",
     "arn:aws:sqs:"},
};

const KindNames& NamesOf(DestinationKind kind) {
  return *std::find_if(std::begin(kKinds), std::end(kKinds),
                       [kind](const KindNames& names) { return names.kind == kind; });
}

// arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE with every part present (a function's resource is
// "function:NAME[:QUALIFIER]").
bool ArnParses(std::string_view arn, const KindNames& names) {
  if (!arn.starts_with(names.arn_prefix)) return false;
  const std::vector<std::string_view> parts = SplitOn(arn, ':');
  if (parts.size() < 6 || parts[3].empty() || parts[4].empty() || parts[5].empty()) return false;
  if (names.kind != DestinationKind::kFunction) return parts.size() == 6;
  return parts[5] == "function" && parts.size() >= 7 && parts.size() <= 8 && !parts[6].empty();
}

absl::StatusOr<NotificationTarget> ParseTarget(const protocol::XmlElement& element,
                                               const KindNames& names) {
  NotificationTarget target;
  target.kind = names.kind;
  target.id = std::string(element.ChildText("Id").value_or(""));
  if (target.id.empty()) target.id = Base64Encode(NewUuid());
  const std::string_view arn_element =
      element.Child(names.arn_element) ? names.arn_element : names.api_arn_element;
  target.arn = std::string(TrimBlanks(element.ChildText(arn_element).value_or("")));
  if (!ArnParses(target.arn, names)) {
    return InvalidArgument("The ARN could not be parsed", arn_element, target.arn);
  }
  for (const protocol::XmlElement* event : element.Children("Event")) {
    const std::string_view name = TrimBlanks(event->text);
    if (std::find(std::begin(kEvents), std::end(kEvents), name) == std::end(kEvents)) {
      return InvalidArgument("The event is not supported for notifications", "Event", name);
    }
    target.events.emplace_back(name);
  }
  if (target.events.empty()) return protocol::MalformedXml();
  if (const protocol::XmlElement* filter = element.Child("Filter")) {
    const protocol::XmlElement* key = filter->Child("S3Key");
    if (key == nullptr) return protocol::MalformedXml();
    for (const protocol::XmlElement* rule : key->Children("FilterRule")) {
      std::optional<std::string_view> name = rule->ChildText("Name");
      std::optional<std::string_view> value = rule->ChildText("Value");
      if (!name || !value) return protocol::MalformedXml();
      const std::string lower = AsciiToLower(*name);
      if (lower != "prefix" && lower != "suffix") {
        return InvalidArgument("filter rule name must be either prefix or suffix", "FilterRule",
                               *name);
      }
      std::string normalised = lower == "prefix" ? "Prefix" : "Suffix";
      for (const auto& [existing, unused] : target.filter_rules) {
        if (existing == normalised) {
          return InvalidArgument(
              fmt::format("Cannot specify more than one {} rule in a filter.", lower), "FilterRule",
              *name);
        }
      }
      target.filter_rules.emplace_back(std::move(normalised), std::string(*value));
    }
  }
  return target;
}

}  // namespace

absl::StatusOr<NotificationConfig> ParseNotificationXml(std::string_view body) {
  NotificationConfig config;
  if (TrimBlanks(body).empty()) return config;
  auto document = protocol::ParseXml(body);
  if (!document.ok()) return document.status();
  if (document->name != "NotificationConfiguration") return protocol::MalformedXml();
  for (const protocol::XmlElement& child : document->children) {
    if (child.name == "EventBridgeConfiguration") {
      config.event_bridge = true;
      continue;
    }
    const KindNames* names = nullptr;
    for (const KindNames& candidate : kKinds) {
      if (child.name == candidate.element || child.name == candidate.api_element) {
        names = &candidate;
      }
    }
    if (names == nullptr) return protocol::MalformedXml();
    // The deprecated PutBucketNotification disables a kind with an empty element.
    if (child.children.empty()) continue;
    auto target = ParseTarget(child, *names);
    if (!target.ok()) return target.status();
    config.targets.push_back(*std::move(target));
  }
  return config;
}

protocol::XmlWriter NotificationXml(const NotificationConfig& config) {
  protocol::XmlWriter xml;
  xml.Declaration().Open("NotificationConfiguration", kS3Namespace);
  // Topics, queues, functions: the order of the members in S3's model.
  for (DestinationKind kind :
       {DestinationKind::kTopic, DestinationKind::kQueue, DestinationKind::kFunction}) {
    const KindNames& names = NamesOf(kind);
    for (const NotificationTarget& target : config.targets) {
      if (target.kind != kind) continue;
      xml.Open(names.element).Element("Id", target.id).Element(names.arn_element, target.arn);
      for (const std::string& event : target.events) xml.Element("Event", event);
      if (!target.filter_rules.empty()) {
        xml.Open("Filter").Open("S3Key");
        for (const auto& [name, value] : target.filter_rules) {
          xml.Open("FilterRule").Element("Name", name).Element("Value", value).Close("FilterRule");
        }
        xml.Close("S3Key").Close("Filter");
      }
      xml.Close(names.element);
    }
  }
  if (config.event_bridge) xml.Open("EventBridgeConfiguration").Close("EventBridgeConfiguration");
  xml.Close("NotificationConfiguration");
  return xml;
}

bool Matches(const NotificationTarget& target, std::string_view event, std::string_view key) {
  const std::string exact = fmt::format("s3:{}", event);
  const size_t colon = event.rfind(':');
  const std::string any =
      colon == std::string_view::npos ? exact : fmt::format("s3:{}:*", event.substr(0, colon));
  const bool wanted = std::any_of(target.events.begin(), target.events.end(),
                                  [&](const std::string& e) { return e == exact || e == any; });
  if (!wanted) return false;
  for (const auto& [name, value] : target.filter_rules) {
    if (name == "Prefix" ? !key.starts_with(value) : !key.ends_with(value)) return false;
  }
  return true;
}

std::string EventKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == ' ') {
      out.push_back('+');
    } else if ((IsUnreserved(byte) && c != '~') || c == '/' || c == '*') {
      out.push_back(c);
    } else {
      AppendEncodedByte(byte, &out);
    }
  }
  return out;
}

std::string EventRecordJson(const ObjectEvent& event, std::string_view configuration_id) {
  json::object object;
  object["key"] = EventKey(event.key);
  if (event.size) {
    object["size"] = *event.size;
    object["eTag"] = event.etag;
  }
  object["sequencer"] = event.sequencer;
  json::object record;
  record["eventVersion"] = "2.1";
  record["eventSource"] = "aws:s3";
  record["awsRegion"] = event.region;
  record["eventTime"] = FormatIso8601Millis(event.time_millis);
  record["eventName"] = event.name;
  record["userIdentity"] = json::object{{"principalId", event.principal_id}};
  record["requestParameters"] = json::object{{"sourceIPAddress", event.source_ip}};
  record["responseElements"] =
      json::object{{"x-amz-request-id", event.request_id}, {"x-amz-id-2", event.request_id}};
  record["s3"] = json::object{
      {"s3SchemaVersion", "1.0"},
      {"configurationId", configuration_id},
      {"bucket", json::object{{"name", event.bucket},
                              {"ownerIdentity", json::object{{"principalId", kOwnerId}}},
                              {"arn", fmt::format("arn:aws:s3:::{}", event.bucket)}}},
      {"object", std::move(object)}};
  return json::serialize(json::object{{"Records", json::array{std::move(record)}}});
}

std::string TestEventJson(std::string_view bucket, std::string_view request_id,
                          int64_t time_millis) {
  return json::serialize(json::object{{"Service", "Amazon S3"},
                                      {"Event", "s3:TestEvent"},
                                      {"Time", FormatIso8601Millis(time_millis)},
                                      {"Bucket", bucket},
                                      {"RequestId", request_id},
                                      {"HostId", request_id}});
}

}  // namespace serval::s3
