// What a request to a deployed API passes before its integration runs (docs/apigateway.md,
// "Access control"): API keys with their usage plans' throttles and quotas, Lambda
// authorizers, request validators and the stage's throttling.

#include "services/apigateway/execute_api_service.h"
#include "services/apigateway/gateway_response.h"
#include "services/apigateway/request_validation.h"

namespace serval::apigateway {
namespace {

// API Gateway's account-level defaults, for a setting that names only one of the two limits.
constexpr double kDefaultRate = 10000;
constexpr int64_t kDefaultBurst = 5000;

}  // namespace

void ExecuteApiService::Admit(std::shared_ptr<Exchange> exchange) {
  // With apiKeySource AUTHORIZER the key is the authorizer's usageIdentifierKey, so the key is
  // checked after it; otherwise a request without a good key never reaches the authorizer.
  const bool key_from_authorizer = exchange->api->api().api_key_source == "AUTHORIZER";
  if (!key_from_authorizer) {
    if (std::optional<http::Response> rejected = CheckApiKey(*exchange)) {
      return exchange->Answer(*std::move(rejected));
    }
  }
  Authorize(std::move(exchange), [this, key_from_authorizer](std::shared_ptr<Exchange> exchange) {
    if (key_from_authorizer) {
      if (std::optional<http::Response> rejected = CheckApiKey(*exchange)) {
        return exchange->Answer(*std::move(rejected));
      }
    }
    if (std::optional<http::Response> rejected =
            ValidateRequest(exchange->api->api(), *exchange->method->method,
                            exchange->context.request, exchange->facts.path_parameters)) {
      return exchange->Answer(*std::move(rejected));
    }
    if (std::optional<http::Response> rejected = ThrottleStage(*exchange)) {
      return exchange->Answer(*std::move(rejected));
    }
    Integrate(std::move(exchange));
  });
}

std::optional<http::Response> ExecuteApiService::CheckApiKey(Exchange& exchange) {
  if (!exchange.method->method->api_key_required) return std::nullopt;
  RequestFacts& facts = exchange.facts;
  const std::string value = exchange.api->api().api_key_source == "AUTHORIZER"
                                ? exchange.usage_identifier_key
                                : std::string(exchange.context.request.Header("x-api-key"));
  std::optional<UsageStore::Grant> grant = usage_->GrantFor(value, facts.api_id, facts.stage);
  if (!grant) return InvalidApiKey();
  const UsagePlan& plan = *grant->plan;
  facts.api_key = grant->key->value;
  facts.api_key_id = grant->key->id;
  const int64_t now_ms = platform_.clock->NowMillis();
  const std::string meter = plan.id + "/" + grant->key->id;
  // A method's own limits in the plan's API stage come before the plan's.
  const ThrottleSettings* throttle = plan.throttle ? &*plan.throttle : nullptr;
  std::string bucket = meter;
  for (const ApiStage& bound : plan.api_stages) {
    if (bound.api_id != facts.api_id || bound.stage != facts.stage) continue;
    auto own =
        bound.throttle.find(facts.resource_path + "/" + exchange.method->method->http_method);
    if (own != bound.throttle.end()) {
      throttle = &own->second;
      bucket = meter + "/" + own->first;
    }
  }
  if (throttle != nullptr && (throttle->rate_limit || throttle->burst_limit) &&
      !limiter_.Admit(bucket, throttle->rate_limit.value_or(kDefaultRate),
                      throttle->burst_limit.value_or(kDefaultBurst), now_ms)) {
    return TooManyRequests();
  }
  if (plan.quota &&
      !quotas_.Consume(meter, plan.quota->limit, plan.quota->period, plan.quota->offset, now_ms)) {
    return QuotaExceeded();
  }
  return std::nullopt;
}

std::optional<http::Response> ExecuteApiService::ThrottleStage(const Exchange& exchange) {
  const RequestFacts& facts = exchange.facts;
  const ApiStore::Entry* entry = store_->Find(facts.api_id);
  if (entry == nullptr) return std::nullopt;
  auto stage = entry->stages.find(facts.stage);
  if (stage == entry->stages.end()) return std::nullopt;
  const auto& settings = stage->second.method_settings;
  auto setting = settings.find(facts.resource_path + "/" + exchange.method->method->http_method);
  if (setting == settings.end() ||
      (!setting->second.throttling_rate_limit && !setting->second.throttling_burst_limit)) {
    setting = settings.find("*/*");
  }
  if (setting == settings.end()) return std::nullopt;
  const MethodSetting& limits = setting->second;
  if (!limits.throttling_rate_limit && !limits.throttling_burst_limit) return std::nullopt;
  const std::string bucket = facts.api_id + "/" + facts.stage + "/" + setting->first;
  if (limiter_.Admit(bucket, limits.throttling_rate_limit.value_or(kDefaultRate),
                     limits.throttling_burst_limit.value_or(kDefaultBurst),
                     platform_.clock->NowMillis())) {
    return std::nullopt;
  }
  return TooManyRequests();
}

}  // namespace serval::apigateway
