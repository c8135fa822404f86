// Subscription filters: put, describe, delete.
#include <boost/json.hpp>
#include <set>

#include "common/aws_error.h"
#include "protocol/validation.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/resource_policy.h"
#include "services/logs/logs_service.h"
#include "services/logs/request_fields.h"
#include "services/logs/subscription_delivery.h"
#include "storage/log_store.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

constexpr size_t kMaxFiltersPerGroup = 2;
constexpr std::string_view kFunctionGroupPrefix = "/aws/lambda/";

absl::Status CheckFilterName(std::string_view name) {
  protocol::ValidationErrors errors;
  if (name.empty() || name.size() > 512) {
    errors.Add(name, "filterName", "Member must have length between 1 and 512");
  } else if (name.find_first_of(":*") != std::string_view::npos) {
    errors.Add(name, "filterName", "Member must satisfy regular expression pattern: [^:*]*");
  }
  return errors.ToStatus("InvalidParameterException");
}

// The function a destination ARN names (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q]).
std::optional<std::string> DestinationFunction(std::string_view arn) {
  constexpr std::string_view kMarker = ":function:";
  if (!arn.starts_with("arn:aws:lambda:")) return std::nullopt;
  const size_t marker = arn.find(kMarker);
  if (marker == std::string_view::npos) return std::nullopt;
  std::string_view name = arn.substr(marker + kMarker.size());
  name = name.substr(0, name.find(':'));
  if (name.empty()) return std::nullopt;
  return std::string(name);
}

}  // namespace

void LogsService::PutSubscriptionFilter(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  auto name = RequiredString(input, "filterName");
  if (!name.ok()) return done(name.status());
  if (auto status = CheckFilterName(*name); !status.ok()) return done(status);
  auto pattern_text = OptionalString(input, "filterPattern");
  if (!pattern_text.ok()) return done(pattern_text.status());
  if (!pattern_text->has_value()) {
    return done(protocol::ValidationErrors()
                    .AddMissing("filterPattern")
                    .ToStatus("InvalidParameterException"));
  }
  if (auto pattern = FilterPattern::Parse(**pattern_text); !pattern.ok()) {
    return done(InvalidParameter(std::string(pattern.status().message())));
  }
  auto destination = RequiredString(input, "destinationArn");
  if (!destination.ok()) return done(destination.status());
  auto role = OptionalString(input, "roleArn");
  if (!role.ok()) return done(role.status());
  auto distribution = OptionalString(input, "distribution");
  if (!distribution.ok()) return done(distribution.status());
  const std::string distribution_value = distribution->value_or("ByLogStream");
  if (distribution_value != "ByLogStream" && distribution_value != "Random") {
    return done(protocol::ValidationErrors()
                    .Add(distribution_value, "distribution",
                         "Member must satisfy enum value set: [Random, ByLogStream]")
                    .ToStatus("InvalidParameterException"));
  }
  if (!platform_.logs->GetGroup(*group)) return done(GroupNotFound());

  std::optional<std::string> function = DestinationFunction(*destination);
  if (!function) {
    if (destination->find(":kinesis:") != std::string::npos ||
        destination->find(":firehose:") != std::string::npos ||
        destination->find(":logs:") != std::string::npos) {
      return done(
          InvalidParameter("Serval delivers subscription filters to Lambda functions only; " +
                           *destination + " is not a function ARN"));
    }
    return done(InvalidParameter("Invalid destinationArn: " + *destination));
  }
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME: another account's function needs a destination
  // policy, which Serval (one account) has not (AWS's recorded answer).
  const std::string own_account = ":" + platform_.account.account_id + ":function:";
  if (destination->find(own_account) == std::string::npos) {
    return done(AwsError(absl::StatusCode::kPermissionDenied, "AccessDeniedException",
                         "Cross-account lambda invocation passing is not allowed. You must use "
                         "DestinationPolicies to create cross account lambda triggers."));
  }
  // The function must exist and let CloudWatch Logs invoke it for this group, as AWS checks
  // before it accepts the filter.
  const std::string source_arn = GroupArn(platform_.account, *group, true);
  bool allowed = false;
  for (const std::string& principal :
       {std::string("logs.amazonaws.com"), "logs." + platform_.account.region + ".amazonaws.com"}) {
    allowed = allowed || lambda::GrantedFunction(*platform_.functions, *destination,
                                                 {.service = principal,
                                                  .action = "lambda:InvokeFunction",
                                                  .source_arn = source_arn,
                                                  .source_account = platform_.account.account_id})
                             .ok();
  }
  if (!allowed) {
    return done(InvalidParameter(
        "Could not execute the lambda function. Make sure you have given CloudWatch Logs "
        "permission to execute your function."));
  }
  // A destination whose own log lines would come back to it (directly, or through other
  // groups' filters) would be invoked forever: each delivery logs START, END and REPORT lines
  // that make the next one.
  std::set<std::string> reached;
  std::vector<std::string> pending{std::string(kFunctionGroupPrefix) + *function};
  while (!pending.empty()) {
    std::string next = std::move(pending.back());
    pending.pop_back();
    if (next == *group) {
      return done(InvalidParameter(
          "Serval refuses this subscription filter: its destination function " + *function +
          " writes its log to " + std::string(kFunctionGroupPrefix) + *function +
          ", which leads back to log group " + *group +
          ", so each delivery would make another, forever. Subscribe a forwarder to other "
          "groups than its own."));
    }
    if (!reached.insert(next).second) continue;
    for (const SubscriptionFilter& filter : SettingsOf(next).subscription_filters) {
      if (auto target = DestinationFunction(filter.destination_arn)) {
        pending.push_back(std::string(kFunctionGroupPrefix) + *target);
      }
    }
  }

  SubscriptionFilter filter{.name = *name,
                            .pattern = **pattern_text,
                            .destination_arn = *destination,
                            .role_arn = role->value_or(""),
                            .distribution = distribution_value,
                            .creation_millis = platform_.clock->NowMillis()};
  UpdateSettings(
      *group,
      [&filter](GroupSettings& settings) {
        auto& filters = settings.subscription_filters;
        auto same = std::find_if(filters.begin(), filters.end(), [&](const SubscriptionFilter& f) {
          return f.name == filter.name;
        });
        if (same != filters.end()) {
          // An update keeps the time delivery started from.
          filter.creation_millis = same->creation_millis;
          *same = filter;
          return absl::OkStatus();
        }
        if (filters.size() >= kMaxFiltersPerGroup) return LimitExceeded("Resource limit exceeded.");
        filters.push_back(filter);
        std::sort(filters.begin(), filters.end(),
                  [](const SubscriptionFilter& a, const SubscriptionFilter& b) {
                    return a.name < b.name;
                  });
        return absl::OkStatus();
      },
      [this, group = *group, filter, done](absl::StatusOr<json::object> result) {
        if (result.ok()) subscriptions_->Announce(group, filter);
        done(std::move(result));
      });
}

