// LogSubscription resources (resource_appliers.h), through CloudWatch Logs' JSON API (awsJson 1.1)
// and Lambda's AddPermission.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "absl/strings/escaping.h"
#include "common/crypto.h"
#include "common/json_fields.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

// The principal CloudWatch Logs invokes subscription destinations as.
constexpr std::string_view kLogsPrincipal = "logs.amazonaws.com";
// PutSubscriptionFilter's default.
constexpr std::string_view kDefaultDistribution = "ByLogStream";

// One CloudWatch Logs operation; the response whatever its status.
absl::StatusOr<http::Response> Call(const AwsApi& api, std::string_view operation,
                                    const json::object& input) {
  return api.Json("logs", "1.1", "Logs_20140328", operation, input);
}

// The ARN of the log group `name` (`arn:...:log-group:NAME:*`, the SourceArn CloudWatch Logs
// invokes a destination with), or FailedPrecondition when there is none.
absl::StatusOr<std::string> GroupArn(const AwsApi& api, const std::string& name) {
  json::object input{{"logGroupNamePrefix", name}};
  while (true) {
    auto response = Call(api, "DescribeLogGroups", input);
    if (auto status = Expect2xx("DescribeLogGroups " + name, response); !status.ok()) {
      return status;
    }
    auto body = JsonObjectOf(*response, "DescribeLogGroups");
    if (!body.ok()) return body.status();
    if (const json::object* group = FindListedObject(*body, "logGroups", "logGroupName", name)) {
      return StringMember(*group, "arn");
    }
    const std::string token = StringMember(*body, "nextToken");
    if (token.empty()) break;
    input["nextToken"] = token;
  }
  return absl::FailedPreconditionError(fmt::format(
      "log group {} does not exist: a function's group exists once the function is created "
      "(put the Function before the LogSubscription); make other groups with aws logs "
      "create-log-group",
      name));
}

// The statement id of the permission for `group`: readable (`logs-aws-lambda-NAME-...`) and
// unique per group (a hash suffix, since several names read the same once only letters, digits,
// '-' and '_' are kept), within AddPermission's 100 characters.
std::string StatementIdFor(std::string_view group) {
  std::string readable;
  for (char c : group) {
    const bool kept = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (kept) {
      readable += c;
    } else if (!readable.empty() && readable.back() != '-') {
      readable += '-';
    }
  }
  if (readable.size() > 80) readable.resize(80);
  while (!readable.empty() && readable.back() == '-') readable.pop_back();
  return fmt::format("logs-{}-{}", readable, absl::BytesToHexString(Sha256(group)).substr(0, 8));
}

// The group's filter named `name` as DescribeSubscriptionFilters shows it, or nullopt.
absl::StatusOr<std::optional<json::object>> ExistingFilter(const AwsApi& api,
                                                           const std::string& group,
                                                           const std::string& name) {
  auto response = Call(api, "DescribeSubscriptionFilters",
                       {{"logGroupName", group}, {"filterNamePrefix", name}});
  if (auto status = Expect2xx("DescribeSubscriptionFilters " + group, response); !status.ok()) {
    return status;
  }
  auto body = JsonObjectOf(*response, "DescribeSubscriptionFilters");
  if (!body.ok()) return body.status();
  if (const json::object* filter =
          FindListedObject(*body, "subscriptionFilters", "filterName", name)) {
    return *filter;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Applied> ApplyLogSubscription(ResourceProperties& properties,
                                             const DeployContext& context) {
  const AwsApi& api = *context.api;
  json::object wanted;
  for (std::string_view key : {"LogGroupName", "FilterName", "DestinationArn"}) {
    auto value = properties.String(key);
    if (!value.ok()) return value.status();
    wanted[key] = *value;
  }
  // An empty pattern is a pattern: it matches every line.
  auto pattern = properties.Get("FilterPattern");
  if (!pattern.ok()) return pattern.status();
  if (!*pattern || !(*pattern)->is_string()) {
    return absl::InvalidArgumentError("FilterPattern must be a string");
  }
  auto distribution = properties.Get("Distribution");
  if (!distribution.ok()) return distribution.status();
  const std::string group = StringMember(wanted, "LogGroupName");
  const std::string name = StringMember(wanted, "FilterName");
  const std::string destination = StringMember(wanted, "DestinationArn");
  json::object filter{
      {"logGroupName", group},
      {"filterName", name},
      {"filterPattern", (*pattern)->get_string()},
      {"destinationArn", destination},
      {"distribution", *distribution ? **distribution : json::value(kDefaultDistribution)}};

  auto group_arn = GroupArn(api, group);
  if (!group_arn.ok()) return group_arn.status();
  // CloudWatch Logs accepts a Lambda destination only if the function lets it invoke it for the
  // group; the console adds this statement when it creates such a filter.
  auto permission = EnsurePermission(api, json::object{{"FunctionName", destination},
                                                       {"StatementId", StatementIdFor(group)},
                                                       {"Action", "lambda:InvokeFunction"},
                                                       {"Principal", kLogsPrincipal},
                                                       {"SourceArn", *group_arn}});
  if (!permission.ok()) return permission.status();

  Applied applied{.name = fmt::format("{} {}", group, name), .outcome = "created"};
  auto existing = ExistingFilter(api, group, name);
  if (!existing.ok()) return existing.status();
  if (*existing) {
    const bool same =
        std::all_of(filter.begin(), filter.end(), [&](const json::key_value_pair& kv) {
          const json::value* current = (*existing)->if_contains(kv.key());
          return current && *current == kv.value();
        });
    if (same) {
      applied.outcome = *permission == "unchanged" ? "unchanged" : "updated";
      return applied;
    }
    applied.outcome = "updated";
  }
  auto put = Call(api, "PutSubscriptionFilter", filter);
  if (auto status = Expect2xx("PutSubscriptionFilter " + applied.name, put); !status.ok()) {
    return status;
  }
  return applied;
}

}  // namespace serval::server
