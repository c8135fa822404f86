// Bucket and BucketNotification resources (resource_appliers.h), through S3's REST API
// (path-style addressing on the endpoint).

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/percent_encoding.h"
#include "protocol/xml.h"
#include "protocol/xml_reader.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// The three kinds of destination a NotificationConfiguration lists: the property names boto3
// uses (and the manifest too), and the XML names of PutBucketNotificationConfiguration.
struct DestinationKind {
  std::string_view list;     // TopicConfigurations
  std::string_view arn;      // TopicArn
  std::string_view element;  // TopicConfiguration
  std::string_view xml_arn;  // Topic
};
constexpr DestinationKind kKinds[] = {
    {"TopicConfigurations", "TopicArn", "TopicConfiguration", "Topic"},
    {"QueueConfigurations", "QueueArn", "QueueConfiguration", "Queue"},
    {"LambdaFunctionConfigurations", "LambdaFunctionArn", "CloudFunctionConfiguration",
     "CloudFunction"},
};

absl::Status Invalid(std::string_view bucket, std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("BucketNotification {}: NotificationConfiguration: {}", bucket, what));
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// One destination in a canonical form both sides compare in: {Id?, Arn, Events (sorted),
// Rules [[name (lower case), value]...]}.
absl::StatusOr<json::object> CanonicalFromJson(const json::value& item, const DestinationKind& kind,
                                               std::string_view bucket) {
  if (!item.is_object()) return Invalid(bucket, fmt::format("{} items are objects", kind.list));
  json::object out;
  json::array events, rules;
  for (const auto& [key, value] : item.get_object()) {
    if (key == "Id" && value.is_string()) {
      out["Id"] = value;
    } else if (key == kind.arn && value.is_string()) {
      out["Arn"] = value;
    } else if (key == "Events" && value.is_array()) {
      for (const json::value& event : value.get_array()) {
        if (!event.is_string()) return Invalid(bucket, "Events are strings");
        events.push_back(event);
      }
    } else if (key == "Filter" && value.is_object()) {
      const json::value* key_filter = value.get_object().if_contains("Key");
      const json::value* list = key_filter && key_filter->is_object()
                                    ? key_filter->get_object().if_contains("FilterRules")
                                    : nullptr;
      if (!list || !list->is_array() || value.get_object().size() != 1) {
        return Invalid(bucket, "Filter is {\"Key\": {\"FilterRules\": [...]}}");
      }
      for (const json::value& rule : list->get_array()) {
        const json::object* object = rule.if_object();
        const json::value* name = object ? object->if_contains("Name") : nullptr;
        const json::value* text = object ? object->if_contains("Value") : nullptr;
        if (!name || !text || !name->is_string() || !text->is_string()) {
          return Invalid(bucket, "a FilterRule has Name and Value");
        }
        rules.push_back(json::array{json::string(Lower(name->get_string())), *text});
      }
    } else {
      return Invalid(bucket, fmt::format("{} items take Id, {}, Events, Filter (not {})", kind.list,
                                         kind.arn, key));
    }
  }
  if (!out.contains("Arn") || events.empty()) {
    return Invalid(bucket, fmt::format("{} items need {} and Events", kind.list, kind.arn));
  }
  std::sort(events.begin(), events.end(), [](const json::value& a, const json::value& b) {
    return a.get_string() < b.get_string();
  });
  out["Events"] = std::move(events);
  out["Rules"] = std::move(rules);
  return out;
}

json::object CanonicalFromXml(const protocol::XmlElement& element, const DestinationKind& kind) {
  json::object out;
  if (auto id = element.ChildText("Id")) out["Id"] = *id;
  out["Arn"] = element.ChildText(kind.xml_arn).value_or("");
  std::vector<std::string> events;
  for (const protocol::XmlElement* event : element.Children("Event")) events.push_back(event->text);
  std::sort(events.begin(), events.end());
  json::array event_list(events.begin(), events.end());
  out["Events"] = std::move(event_list);
  json::array rules;
  if (const protocol::XmlElement* filter = element.Child("Filter")) {
    if (const protocol::XmlElement* key = filter->Child("S3Key")) {
      for (const protocol::XmlElement* rule : key->Children("FilterRule")) {
        rules.push_back(json::array{json::string(Lower(rule->ChildText("Name").value_or(""))),
                                    json::string(rule->ChildText("Value").value_or(""))});
      }
    }
  }
  out["Rules"] = std::move(rules);
  return out;
}

// The manifest's configuration as canonical destinations by kind, and the XML to put.
struct Desired {
  std::map<std::string, json::array> by_kind;
  bool event_bridge = false;
  std::string xml;
};

