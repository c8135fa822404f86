// Lambda authorizers on the execute-api endpoint (aws-wire-contracts 7.7): the identity a
// request carries, the authorizer function's policy for it (cached per identity for
// authorizerResultTtlInSeconds), and that policy's decision for the request's method ARN.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/text.h"
#include "services/apigateway/authorizer_policy.h"
#include "services/apigateway/execute_api_service.h"
#include "services/apigateway/gateway_response.h"
#include "services/apigateway/selection_pattern.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultTtlSeconds = 300;
// API Gateway waits for an authorizer as long as for an integration at most.
constexpr int64_t kAuthorizerTimeoutMs = 29000;

// The value one identity source names ("method.request.header.Auth", "method.request.querystring.
// q", "stageVariables.v", "context.x"), or "" when the request has none.
std::string IdentityValue(std::string_view source, const http::Request& request,
                          const RequestFacts& facts) {
  source = TrimBlanks(source);
  constexpr std::string_view kHeader = "method.request.header.";
  constexpr std::string_view kQuery = "method.request.querystring.";
  constexpr std::string_view kStage = "stageVariables.";
  constexpr std::string_view kContext = "context.";
  if (source.starts_with(kHeader))
    return std::string(request.Header(source.substr(kHeader.size())));
  if (source.starts_with(kQuery)) {
    return request.QueryParam(source.substr(kQuery.size())).value_or("");
  }
  if (source.starts_with(kStage)) {
    auto found = facts.stage_variables.find(std::string(source.substr(kStage.size())));
    return found == facts.stage_variables.end() ? "" : found->second;
  }
  if (source.starts_with(kContext)) {
    const json::object context = RequestContextJson(facts);
    const json::value* value = context.if_contains(source.substr(kContext.size()));
    if (value == nullptr || value->is_null()) return "";
    return value->is_string() ? std::string(value->get_string()) : json::serialize(*value);
  }
  return "";
}

// The request's identity for `authorizer`: the token (TOKEN) or the identity-source values
// joined (REQUEST); nullopt when one is missing or the token fails the validation expression,
// which API Gateway answers with 401 without calling the function.
std::optional<std::string> IdentityOf(const Authorizer& authorizer, const http::Request& request,
                                      const RequestFacts& facts) {
  std::string identity;
  for (std::string_view source : SplitOn(authorizer.identity_source, ',')) {
    if (TrimBlanks(source).empty()) continue;
    const std::string value = IdentityValue(source, request, facts);
    if (value.empty()) return std::nullopt;
    identity += value;
    identity += '\n';
  }
  if (authorizer.type == "TOKEN") {
    if (identity.empty()) return std::nullopt;
    identity.pop_back();
    if (!authorizer.identity_validation_expression.empty()) {
      absl::StatusOr<SelectionPattern> pattern =
          SelectionPattern::Compile(authorizer.identity_validation_expression);
      if (!pattern.ok() || !pattern->Matches(identity)) return std::nullopt;
    }
  }
  return identity;
}

// Why a function error is the caller's 401 and not the gateway's 500: it raised "Unauthorized".
bool RaisedUnauthorized(std::string_view payload) {
  json::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) return false;
  const json::value* message = parsed.get_object().if_contains("errorMessage");
  return message != nullptr && message->is_string() && message->get_string() == "Unauthorized";
}

// Lets the request on when `output` allows `method_arn`, with what the authorizer said in
// $context.authorizer; answers 403 otherwise.
void Decide(std::shared_ptr<Exchange> exchange, const AuthorizerOutput& output,
            const std::string& method_arn, int64_t latency_ms,
            const std::function<void(std::shared_ptr<Exchange>)>& next) {
  const PolicyDecision decision = EvaluatePolicy(output, method_arn);
  if (decision != PolicyDecision::kAllow) {
    return exchange->Answer(AccessDenied(decision == PolicyDecision::kExplicitDeny));
  }
  json::object authorizer = output.context;
  authorizer["principalId"] = output.principal_id;
  authorizer["integrationLatency"] = latency_ms;
  exchange->facts.authorizer = std::move(authorizer);
  exchange->usage_identifier_key = output.usage_identifier_key;
  next(std::move(exchange));
}

}  // namespace