absl::StatusOr<json::object> LogsService::DescribeSubscriptionFilters(const Input& input) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return group.status();
  auto prefix = OptionalString(input, "filterNamePrefix");
  if (!prefix.ok()) return prefix.status();
  auto limit = ReadLimit(input, 50, 50);
  if (!limit.ok()) return limit.status();
  if (!platform_.logs->GetGroup(*group)) return GroupNotFound();
  json::array filters;
  for (const SubscriptionFilter& filter : SettingsOf(*group).subscription_filters) {
    if (prefix->has_value() && !filter.name.starts_with(**prefix)) continue;
    if (filters.size() == static_cast<size_t>(*limit)) break;
    json::object item{{"filterName", filter.name},
                      {"logGroupName", *group},
                      {"filterPattern", filter.pattern},
                      {"destinationArn", filter.destination_arn},
                      {"distribution", filter.distribution},
                      {"applyOnTransformedLogs", false},
                      {"creationTime", filter.creation_millis}};
    if (!filter.role_arn.empty()) item["roleArn"] = filter.role_arn;
    filters.push_back(std::move(item));
  }
  return json::object{{"subscriptionFilters", std::move(filters)}};
}

void LogsService::DeleteSubscriptionFilter(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  auto name = RequiredString(input, "filterName");
  if (!name.ok()) return done(name.status());
  UpdateSettings(
      *group,
      [name = *name](GroupSettings& settings) {
        auto& filters = settings.subscription_filters;
        auto found = std::find_if(filters.begin(), filters.end(),
                                  [&](const SubscriptionFilter& f) { return f.name == name; });
        if (found == filters.end()) {
          return ResourceNotFound("The specified subscription filter does not exist.");
        }
        filters.erase(found);
        return absl::OkStatus();
      },
      std::move(done));
}

}  // namespace serval::logs
