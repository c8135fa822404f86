// Topic and Subscription resources (resource_appliers.h), through SNS's query API.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>
#include <vector>

#include "protocol/xml_reader.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kVersion = "2010-03-31";

using Parameters = std::vector<std::pair<std::string, std::string>>;

// The <ActionResult> element of a successful answer.
absl::StatusOr<protocol::XmlElement> Call(const AwsApi& api, std::string_view action,
                                          const Parameters& parameters, std::string_view what) {
  return QueryResultOf(api.Query("sns", action, kVersion, parameters), action, what);
}

// A property value as SNS attributes take it: strings as they are, anything else as JSON
// (a Policy or FilterPolicy written as an object in the manifest).
std::string AttributeText(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : json::serialize(value);
}

// Whether two attribute values mean the same: equal text, or equal JSON documents.
bool SameAttribute(const std::string& a, const std::string& b) {
  if (a == b) return true;
  boost::system::error_code ec_a, ec_b;
  json::value parsed_a = json::parse(a, ec_a);
  json::value parsed_b = json::parse(b, ec_b);
  return !ec_a && !ec_b && parsed_a == parsed_b;
}

// Every member of a paged List* action: NextToken followed until the last page.
absl::StatusOr<std::vector<protocol::XmlElement>> ListAll(const AwsApi& api,
                                                          std::string_view action,
                                                          const Parameters& parameters,
                                                          std::string_view list,
                                                          std::string_view what) {
  return QueryListAll(api, "sns", kVersion, action, parameters, list, "NextToken", what);
}

// Sets each attribute whose value differs from `current`; true when one was set.
absl::StatusOr<bool> SetAttributes(const AwsApi& api, std::string_view action,
                                   std::string_view arn_name, const std::string& arn,
                                   const std::map<std::string, std::string>& wanted,
                                   const std::map<std::string, std::string>& current) {
  bool changed = false;
  for (const auto& [name, value] : wanted) {
    if (auto it = current.find(name); it != current.end() && SameAttribute(it->second, value)) {
      continue;
    }
    auto set =
        Call(api, action,
             {{std::string(arn_name), arn}, {"AttributeName", name}, {"AttributeValue", value}},
             fmt::format("{} {}", arn, name));
    if (!set.ok()) return set.status();
    changed = true;
  }
  return changed;
}

absl::StatusOr<std::map<std::string, std::string>> AttributesOf(const AwsApi& api,
                                                                std::string_view action,
                                                                std::string_view arn_name,
                                                                const std::string& arn) {
  auto result = Call(api, action, {{std::string(arn_name), arn}}, arn);
  if (!result.ok()) return result.status();
  std::map<std::string, std::string> attributes;
  if (const protocol::XmlElement* entries = result->Child("Attributes")) {
    for (const protocol::XmlElement* entry : entries->Children("entry")) {
      attributes[std::string(entry->ChildText("key").value_or(""))] =
          std::string(entry->ChildText("value").value_or(""));
    }
  }
  return attributes;
}

// The Attributes property (an object of attribute name to value), plus `extra`.
absl::StatusOr<std::map<std::string, std::string>> WantedAttributes(
    const ResourceProperties& properties, std::string_view where) {
  std::map<std::string, std::string> wanted;
  auto attributes = properties.Get("Attributes");
  if (!attributes.ok()) return attributes.status();
  if (*attributes) {
    if (!(*attributes)->is_object()) {
      return absl::InvalidArgumentError(fmt::format("{}: Attributes must be an object", where));
    }
    for (const auto& [name, value] : (*attributes)->get_object()) {
      wanted[std::string(name)] = AttributeText(value);
    }
  }
  return wanted;
}

}  // namespace

absl::StatusOr<Applied> ApplyTopic(ResourceProperties& properties, const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("Name");
  if (!name.ok()) return name.status();
  auto topics = ListAll(api, "ListTopics", {}, "Topics", "");
  if (!topics.ok()) return topics.status();
  bool existed = false;
  for (const protocol::XmlElement& topic : *topics) {
    existed |= std::string_view(topic.ChildText("TopicArn").value_or("")).ends_with(":" + *name);
  }
  auto created = Call(api, "CreateTopic", {{"Name", *name}}, *name);
  if (!created.ok()) return created.status();
  Applied applied{.name = *name,
                  .outcome = existed ? "unchanged" : "created",
                  .arn = std::string(created->ChildText("TopicArn").value_or(""))};
  properties.SetOwnArn(applied.arn);
  auto wanted = WantedAttributes(properties, *name);
  if (!wanted.ok()) return wanted.status();
  auto policy = properties.Get("Policy");
  if (!policy.ok()) return policy.status();
  if (*policy) (*wanted)["Policy"] = AttributeText(**policy);
  auto current = AttributesOf(api, "GetTopicAttributes", "TopicArn", applied.arn);
  if (!current.ok()) return current.status();
  auto changed =
      SetAttributes(api, "SetTopicAttributes", "TopicArn", applied.arn, *wanted, *current);
  if (!changed.ok()) return changed.status();
  if (*changed && existed) applied.outcome = "updated";
  return applied;
}

absl::StatusOr<Applied> ApplySubscription(ResourceProperties& properties,
                                          const DeployContext& context) {
  const AwsApi& api = *context.api;
  std::map<std::string, std::string> subscription;
  for (std::string_view key : {"TopicArn", "Protocol", "Endpoint"}) {
    auto value = properties.String(key);
    if (!value.ok()) return value.status();
    subscription[std::string(key)] = *value;
  }
  const std::string& topic = subscription["TopicArn"];
  // "topic -> function" (names, the ends of the ARNs) for the lines deploy prints.
  const auto last = [](const std::string& arn) { return arn.substr(arn.rfind(':') + 1); };
  const std::string what = fmt::format("{} -> {}", last(topic), last(subscription["Endpoint"]));
  auto existing =
      ListAll(api, "ListSubscriptionsByTopic", {{"TopicArn", topic}}, "Subscriptions", topic);
  if (!existing.ok()) return existing.status();
  Applied applied{.name = what, .outcome = "created"};
  for (const protocol::XmlElement& member : *existing) {
    if (member.ChildText("Protocol") == subscription["Protocol"] &&
        member.ChildText("Endpoint") == subscription["Endpoint"]) {
      applied.outcome = "unchanged";
      applied.arn = std::string(member.ChildText("SubscriptionArn").value_or(""));
    }
  }
  // Subscribe answers an existing subscription's ARN, so this is safe either way; it also
  // confirms nothing is pending for protocols that need no confirmation.
  auto subscribed = Call(api, "Subscribe",
                         {{"TopicArn", topic},
                          {"Protocol", subscription["Protocol"]},
                          {"Endpoint", subscription["Endpoint"]},
                          {"ReturnSubscriptionArn", "true"}},
                         what);
  if (!subscribed.ok()) return subscribed.status();
  applied.arn = std::string(subscribed->ChildText("SubscriptionArn").value_or(applied.arn));
  auto wanted = WantedAttributes(properties, what);
  if (!wanted.ok()) return wanted.status();
  if (!wanted->empty()) {
    auto current = AttributesOf(api, "GetSubscriptionAttributes", "SubscriptionArn", applied.arn);
    if (!current.ok()) return current.status();
    auto changed = SetAttributes(api, "SetSubscriptionAttributes", "SubscriptionArn", applied.arn,
                                 *wanted, *current);
    if (!changed.ok()) return changed.status();
    if (*changed && applied.outcome == "unchanged") applied.outcome = "updated";
  }
  return applied;
}

}  // namespace serval::server
