// Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s): how asynchronous invocations of each
// qualifier are retried and where their results are sent.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/aws_error.h"
#include "protocol/validation.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

json::object Destination(const std::string& arn) {
  return arn.empty() ? json::object{} : json::object{{"Destination", arn}};
}

json::object ConfigJson(const EventInvokeConfig& config, const std::string& function_arn) {
  return json::object{{"LastModified", static_cast<double>(config.last_modified_millis) / 1000.0},
                      {"FunctionArn", function_arn},
                      {"MaximumRetryAttempts", config.maximum_retry_attempts},
                      {"MaximumEventAgeInSeconds", config.maximum_event_age_seconds},
                      {"DestinationConfig",
                       json::object{{"OnSuccess", Destination(config.on_success_destination)},
                                    {"OnFailure", Destination(config.on_failure_destination)}}}};
}

absl::Status ReadDestination(const json::object& destinations, const char* key, std::string& out) {
  const json::value* entry = destinations.if_contains(key);
  if (!entry || entry->is_null()) return absl::OkStatus();
  const json::value* arn =
      entry->is_object() ? entry->get_object().if_contains("Destination") : nullptr;
  if (!entry->is_object() || (arn && !arn->is_null() && !arn->is_string())) {
    return InvalidRequestContent("Could not parse request body into json: DestinationConfig");
  }
  if (!arn || arn->is_null()) {
    out.clear();
    return absl::OkStatus();
  }
  const std::string destination(arn->get_string());
  // arn:aws:sns:REGION:ACCOUNT:TOPIC: six parts, a topic name of its own.
  const bool topic = destination.starts_with("arn:aws:sns:") &&
                     std::count(destination.begin(), destination.end(), ':') == 5 &&
                     !destination.ends_with(":");
  auto reference = destination.starts_with("arn:aws:lambda:")
                       ? ParseFunctionReference(destination)
                       : absl::StatusOr<FunctionReference>(absl::InvalidArgumentError(""));
  if (!topic && !reference.ok()) {
    return InvalidParameter(fmt::format(
        "The destination ARN {} is not supported: Serval delivers destinations to Lambda "
        "functions and SNS topics only",
        destination));
  }
  out = destination;
  return absl::OkStatus();
}

// Applies the members present in `body` (all of them replace `config`'s for Put; for Update
// absent members keep their value).
absl::Status ApplyEventInvokeFields(const json::object& body, EventInvokeConfig& config) {
  EventInvokeConfig updated = config;
  for (auto [key, field, low, high] :
       {std::tuple{"MaximumRetryAttempts", &updated.maximum_retry_attempts, 0, 2},
        std::tuple{"MaximumEventAgeInSeconds", &updated.maximum_event_age_seconds, 60, 21600}}) {
    const json::value* value = body.if_contains(key);
    if (!value || value->is_null()) continue;
    if (!value->is_int64()) {
      return InvalidRequestContent(fmt::format("Could not parse request body into json: {}", key));
    }
    if (value->get_int64() < low || value->get_int64() > high) {
      return protocol::ValidationFailed(
          std::to_string(value->get_int64()), key,
          fmt::format("Member must have value between {} and {}", low, high));
    }
    *field = static_cast<int>(value->get_int64());
  }
  if (const json::value* destinations = body.if_contains("DestinationConfig");
      destinations && !destinations->is_null()) {
    if (!destinations->is_object()) {
      return InvalidRequestContent("Could not parse request body into json: DestinationConfig");
    }
    if (auto s = ReadDestination(destinations->get_object(), "OnSuccess",
                                 updated.on_success_destination);
        !s.ok()) {
      return s;
    }
    if (auto s = ReadDestination(destinations->get_object(), "OnFailure",
                                 updated.on_failure_destination);
        !s.ok()) {
      return s;
    }
  }
  config = std::move(updated);
  return absl::OkStatus();
}

}  // namespace

void LambdaService::ListEventInvokeConfigs(Call& call) {
  json::array listed;
  for (const auto& [listed_qualifier, config] :
       call.function->latest.config->event_invoke_configs) {
    listed.push_back(
        ConfigJson(config, LambdaFunctionArn(deps_.account, call.name, listed_qualifier)));
  }
  call.Reply(200, json::object{{"FunctionEventInvokeConfigs", std::move(listed)}});
}

// GET, PUT (replace), POST (update) and DELETE on one qualifier's configuration.
void LambdaService::HandleEventInvokeConfig(Call& call) {
  const std::string qualifier = call.qualifier.empty() ? kLatest : call.qualifier;
  const std::string arn = LambdaFunctionArn(deps_.account, call.name, qualifier);
  const FunctionConfig& latest = *call.function->latest.config;
  const std::string& method = call.request.method;
  if (!call.function->Version(qualifier) && !call.function->aliases.count(qualifier)) {
    return call.Fail(FunctionNotFound(arn));
  }
  auto existing = latest.event_invoke_configs.find(qualifier);
  if (method == "GET" || method == "DELETE") {
    if (existing == latest.event_invoke_configs.end()) {
      return call.Fail(
          AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                   fmt::format("The function {} doesn't have an EventInvokeConfig", arn)));
    }
    if (method == "GET") return call.Reply(200, ConfigJson(existing->second, arn));
    return UpdateMetadata(
        call, [&](FunctionConfig& config) { config.event_invoke_configs.erase(qualifier); },
        ReplyingEmpty(204));
  }
  // PUT replaces the whole configuration; POST (Update) changes only what it names.
  if (method == "POST" && existing == latest.event_invoke_configs.end()) {
    return call.Fail(
        AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                 fmt::format("The function {} doesn't have an EventInvokeConfig", arn)));
  }
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  EventInvokeConfig config = method == "POST" ? existing->second : EventInvokeConfig{};
  if (auto status = ApplyEventInvokeFields(*body, config); !status.ok()) return call.Fail(status);
  config.last_modified_millis = deps_.clock->NowMillis();
  UpdateMetadata(
      call, [&](FunctionConfig& stored) { stored.event_invoke_configs[qualifier] = config; },
      Replying(200, ConfigJson(config, arn)));
}

}  // namespace serval::lambda