void ExecuteApiService::Authorize(std::shared_ptr<Exchange> exchange,
                                  std::function<void(std::shared_ptr<Exchange>)> next) {
  const Method& method = *exchange->method->method;
  if (method.authorization_type != "CUSTOM") return next(std::move(exchange));
  const RequestFacts& facts = exchange->facts;
  const auto& authorizers = exchange->api->api().authorizers;
  auto found = authorizers.find(method.authorizer_id);
  if (found == authorizers.end() || found->second.type == "COGNITO_USER_POOLS") {
    fmt::print(stderr,
               "serval: execute-api {}: the method's authorizer {} is not a Lambda authorizer "
               "(Cognito user pools are not served)\n",
               facts.request_id, method.authorizer_id);
    return exchange->Answer(AuthorizerConfigurationError());
  }
  const Authorizer& authorizer = found->second;
  std::optional<std::string> identity = IdentityOf(authorizer, exchange->context.request, facts);
  if (!identity) return exchange->Answer(Unauthorized());
  const std::string method_arn =
      fmt::format("arn:aws:execute-api:{}:{}:{}/{}/{}{}", platform_.account.region,
                  facts.account_id, facts.api_id, facts.stage, facts.http_method, facts.path);
  const int64_t ttl_ms =
      authorizer.authorizer_result_ttl_in_seconds.value_or(kDefaultTtlSeconds) * 1000;
  // A REQUEST authorizer without identity sources has nothing to cache by.
  const bool cached = ttl_ms > 0 && !identity->empty();
  const std::string cache_key = fmt::format("{}/{}/{}/{}\n{}", facts.api_id, facts.stage,
                                            facts.deployment_id, authorizer.id, *identity);
  const int64_t started_ms = platform_.clock->NowMillis();
  if (cached) {
    if (const AuthorizerOutput* output = authorizer_cache_.Find(cache_key, started_ms)) {
      return Decide(std::move(exchange), *output, method_arn, 0, next);
    }
  }
  json::object event;
  if (authorizer.type == "TOKEN") {
    event = {{"type", "TOKEN"}, {"authorizationToken", *identity}, {"methodArn", method_arn}};
  } else {
    event =
        ProxyEventObject(exchange->context.request, facts, exchange->api->api().binary_media_types);
    event.erase("body");
    event.erase("isBase64Encoded");
    event["type"] = "REQUEST";
    event["methodArn"] = method_arn;
  }
  FunctionCall call{.function = LambdaFunctionOfUri(authorizer.authorizer_uri),
                    .source_arn = fmt::format("arn:aws:execute-api:{}:{}:{}/authorizers/{}",
                                              platform_.account.region, facts.account_id,
                                              facts.api_id, authorizer.id),
                    .payload = json::serialize(event),
                    .timeout_ms = kAuthorizerTimeoutMs,
                    .failure = &AuthorizerConfigurationError,
                    .timeout = &AuthorizerConfigurationError};
  CallFunction(
      std::move(exchange), std::move(call),
      [this, cached, cache_key, method_arn, ttl_ms, started_ms, next = std::move(next)](
          std::shared_ptr<Exchange> exchange, sandbox::InvocationOutcome outcome) {
        if (outcome.function_error) {
          return exchange->Answer(
              RaisedUnauthorized(outcome.body) ? Unauthorized() : AuthorizerConfigurationError());
        }
        absl::StatusOr<AuthorizerOutput> output = ParseAuthorizerOutput(outcome.body);
        if (!output.ok()) {
          fmt::print(stderr, "serval: execute-api {}: the authorizer's answer is malformed: {}\n",
                     exchange->facts.request_id, std::string(output.status().message()));
          return exchange->Answer(AuthorizerConfigurationError());
        }
        const int64_t now_ms = platform_.clock->NowMillis();
        if (cached) authorizer_cache_.Put(cache_key, *output, now_ms + ttl_ms);
        Decide(std::move(exchange), *output, method_arn, now_ms - started_ms, next);
      });
}

}  // namespace serval::apigateway
