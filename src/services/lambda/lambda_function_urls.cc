// Create/Get/Update/Delete/ListFunctionUrlConfig(s): the function URLs of a function and its
// aliases. The URLs themselves are served by the lambda_url front end.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/aws_error.h"
#include "common/ids.h"
#include "common/json_fields.h"
#include "common/time_format.h"
#include "protocol/validation.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr char kFunctionMissing[] = "Function does not exist";
constexpr char kResourceMissing[] = "The resource you requested does not exist.";
constexpr int kMaxListItems = 50;

// FunctionUrlQualifier: "((?!^\d+$)^[0-9a-zA-Z-_]+$)", 1..128 characters: an alias name, never
// a version or $LATEST.
bool IsUrlQualifier(std::string_view qualifier) {
  const auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  };
  const bool digits = std::all_of(qualifier.begin(), qualifier.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  return !qualifier.empty() && qualifier.size() <= 128 && !digits &&
         std::all_of(qualifier.begin(), qualifier.end(), word);
}

// The enum members of the request body: AuthType and InvokeMode.
absl::Status CheckEnum(const json::object& body, std::string_view member, std::string_view wire,
                       std::initializer_list<std::string_view> allowed, std::string_view listed) {
  const json::value* value = body.if_contains(member);
  if (!value || value->is_null()) return absl::OkStatus();
  const std::string text = value->is_string() ? std::string(value->get_string()) : "";
  if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return absl::OkStatus();
  return protocol::ValidationFailed(
      value->is_string() ? text : json::serialize(*value), wire,
      fmt::format("Member must satisfy enum value set: [{}]", listed));
}

// Applies the members of a Create or Update body to `url`.
absl::Status ApplyUrlFields(const json::object& body, FunctionUrlConfig& url) {
  if (auto s = CheckEnum(body, "AuthType", "authType", {"NONE", "AWS_IAM"}, "AWS_IAM, NONE");
      !s.ok()) {
    return s;
  }
  if (auto s = CheckEnum(body, "InvokeMode", "invokeMode", {"BUFFERED", "RESPONSE_STREAM"},
                         "RESPONSE_STREAM, BUFFERED");
      !s.ok()) {
    return s;
  }
  if (auto auth = StringMember(body, "AuthType"); !auth.empty()) url.auth_type = auth;
  if (auto mode = StringMember(body, "InvokeMode"); !mode.empty()) url.invoke_mode = mode;
  if (const json::value* cors = body.if_contains("Cors"); cors && !cors->is_null()) {
    auto parsed = apigatewayv2::ParseCors(*cors, apigatewayv2::CorsNaming::kPascal, 0);
    if (!parsed.ok()) return ValidationError(std::string(parsed.status().message()));
    url.cors = *std::move(parsed);
  }
  return absl::OkStatus();
}

// What the operations answer: Create leaves out LastModifiedTime, Create and Update name
// InvokeMode only once it was set, Get and List always (BUFFERED by default).
enum class UrlView { kCreated, kUpdated, kStored };

json::object UrlJson(const FunctionUrlConfig& url, const std::string& function_arn,
                     const std::string& function_url, UrlView view) {
  json::object out{{"FunctionUrl", function_url},
                   {"FunctionArn", function_arn},
                   {"AuthType", url.auth_type},
                   {"CreationTime", FormatIso8601Millis(url.creation_millis)}};
  if (url.cors)
    out["Cors"] = apigatewayv2::CorsToJson(*url.cors, apigatewayv2::CorsNaming::kPascal);
  if (view != UrlView::kCreated) {
    out["LastModifiedTime"] = FormatIso8601Millis(url.last_modified_millis);
  }
  if (!url.invoke_mode.empty() || view == UrlView::kStored) {
    out["InvokeMode"] = url.invoke_mode.empty() ? "BUFFERED" : url.invoke_mode;
  }
  return out;
}

absl::Status UrlNotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", message);
}

}  // namespace

std::string LambdaService::FunctionUrlOf(std::string_view url_id) const {
  const std::string_view endpoint = deps_.endpoint;
  const std::string_view port = endpoint.substr(endpoint.rfind(':') + 1);
  return fmt::format("http://{}.lambda-url.{}.localhost:{}/", url_id, deps_.account.region, port);
}

absl::Status LambdaService::FindUrlTarget(Call& call, std::string_view not_found) {
  if (auto query = call.request.QueryParam("Qualifier"); query && !IsUrlQualifier(*query)) {
    return protocol::ValidationFailed(
        *query, "qualifier",
        "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)");
  }
  if (absl::Status named = NameFunction(call); !named.ok()) return named;
  call.function = deps_.registry->Find(call.name);
  if (!call.function) return UrlNotFound(not_found);
  if (!call.qualifier.empty() && !call.function->aliases.contains(call.qualifier)) {
    return UrlNotFound(not_found);
  }
  return absl::OkStatus();
}

