#include "services/apigatewayv2/http_api_gateway.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/access_check.h"
#include "services/apigateway/apigateway_access.h"
#include "services/apigatewayv2/cors.h"
#include "services/apigatewayv2/function_call.h"
#include "services/apigatewayv2/http_api_resources.h"
#include "services/apigatewayv2/proxy_payload.h"
#include "services/apigatewayv2/route_match.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr char kDefaultStage[] = "$default";
// HTTP APIs' payload limit.
constexpr size_t kMaxRequestBytes = 10 * 1024 * 1024;
constexpr int kDefaultTimeoutMillis = 30000;

// The stage a request addresses and the path below it: a first segment naming a stage other
// than $default, else the $default stage with the whole path. Empty stage: none serves it.
std::pair<std::string, std::string> ResolveStage(const HttpApi& api, std::string_view path) {
  const auto* stages = api.Children("stages");
  if (!stages || !path.starts_with('/')) return {};
  const size_t end = path.find('/', 1);
  const std::string first(path.substr(1, end == std::string_view::npos ? end : end - 1));
  if (first != kDefaultStage && stages->contains(first)) {
    return {first, end == std::string_view::npos ? "/" : std::string(path.substr(end))};
  }
  if (stages->contains(kDefaultStage)) return {kDefaultStage, std::string(path)};
  return {};
}

std::map<std::string, std::string> StageVariables(const HttpApi& api, const std::string& stage) {
  const json::object& stored = api.Children("stages")->at(stage);
  return StringMapFromJson(stored.if_contains("stageVariables"));
}

// The child `id` of `collection` in `api`; nullptr when there is none.
const json::object* ChildOf(const HttpApi& api, std::string_view collection,
                            const std::string& id) {
  const auto* children = api.Children(collection);
  if (!children) return nullptr;
  auto found = children->find(id);
  return found == children->end() ? nullptr : &found->second;
}

// The part of the execute-api ARN that names the route, as a function's resource policy sees
// it: "$default" for the default route, else "VERB/path" with the route's path ("/pets/{id}")
// and the request's method for an ANY route.
std::string RouteArnPart(const RouteMatch& route, std::string_view method) {
  if (route.route_key == kDefaultStage) return kDefaultStage;
  return fmt::format("{}{}", method, route.resource_path);
}

}  // namespace

// One request from its authorization to its answer, whichever comes first for the integration:
// the result or its timeout.
struct HttpApiGateway::Exchange {
  http::Responder respond;
  std::optional<CorsConfig> cors;
  http::Request request;
  ProxyRequest proxy;  // its request points at `request`
  json::object integration;
  PayloadFormat format = PayloadFormat::kV2;
  std::string source_arn;
  bool answered = false;

  void Answer(http::Response response) {
    if (answered) return;
    answered = true;
    if (cors) AddCorsHeaders(*cors, request, response);
    respond(std::move(response));
  }
};

HttpApiGateway::HttpApiGateway(Dependencies dependencies, const HttpApiStore* apis)
    : deps_(std::move(dependencies)),
      apis_(apis),
      jwt_authorizer_(deps_.io, deps_.clock),
      lambda_authorizer_(
          FunctionCaller{.functions = deps_.functions, .invoker = deps_.invoker, .io = deps_.io},
          deps_.account, deps_.clock) {}

bool HttpApiGateway::Serves(std::string_view api_id) const {
  return apis_->Find(api_id) != nullptr;
}

