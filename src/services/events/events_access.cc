#include "services/events/events_access.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "services/events/rule_store.h"
#include "services/events/target_input.h"

namespace serval::events {
namespace {

namespace json = boost::json;

// Where an operation's resource comes from.
enum class Resource {
  kNone,         // "*"
  kRule,         // the rule `Rule` or `Name` names, on the bus EventBusName names
  kBus,          // the bus `Name` names (the default bus when absent)
  kResourceArn,  // ResourceARN, as given
  kEntries,      // each bus PutEvents' Entries name
};

struct Mapping {
  std::string_view action;
  Resource resource;
  std::string_view name_member = "";  // kRule: the member holding the rule's name
};

// Every operation of the events front end (events_service.cc).
const absl::flat_hash_map<std::string_view, Mapping>& Mappings() {
  static const auto* kRules = new absl::flat_hash_map<std::string_view, Mapping>{
      {"PutRule", {"events:PutRule", Resource::kRule, "Name"}},
      {"DescribeRule", {"events:DescribeRule", Resource::kRule, "Name"}},
      {"ListRules", {"events:ListRules", Resource::kNone}},
      {"DeleteRule", {"events:DeleteRule", Resource::kRule, "Name"}},
      {"EnableRule", {"events:EnableRule", Resource::kRule, "Name"}},
      {"DisableRule", {"events:DisableRule", Resource::kRule, "Name"}},
      {"PutTargets", {"events:PutTargets", Resource::kRule, "Rule"}},
      {"ListTargetsByRule", {"events:ListTargetsByRule", Resource::kRule, "Rule"}},
      {"RemoveTargets", {"events:RemoveTargets", Resource::kRule, "Rule"}},
      {"ListRuleNamesByTarget", {"events:ListRuleNamesByTarget", Resource::kNone}},
      {"TagResource", {"events:TagResource", Resource::kResourceArn}},
      {"UntagResource", {"events:UntagResource", Resource::kResourceArn}},
      {"ListTagsForResource", {"events:ListTagsForResource", Resource::kResourceArn}},
      {"CreateEventBus", {"events:CreateEventBus", Resource::kBus}},
      {"DescribeEventBus", {"events:DescribeEventBus", Resource::kBus}},
      {"ListEventBuses", {"events:ListEventBuses", Resource::kNone}},
      {"DeleteEventBus", {"events:DeleteEventBus", Resource::kBus}},
      {"PutEvents", {"events:PutEvents", Resource::kEntries}},
      {"TestEventPattern", {"events:TestEventPattern", Resource::kNone}},
  };
  return *kRules;
}

std::string_view StringMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? std::string_view(*text) : std::string_view();
}

// A bus's name from EventBusName's name or ARN ("" reads as the default bus).
std::string_view BusName(std::string_view name_or_arn) {
  if (name_or_arn.empty()) return kDefaultBus;
  const size_t marker = name_or_arn.find(":event-bus/");
  if (!name_or_arn.starts_with("arn:") || marker == std::string_view::npos) return name_or_arn;
  return name_or_arn.substr(marker + std::string_view(":event-bus/").size());
}

// Adds `value` to the condition key `key` of `request`, once.
void AddContext(iam::AccessRequest& request, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  for (iam::ContextValue& entry : request.context) {
    if (entry.key != key) continue;
    for (const std::string& present : entry.values) {
      if (present == value) return;
    }
    entry.values.emplace_back(value);
    return;
  }
  request.context.push_back({.key = std::string(key), .values = {std::string(value)}});
}

// PutEvents: one request per bus, carrying the sources and detail types put on it.
void AddEntries(const json::object& input, std::string_view action, const AccountContext& account,
                services::AccessRequests& requests) {
  const json::value* value = input.if_contains("Entries");
  const json::array* entries = value ? value->if_array() : nullptr;
  if (entries == nullptr) return;
  for (const json::value& item : *entries) {
    const json::object* entry = item.if_object();
    if (entry == nullptr) continue;
    std::string arn = BusArn(account, BusName(StringMember(*entry, "EventBusName")));
    iam::AccessRequest* request = nullptr;
    for (iam::AccessRequest& present : requests) {
      if (present.resource == arn) request = &present;
    }
    if (request == nullptr) {
      request =
          &requests.emplace_back(iam::AccessRequest{.action = action, .resource = std::move(arn)});
    }
    AddContext(*request, "events:source", StringMember(*entry, "Source"));
    AddContext(*request, "events:detail-type", StringMember(*entry, "DetailType"));
  }
}

}  // namespace

std::string BusArn(const AccountContext& account, std::string_view bus) {
  return fmt::format("arn:aws:events:{}:{}:event-bus/{}", account.region, account.account_id, bus);
}

std::string RuleArn(const AccountContext& account, std::string_view bus, std::string_view name) {
  if (bus == kDefaultBus) return EventsRuleArn(account.region, account.account_id, name);
  return fmt::format("arn:aws:events:{}:{}:rule/{}/{}", account.region, account.account_id, bus,
                     name);
}

services::AccessRequests AccessRequestsFor(std::string_view operation, const json::object& input,
                                           const AccountContext& account) {
  services::AccessRequests requests;
  auto found = Mappings().find(operation);
  if (found == Mappings().end()) return requests;
  const Mapping& mapping = found->second;
  switch (mapping.resource) {
    case Resource::kNone:
      requests.push_back({.action = mapping.action, .resource = "*"});
      break;
    case Resource::kRule: {
      const std::string_view name = StringMember(input, mapping.name_member);
      if (name.empty()) break;
      requests.push_back(
          {.action = mapping.action,
           .resource = RuleArn(account, BusName(StringMember(input, "EventBusName")), name)});
      break;
    }
    case Resource::kBus:
      requests.push_back({.action = mapping.action,
                          .resource = BusArn(account, BusName(StringMember(input, "Name")))});
      break;
    case Resource::kResourceArn: {
      const std::string_view arn = StringMember(input, "ResourceARN");
      if (!arn.empty())
        requests.push_back({.action = mapping.action, .resource = std::string(arn)});
      break;
    }
    case Resource::kEntries:
      AddEntries(input, mapping.action, account, requests);
      break;
  }
  return requests;
}

}  // namespace serval::events