void LambdaService::CreateFunctionUrl(Call& call) {
  if (auto found = FindUrlTarget(call, kFunctionMissing); !found.ok()) return call.Fail(found);
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  if (!body->contains("AuthType")) return call.Fail(protocol::MissingMember("authType"));
  // The request's members are checked before the state is (AWS validates first).
  FunctionUrlConfig url;
  if (auto status = ApplyUrlFields(*body, url); !status.ok()) return call.Fail(status);
  const std::string arn = LambdaFunctionArn(deps_.account, call.name, call.qualifier);
  if (call.function->latest.config->function_urls.contains(call.qualifier)) {
    return call.Fail(ResourceConflict(
        fmt::format("Failed to create function url config for [functionArn = {}]. Error message:  "
                    "FunctionUrlConfig exists for this Lambda function",
                    arn)));
  }
  do {
    url.url_id = RandomHex(16);
  } while (deps_.registry->FindUrl(url.url_id));
  url.creation_millis = url.last_modified_millis = deps_.clock->NowMillis();
  const std::string qualifier = call.qualifier;
  UpdateMetadata(
      call, [&](FunctionConfig& config) { config.function_urls[qualifier] = url; },
      Replying(201, UrlJson(url, arn, FunctionUrlOf(url.url_id), UrlView::kCreated)));
}

void LambdaService::GetFunctionUrl(Call& call) {
  if (auto found = FindUrlTarget(call, kResourceMissing); !found.ok()) return call.Fail(found);
  const auto& urls = call.function->latest.config->function_urls;
  auto url = urls.find(call.qualifier);
  if (url == urls.end()) return call.Fail(UrlNotFound(kResourceMissing));
  call.Reply(200, UrlJson(url->second, LambdaFunctionArn(deps_.account, call.name, call.qualifier),
                          FunctionUrlOf(url->second.url_id), UrlView::kStored));
}

void LambdaService::UpdateFunctionUrl(Call& call) {
  if (auto found = FindUrlTarget(call, kFunctionMissing); !found.ok()) return call.Fail(found);
  const auto& urls = call.function->latest.config->function_urls;
  auto existing = urls.find(call.qualifier);
  if (existing == urls.end()) return call.Fail(UrlNotFound(kResourceMissing));
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  FunctionUrlConfig url = existing->second;
  if (auto status = ApplyUrlFields(*body, url); !status.ok()) return call.Fail(status);
  url.last_modified_millis = deps_.clock->NowMillis();
  const std::string qualifier = call.qualifier;
  json::object answer = UrlJson(url, LambdaFunctionArn(deps_.account, call.name, qualifier),
                                FunctionUrlOf(url.url_id), UrlView::kUpdated);
  UpdateMetadata(
      call, [&](FunctionConfig& config) { config.function_urls[qualifier] = url; },
      Replying(200, std::move(answer)));
}

void LambdaService::DeleteFunctionUrl(Call& call) {
  if (auto found = FindUrlTarget(call, kResourceMissing); !found.ok()) return call.Fail(found);
  if (!call.function->latest.config->function_urls.contains(call.qualifier)) {
    return call.Fail(UrlNotFound(kResourceMissing));
  }
  const std::string qualifier = call.qualifier;
  UpdateMetadata(
      call, [&](FunctionConfig& config) { config.function_urls.erase(qualifier); },
      ReplyingEmpty(204));
}

void LambdaService::ListFunctionUrls(Call& call) {
  if (auto found = FindUrlTarget(call, kFunctionMissing); !found.ok()) return call.Fail(found);
  auto max_items = ParseMaxItems(call.request.QueryParam("MaxItems"), kMaxListItems);
  if (!max_items.ok()) return call.Fail(max_items.status());
  if (*max_items > kMaxListItems) {
    return call.Fail(protocol::ValidationFailed(std::to_string(*max_items), "maxItems",
                                                "Member must have value less than or equal to 50"));
  }
  // The marker names the last qualifier listed, "#" first so that the unqualified URL's ""
  // is a marker too.
  auto after = DecodeMarker(call.request.QueryParam("Marker"));
  if (!after.ok()) return call.Fail(after.status());
  const auto& urls = call.function->latest.config->function_urls;
  auto it = after->starts_with('#') ? urls.upper_bound(after->substr(1)) : urls.begin();
  json::array listed;
  std::string last;
  for (; it != urls.end() && static_cast<int>(listed.size()) < *max_items; ++it) {
    listed.push_back(UrlJson(it->second, LambdaFunctionArn(deps_.account, call.name, it->first),
                             FunctionUrlOf(it->second.url_id), UrlView::kStored));
    last = it->first;
  }
  json::object out{{"FunctionUrlConfigs", std::move(listed)}};
  if (it != urls.end()) out["NextMarker"] = EncodeMarker("#" + last);
  call.Reply(200, out);
}

}  // namespace serval::lambda