void HttpApiGateway::Handle(std::string_view api_id, std::string_view path,
                            protocol::RequestContext context, http::Responder answer) {
  // Every answer names the request, the gateway's own refusals too.
  http::Responder respond = [answer = std::move(answer),
                             request_id = context.request_id](http::Response response) {
    if (!std::any_of(response.headers.begin(), response.headers.end(),
                     [](const auto& header) { return header.first == "apigw-requestid"; })) {
      response.SetHeader("apigw-requestid", request_id);
    }
    answer(std::move(response));
  };
  const HttpApi* api = apis_->Find(api_id);
  if (!api) return respond(GatewayAnswer(404, "Not Found"));
  const http::Request& request = context.request;
  std::optional<CorsConfig> cors;
  if (const json::value* config = api->api.if_contains("corsConfiguration");
      config && !config->is_null()) {
    if (auto parsed = ParseCors(*config, CorsNaming::kCamel, -1); parsed.ok()) cors = *parsed;
  }
  auto [stage, route_path] = ResolveStage(*api, path);
  if (stage.empty()) return respond(GatewayAnswer(404, "Not Found"));
  if (cors && IsPreflight(request)) return respond(PreflightResponse(*cors, request));
  auto route = MatchRoute(*api, request.method, route_path);
  if (!route) return respond(GatewayAnswer(404, "Not Found"));
  const std::string authorization = StringMember(*route->route, "authorizationType");
  if (authorization == "AWS_IAM") {
    if (context.caller.anonymous) return respond(GatewayAnswer(403, "Forbidden"));
    // Structured bindings cannot be captured (clang 14).
    const std::string_view stage_name = stage;
    const std::string_view called_path = route_path;
    absl::Status allowed =
        services::CheckAccess(deps_.authorizer, context.caller, "AccessDeniedException", [&] {
          return services::AccessRequests{apigateway::InvokeRequest(
              deps_.account, api_id, stage_name, request.method, called_path)};
        });
    if (!allowed.ok()) return respond(apigateway::InvokeDenied(allowed));
  }
  const std::string target = StringMember(*route->route, "target");
  const json::object* integration = target.starts_with("integrations/")
                                        ? ChildOf(*api, "integrations", target.substr(13))
                                        : nullptr;
  if (!integration) return respond(GatewayAnswer(500, "Internal Server Error"));
  if (request.body_too_large || request.body.size() > kMaxRequestBytes) {
    return respond(GatewayAnswer(413, "Request Entity Too Large"));
  }
  std::string source_ip = protocol::ReportedClientIp(context);  // before the request moves
  auto exchange = std::make_shared<Exchange>(Exchange{
      .respond = std::move(respond),
      .cors = std::move(cors),
      .request = std::move(context.request),
      .proxy = {.path = route_path,
                .full_path = std::string(path),
                .route_key = route->route_key,
                .resource_path = route->resource_path,
                .stage = stage,
                .api_id = std::string(api_id),
                .domain_name = fmt::format("{}.execute-api.localhost", api_id),
                .account_id = deps_.account.account_id,
                .request_id = context.request_id,
                .source_ip = std::move(source_ip),
                .time_millis = deps_.clock->NowMillis(),
                .path_parameters = route->path_parameters,
                .stage_variables = StageVariables(*api, stage)},
      .integration = *integration,
      .format = StringMember(*integration, "payloadFormatVersion") == "1.0" ? PayloadFormat::kV1
                                                                            : PayloadFormat::kV2});
  exchange->proxy.request = &exchange->request;
  exchange->source_arn = fmt::format("arn:aws:execute-api:{}:{}:{}/{}/{}", deps_.account.region,
                                     deps_.account.account_id, api_id, stage,
                                     RouteArnPart(*route, exchange->request.method));
  if (authorization != "JWT" && authorization != "CUSTOM") return Integrate(std::move(exchange));
  const json::object* authorizer =
      ChildOf(*api, "authorizers", StringMember(*route->route, "authorizerId"));
  const std::string authorizer_type = authorizer ? StringMember(*authorizer, "authorizerType") : "";
  auto authorized = [this, exchange](Authorization result) {
    if (result.denial) return exchange->Answer(*std::move(result.denial));
    exchange->proxy.authorizer_json = std::move(result.authorizer_json);
    Integrate(exchange);
  };
  if (authorization == "JWT" && authorizer_type == "JWT") {
    return jwt_authorizer_.Authorize(*authorizer, *route->route, exchange->proxy, exchange->format,
                                     std::move(authorized));
  }
  if (authorization == "CUSTOM" && authorizer_type == "REQUEST") {
    return lambda_authorizer_.Authorize(*authorizer, exchange->proxy, exchange->format,
                                        std::move(authorized));
  }
  // A route whose authorizer is gone or of the other kind: fail closed.
  fmt::print(stderr, "serval: execute-api {}: the route's {} authorizer is missing or not {}\n",
             exchange->proxy.request_id, authorization, authorization);
  exchange->Answer(GatewayAnswer(500, "Internal Server Error"));
}

void HttpApiGateway::Integrate(std::shared_ptr<Exchange> exchange) {
  FunctionCall call{
      .function = LambdaArnOfUri(StringMember(exchange->integration, "integrationUri")),
      .source_arn = exchange->source_arn,
      .account_id = exchange->proxy.account_id,
      .payload = BuildProxyEvent(exchange->proxy, exchange->format),
      .request_id = exchange->proxy.request_id,
      .timeout_ms = IntMember(exchange->integration, "timeoutInMillis", kDefaultTimeoutMillis)};
  CallFunction(
      FunctionCaller{.functions = deps_.functions, .invoker = deps_.invoker, .io = deps_.io},
      std::move(call), [exchange](absl::StatusOr<sandbox::InvocationOutcome> outcome) {
        if (!outcome.ok() && outcome.status().code() == absl::StatusCode::kResourceExhausted) {
          return exchange->Answer(GatewayAnswer(429, "Too Many Requests"));
        }
        if (!outcome.ok() && outcome.status().code() == absl::StatusCode::kDeadlineExceeded) {
          return exchange->Answer(GatewayAnswer(503, "Service Unavailable"));
        }
        if (!outcome.ok() || outcome->function_error) {
          return exchange->Answer(GatewayAnswer(500, "Internal Server Error"));
        }
        auto mapped = MapProxyResponse(outcome->body, exchange->format);
        exchange->Answer(mapped.ok() ? *std::move(mapped)
                                     : GatewayAnswer(500, "Internal Server Error"));
      });
}

}  // namespace serval::apigatewayv2
