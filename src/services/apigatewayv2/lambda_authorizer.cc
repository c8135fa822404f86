#include "services/apigatewayv2/lambda_authorizer.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "services/apigatewayv2/http_api_resources.h"
#include "services/apigatewayv2/identity_source.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultTtlSeconds = 300;
// HTTP APIs wait 10 seconds for a Lambda authorizer.
constexpr int64_t kAuthorizerTimeoutMs = 10000;

// The function's event in the authorizer's payload format.
std::string AuthorizerEvent(const ProxyRequest& proxy, bool v2, const std::string& route_arn,
                            const std::vector<std::string>& identity) {
  json::object event =
      json::parse(BuildProxyEvent(proxy, v2 ? PayloadFormat::kV2 : PayloadFormat::kV1)).as_object();
  event.erase("body");
  event.erase("isBase64Encoded");
  event["type"] = "REQUEST";
  if (v2) {
    event["routeArn"] = route_arn;
    json::array sources;
    for (const std::string& value : identity) sources.emplace_back(value);
    event["identitySource"] = std::move(sources);
  } else {
    event["methodArn"] = route_arn;
    event["identitySource"] = absl::StrJoin(identity, ",");
    event["authorizationToken"] = absl::StrJoin(identity, ",");
  }
  return json::serialize(event);
}

// A simple response ({"isAuthorized": bool, "context": {...}}) as the policy it amounts to: an
// Allow or a Deny of every route.
absl::StatusOr<apigateway::AuthorizerOutput> ParseSimpleResponse(std::string_view payload) {
  json::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  const json::value* authorized =
      !ec && parsed.is_object() ? parsed.get_object().if_contains("isAuthorized") : nullptr;
  if (!authorized || !authorized->is_bool()) {
    return absl::InvalidArgumentError("isAuthorized is not a boolean");
  }
  apigateway::AuthorizerOutput output;
  output.statements.push_back(
      {.allow = authorized->get_bool(), .actions = {"execute-api:Invoke"}, .resources = {"*"}});
  if (const json::value* context = parsed.get_object().if_contains("context");
      context && !context->is_null()) {
    if (!context->is_object()) return absl::InvalidArgumentError("context is not an object");
    output.context = context->get_object();
  }
  return output;
}

// The authorizer's decision for `route_arn` and what the integration learns of it.
Authorization Decide(const apigateway::AuthorizerOutput& output, const std::string& route_arn,
                     PayloadFormat integration_format, int64_t latency_ms) {
  if (apigateway::EvaluatePolicy(output, route_arn) != apigateway::PolicyDecision::kAllow) {
    return {.denial = GatewayAnswer(403, "Forbidden")};
  }
  if (integration_format == PayloadFormat::kV2) {
    json::value context =
        output.context.empty() ? json::value(nullptr) : json::value(output.context);
    return {.authorizer_json = json::serialize(json::object{{"lambda", std::move(context)}})};
  }
  json::object authorizer = output.context;
  if (!output.principal_id.empty()) authorizer["principalId"] = output.principal_id;
  authorizer["integrationLatency"] = latency_ms;
  return {.authorizer_json = json::serialize(authorizer)};
}

}  // namespace

void LambdaAuthorizer::Authorize(const json::object& authorizer, const ProxyRequest& proxy,
                                 PayloadFormat integration_format, AuthorizationCallback done) {
  std::optional<std::vector<std::string>> identity = IdentityValues(authorizer, proxy);
  if (!identity) return done({.denial = GatewayAnswer(401, "Unauthorized")});
  const std::string id = StringMember(authorizer, "authorizerId");
  const bool v2 = StringMember(authorizer, "authorizerPayloadFormatVersion") != "1.0";
  const json::value* simple_member = authorizer.if_contains("enableSimpleResponses");
  const bool simple = v2 && simple_member && simple_member->is_bool() && simple_member->get_bool();
  const std::string route_arn =
      fmt::format("arn:aws:execute-api:{}:{}:{}/{}/{}{}", account_.region, proxy.account_id,
                  proxy.api_id, proxy.stage, proxy.request->method, proxy.path);
  const int64_t ttl_ms =
      IntMember(authorizer, "authorizerResultTtlInSeconds", kDefaultTtlSeconds) * 1000;
  const bool cached = ttl_ms > 0 && !identity->empty();
  const std::string cache_key =
      fmt::format("{}/{}\n{}", proxy.api_id, id, absl::StrJoin(*identity, "\n"));
  const int64_t started_ms = clock_->NowMillis();
  if (cached) {
    if (const apigateway::AuthorizerOutput* output = cache_.Find(cache_key, started_ms)) {
      return done(Decide(*output, route_arn, integration_format, 0));
    }
  }
  FunctionCall call{.function = LambdaArnOfUri(StringMember(authorizer, "authorizerUri")),
                    .source_arn = fmt::format("arn:aws:execute-api:{}:{}:{}/authorizers/{}",
                                              account_.region, proxy.account_id, proxy.api_id, id),
                    .account_id = proxy.account_id,
                    .payload = AuthorizerEvent(proxy, v2, route_arn, *identity),
                    .request_id = proxy.request_id,
                    .timeout_ms = kAuthorizerTimeoutMs};
  CallFunction(caller_, std::move(call),
               [this, simple, cached, cache_key, route_arn, ttl_ms, started_ms, integration_format,
                request_id = proxy.request_id,
                done = std::move(done)](absl::StatusOr<sandbox::InvocationOutcome> outcome) {
                 if (!outcome.ok() || outcome->function_error) {
                   return done({.denial = GatewayAnswer(500, "Internal Server Error")});
                 }
                 absl::StatusOr<apigateway::AuthorizerOutput> output =
                     simple ? ParseSimpleResponse(outcome->body)
                            : apigateway::ParseAuthorizerOutput(
                                  outcome->body, apigateway::ContextValues::kAsGiven);
                 if (!output.ok()) {
                   fmt::print(stderr,
                              "serval: execute-api {}: the authorizer's answer is malformed: {}\n",
                              request_id, std::string(output.status().message()));
                   return done({.denial = GatewayAnswer(500, "Internal Server Error")});
                 }
                 const int64_t now_ms = clock_->NowMillis();
                 if (cached) cache_.Put(cache_key, *output, now_ms + ttl_ms);
                 done(Decide(*output, route_arn, integration_format, now_ms - started_ms));
               });
}

}  // namespace serval::apigatewayv2