absl::StatusOr<Desired> DesiredConfiguration(const json::value& value, std::string_view bucket) {
  if (!value.is_object()) return Invalid(bucket, "must be an object");
  Desired desired;
  for (const auto& [key, item] : value.get_object()) {
    if (key == "EventBridgeConfiguration") {
      desired.event_bridge = true;
      continue;
    }
    const DestinationKind* kind = nullptr;
    for (const DestinationKind& candidate : kKinds) {
      if (candidate.list == key) kind = &candidate;
    }
    if (!kind || !item.is_array()) {
      return Invalid(bucket, fmt::format("{} is not TopicConfigurations, QueueConfigurations, "
                                         "LambdaFunctionConfigurations or EventBridgeConfiguration",
                                         std::string_view(key)));
    }
    for (const json::value& destination : item.get_array()) {
      auto canonical = CanonicalFromJson(destination, *kind, bucket);
      if (!canonical.ok()) return canonical.status();
      desired.by_kind[std::string(kind->list)].push_back(*std::move(canonical));
    }
  }
  protocol::XmlWriter xml;
  xml.Declaration().Open("NotificationConfiguration", kS3Namespace);
  for (const DestinationKind& kind : kKinds) {
    for (const json::value& item : desired.by_kind[std::string(kind.list)]) {
      const json::object& destination = item.get_object();
      xml.Open(kind.element);
      if (const json::value* id = destination.if_contains("Id"))
        xml.Element("Id", id->get_string());
      xml.Element(kind.xml_arn, destination.at("Arn").get_string());
      for (const json::value& event : destination.at("Events").get_array()) {
        xml.Element("Event", event.get_string());
      }
      const json::array& rules = destination.at("Rules").get_array();
      if (!rules.empty()) {
        xml.Open("Filter").Open("S3Key");
        for (const json::value& rule : rules) {
          xml.Open("FilterRule")
              .Element("Name", rule.get_array()[0].get_string())
              .Element("Value", rule.get_array()[1].get_string())
              .Close("FilterRule");
        }
        xml.Close("S3Key").Close("Filter");
      }
      xml.Close(kind.element);
    }
  }
  if (desired.event_bridge) xml.Open("EventBridgeConfiguration").Close("EventBridgeConfiguration");
  xml.Close("NotificationConfiguration");
  desired.xml = xml.Take();
  return desired;
}

// Whether the bucket's configuration (GetBucketNotificationConfiguration's XML) is `desired`;
// Ids S3 chose are ignored where the manifest names none.
bool SameConfiguration(const protocol::XmlElement& current, const Desired& desired) {
  if ((current.Child("EventBridgeConfiguration") != nullptr) != desired.event_bridge) return false;
  for (const DestinationKind& kind : kKinds) {
    const auto found = desired.by_kind.find(std::string(kind.list));
    const json::array none;
    const json::array& wanted = found == desired.by_kind.end() ? none : found->second;
    std::vector<const protocol::XmlElement*> have = current.Children(kind.element);
    if (have.size() != wanted.size()) return false;
    for (size_t i = 0; i < have.size(); ++i) {
      json::object canonical = CanonicalFromXml(*have[i], kind);
      if (!wanted[i].get_object().contains("Id")) canonical.erase("Id");
      if (canonical != wanted[i].get_object()) return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<Applied> ApplyBucket(ResourceProperties& properties, const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("BucketName");
  if (!name.ok()) return name.status();
  const std::string path = "/" + PercentEncode(*name);
  Applied applied{.name = *name, .outcome = "unchanged", .arn = "arn:aws:s3:::" + *name};
  // GetBucketLocation rather than HeadBucket: it says why in its body (and http::Fetch reads
  // a response as having one).
  auto location = api.Call("s3", "GET", path + "?location");
  if (!location.ok()) return location.status();
  if (location->status == 200) return applied;
  if (AwsErrorCode(*location) != "NoSuchBucket") {
    return CallRefused("GetBucketLocation " + *name, *location);
  }
  std::string body;
  if (api.region() != "us-east-1") {
    protocol::XmlWriter xml;
    body = xml.Open("CreateBucketConfiguration", kS3Namespace)
               .Element("LocationConstraint", api.region())
               .Close("CreateBucketConfiguration")
               .Take();
  }
  auto created = api.Call("s3", "PUT", path, std::move(body));
  if (auto status = Expect2xx("CreateBucket " + *name, created); !status.ok()) return status;
  applied.outcome = "created";
  return applied;
}

absl::StatusOr<Applied> ApplyBucketNotification(ResourceProperties& properties,
                                                const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto bucket = properties.String("Bucket");
  if (!bucket.ok()) return bucket.status();
  auto configuration = properties.Get("NotificationConfiguration");
  if (!configuration.ok()) return configuration.status();
  auto desired = DesiredConfiguration(**configuration, *bucket);
  if (!desired.ok()) return desired.status();
  const std::string path = "/" + PercentEncode(*bucket) + "?notification";
  Applied applied{.name = *bucket, .outcome = "unchanged"};
  auto current = api.Call("s3", "GET", path);
  if (auto status = Expect2xx("GetBucketNotificationConfiguration " + *bucket, current);
      !status.ok()) {
    return status;
  }
  auto document = protocol::ParseXml(current->body);
  if (document.ok() && SameConfiguration(*document, *desired)) return applied;
  const bool had_none = document.ok() && document->children.empty();
  auto put = api.Call("s3", "PUT", path, desired->xml, {{"Content-Type", "application/xml"}});
  if (auto status = Expect2xx("PutBucketNotificationConfiguration " + *bucket, put); !status.ok()) {
    return status;
  }
  applied.outcome = had_none ? "created" : "updated";
  return applied;
}

}  // namespace serval::server
