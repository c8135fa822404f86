// The Lambda integrations of the execute-api endpoint: AWS_PROXY (the function gets the proxy
// event and describes the HTTP response) and AWS (mapping templates on both sides, integration
// responses selected by the function's errorMessage).

#include <fmt/format.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "common/json_validate.h"
#include "invoker/invoker.h"
#include "services/apigateway/custom_integration.h"
#include "services/apigateway/execute_api_service.h"
#include "services/apigateway/gateway_response.h"
#include "services/apigateway/stage_variables.h"
#include "services/lambda/resource_policy.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrincipal = "apigateway.amazonaws.com";

// The errorMessage of a function error's payload ("" when it has none).
std::string ErrorMessageOf(std::string_view payload) {
  json::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) return "";
  const json::value* message = parsed.get_object().if_contains("errorMessage");
  if (message == nullptr || message->is_null()) return "";
  return message->is_string() ? std::string(message->get_string()) : json::serialize(*message);
}

}  // namespace

void ExecuteApiService::CallFunction(
    std::shared_ptr<Exchange> exchange, FunctionCall call,
    std::function<void(std::shared_ptr<Exchange>, sandbox::InvocationOutcome)> on_outcome) {
  const RequestFacts& facts = exchange->facts;
  // As on AWS, the function's resource policy must let API Gateway invoke it for this source.
  absl::StatusOr<lambda::FunctionReference> reference = lambda::GrantedFunction(
      *platform_.functions, SubstituteStageVariables(call.function, facts.stage_variables),
      {.service = kPrincipal,
       .action = "lambda:InvokeFunction",
       .source_arn = call.source_arn,
       .source_account = facts.account_id});
  if (!reference.ok()) {
    fmt::print(stderr, "serval: execute-api {}: {}\n", facts.request_id,
               std::string(reference.status().message()));
    return exchange->Answer(call.failure());
  }
  // Lambda's Invoke refuses a payload that is not JSON (InvalidRequestContentException) before
  // the function runs: a request template that renders none ends in API Gateway's 500.
  if (std::string why; !call.payload.empty() && !IsValidJson(call.payload, &why)) {
    fmt::print(stderr,
               "serval: execute-api {}: Execution failed: the integration request is not JSON "
               "({}), which Lambda refuses\n",
               facts.request_id, why);
    return exchange->Answer(call.failure());
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(
      *platform_.io, std::chrono::milliseconds(call.timeout_ms));
  timer->async_wait([exchange, timeout = call.timeout](const boost::system::error_code& error) {
    // The function keeps running, as on AWS; its answer is then dropped.
    if (!error) exchange->Answer(timeout());
  });
  platform_.invoker->InvokeSync(
      invoker::InvokeRequest{.function = reference->name,
                             .qualifier = reference->qualifier,
                             .payload = std::move(call.payload),
                             .request_id = facts.request_id},
      [exchange, timer, failure = call.failure,
       on_outcome = std::move(on_outcome)](absl::StatusOr<invoker::InvokeResult> result) {
        timer->cancel();
        if (exchange->answered) return;
        // A throttled, missing or unstartable function: API Gateway's 500 (the client never
        // sees Lambda's 429).
        if (!result.ok()) return exchange->Answer(failure());
        on_outcome(exchange, std::move(result->outcome));
      });
}

void ExecuteApiService::InvokeFunction(
    std::shared_ptr<Exchange> exchange, std::string payload,
    std::function<void(std::shared_ptr<Exchange>, sandbox::InvocationOutcome)> on_outcome) {
  const RequestFacts& facts = exchange->facts;
  FunctionCall call{
      .function = exchange->method->function,
      .source_arn = fmt::format("arn:aws:execute-api:{}:{}:{}/{}/{}{}", platform_.account.region,
                                facts.account_id, facts.api_id, facts.stage, facts.http_method,
                                facts.resource_path),
      .payload = std::move(payload),
      .timeout_ms = exchange->method->integration->timeout_in_millis,
      .failure = &InternalServerError,
      .timeout = &EndpointTimeout};
  CallFunction(std::move(exchange), std::move(call), std::move(on_outcome));
}

void ExecuteApiService::LambdaProxy(std::shared_ptr<Exchange> exchange) {
  std::string event = ProxyEvent(exchange->context.request, exchange->facts,
                                 exchange->api->api().binary_media_types);
  InvokeFunction(std::move(exchange), std::move(event),
                 [](std::shared_ptr<Exchange> exchange, sandbox::InvocationOutcome outcome) {
                   if (outcome.function_error) return exchange->Answer(BadGateway());
                   absl::StatusOr<http::Response> response =
                       ParseProxyResponse(outcome.body, exchange->context.request.Header("Accept"),
                                          exchange->api->api().binary_media_types);
                   if (!response.ok()) return exchange->Answer(BadGateway());
                   exchange->Answer(*std::move(response));
                 });
}

void ExecuteApiService::LambdaCustom(std::shared_ptr<Exchange> exchange) {
  vtl::Bindings bindings = RequestBindings(exchange->context.request, exchange->facts);
  absl::StatusOr<std::optional<std::string>> body =
      IntegrationRequestBody(*exchange->method, exchange->context.request, bindings);
  if (!body.ok()) return exchange->Answer(InternalServerError());
  if (!body->has_value()) return exchange->Answer(UnsupportedMediaType());
  InvokeFunction(std::move(exchange), **std::move(body),
                 [bindings = std::move(bindings)](std::shared_ptr<Exchange> exchange,
                                                  sandbox::InvocationOutcome outcome) {
                   IntegrationOutput output{.body = std::move(outcome.body)};
                   if (outcome.function_error) output.selector = ErrorMessageOf(output.body);
                   exchange->Answer(MapIntegrationResponse(*exchange->method, output,
                                                           exchange->context.request, bindings));
                 });
}

}  // namespace serval::apigateway
