// Rule resources (resource_appliers.h), through EventBridge's JSON API (awsJson 1.1).

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

// PutRule's members a Rule takes besides Name (blueprint_manifest.cc lists the same).
constexpr std::string_view kRuleKeys[] = {"ScheduleExpression", "EventPattern", "State",
                                          "Description"};
// A target's members whose values EventBridge takes as strings of JSON; the manifest may write
// them as objects.
constexpr std::string_view kJsonTextKeys[] = {"Input"};

absl::StatusOr<http::Response> Call(const AwsApi& api, std::string_view operation,
                                    const json::object& input) {
  return api.Json("events", "1.1", "AWSEvents", operation, input);
}

// DescribeRule's answer, or nullopt when there is no such rule.
absl::StatusOr<std::optional<json::object>> Describe(const AwsApi& api, const std::string& name) {
  auto response = Call(api, "DescribeRule", {{"Name", name}});
  if (!response.ok()) return response.status();
  if (response->status == 400 && AwsErrorCode(*response) == "ResourceNotFoundException") {
    return std::nullopt;
  }
  if (auto status = Expect2xx("DescribeRule " + name, response); !status.ok()) return status;
  return JsonObjectOf(*response, "DescribeRule");
}

// `value` as EventBridge stores it: a string as it is, anything else as its JSON text.
json::value AsText(const json::value& value) {
  return value.is_string() ? value : json::value(json::serialize(value));
}

// PutRule's input: the manifest's members, objects (an EventPattern) as JSON text, and State
// ENABLED unless the manifest says otherwise, as PutRule defaults it.
absl::StatusOr<json::object> WantedRule(const ResourceProperties& properties,
                                        const std::string& name) {
  json::object rule{{"Name", name}, {"State", "ENABLED"}};
  for (std::string_view key : kRuleKeys) {
    auto value = properties.Get(key);
    if (!value.ok()) return value.status();
    if (*value) rule[key] = AsText(**value);
  }
  return rule;
}

// The Targets property: a list of PutTargets' target objects, Input written as text.
absl::StatusOr<json::array> WantedTargets(const ResourceProperties& properties) {
  auto targets = properties.Get("Targets");
  if (!targets.ok()) return targets.status();
  json::array wanted;
  if (!*targets) return wanted;
  if (!(*targets)->is_array()) return absl::InvalidArgumentError("Targets must be a list");
  for (const json::value& item : (*targets)->get_array()) {
    if (!item.is_object() || StringMember(item.get_object(), "Id").empty()) {
      return absl::InvalidArgumentError("each of Targets is an object with an Id");
    }
    json::object target = item.get_object();
    for (std::string_view key : kJsonTextKeys) {
      if (const json::value* value = target.if_contains(key)) target[key] = AsText(*value);
    }
    wanted.push_back(std::move(target));
  }
  return wanted;
}

// Whether every member `wanted` names has that value in `current`.
bool Includes(const json::object& current, const json::object& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const json::key_value_pair& kv) {
    const json::value* now = current.if_contains(kv.key());
    return now && *now == kv.value();
  });
}

// Whether ListTargetsByRule already shows every wanted target as the manifest writes it.
absl::StatusOr<bool> TargetsInPlace(const AwsApi& api, const std::string& name,
                                    const json::array& wanted) {
  json::object input{{"Rule", name}};
  json::array listed;
  while (true) {
    auto response = Call(api, "ListTargetsByRule", input);
    if (auto status = Expect2xx("ListTargetsByRule " + name, response); !status.ok()) {
      return status;
    }
    auto body = JsonObjectOf(*response, "ListTargetsByRule");
    if (!body.ok()) return body.status();
    if (const json::value* page = body->if_contains("Targets"); page && page->is_array()) {
      for (const json::value& target : page->get_array()) listed.push_back(target);
    }
    const std::string token = StringMember(*body, "NextToken");
    if (token.empty()) break;
    input["NextToken"] = token;
  }
  return std::all_of(wanted.begin(), wanted.end(), [&](const json::value& target) {
    const json::object& want = target.get_object();
    return std::any_of(listed.begin(), listed.end(), [&](const json::value& entry) {
      return entry.is_object() && Includes(entry.get_object(), want);
    });
  });
}

}  // namespace

absl::StatusOr<Applied> ApplyRule(ResourceProperties& properties, const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("Name");
  if (!name.ok()) return name.status();
  auto wanted = WantedRule(properties, *name);
  if (!wanted.ok()) return wanted.status();
  auto targets = WantedTargets(properties);
  if (!targets.ok()) return targets.status();

  auto existing = Describe(api, *name);
  if (!existing.ok()) return existing.status();
  Applied applied{.name = *name, .outcome = *existing ? "unchanged" : "created"};
  if (*existing) {
    applied.arn = StringMember(**existing, "Arn");
    // A member the manifest leaves out is absent from DescribeRule too (State is always there).
    const bool same = Includes(**existing, *wanted) &&
                      std::all_of(std::begin(kRuleKeys), std::end(kRuleKeys), [&](auto key) {
                        return wanted->contains(key) || !(*existing)->contains(key);
                      });
    if (!same) applied.outcome = "updated";
  }
  if (applied.outcome != "unchanged") {
    // PutRule on an existing rule changes it in place and keeps its targets.
    auto put = Call(api, "PutRule", *wanted);
    if (auto status = Expect2xx("PutRule " + *name, put); !status.ok()) return status;
    auto body = JsonObjectOf(*put, "PutRule");
    if (!body.ok()) return body.status();
    applied.arn = StringMember(*body, "RuleArn");
  }
  if (targets->empty()) return applied;
  auto in_place = TargetsInPlace(api, *name, *targets);
  if (!in_place.ok()) return in_place.status();
  if (*in_place) return applied;
  auto put = Call(api, "PutTargets", {{"Rule", *name}, {"Targets", *targets}});
  if (auto status = Expect2xx("PutTargets " + *name, put); !status.ok()) return status;
  auto body = JsonObjectOf(*put, "PutTargets");
  if (!body.ok()) return body.status();
  if (IntMember(*body, "FailedEntryCount", 0) != 0) {
    const json::value* failed = body->if_contains("FailedEntries");
    return absl::FailedPreconditionError(fmt::format(
        "PutTargets {}: {}", *name, failed ? json::serialize(*failed) : "a target failed"));
  }
  if (applied.outcome == "unchanged") applied.outcome = "updated";
  return applied;
}

}  // namespace serval::server
