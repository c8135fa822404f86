#include "services/apigatewayv2/http_api_gateway.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "common/json_fields.h"
#include "services/apigatewayv2/cors.h"
#include "services/apigatewayv2/http_api_resources.h"
#include "services/apigatewayv2/proxy_payload.h"
#include "services/apigatewayv2/route_match.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr char kDefaultStage[] = "$default";
// HTTP APIs' payload limit.
constexpr size_t kMaxRequestBytes = 10 * 1024 * 1024;
// Serval listens on loopback and its HTTP server does not report the peer's address.
constexpr char kSourceIp[] = "127.0.0.1";
constexpr int kDefaultTimeoutMillis = 30000;

// API Gateway's own answers: {"message": ...}.
http::Response GatewayAnswer(int status, std::string_view message) {
  http::Response response{.status = status,
                          .body = json::serialize(json::object{{"message", message}})};
  response.SetHeader("Content-Type", "application/json");
  return response;
}

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

// What an invocation's end looks like to the gateway, whichever comes first: the result or
// the integration's timeout.
struct Pending {
  http::Responder respond;
  boost::asio::steady_timer timer;
  bool answered = false;
  std::optional<CorsConfig> cors;
  http::Request request;
  std::string request_id;

  void Answer(http::Response response) {
    if (answered) return;
    answered = true;
    timer.cancel();
    if (cors) AddCorsHeaders(*cors, request, response);
    response.SetHeader("apigw-requestid", request_id);
    respond(std::move(response));
  }
};

}  // namespace

HttpApiGateway::HttpApiGateway(Dependencies dependencies, const HttpApiStore* apis)
    : deps_(std::move(dependencies)), apis_(apis) {}

bool HttpApiGateway::Serves(std::string_view api_id) const {
  return apis_->Find(api_id) != nullptr;
}

void HttpApiGateway::Handle(std::string_view api_id, std::string_view path,
                            protocol::RequestContext context, http::Responder respond) {
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
  if (authorization == "AWS_IAM" && context.caller.anonymous) {
    return respond(GatewayAnswer(403, "Forbidden"));
  }
  // Serval cannot verify JWTs or run Lambda authorizers yet: such routes fail closed.
  if (authorization == "JWT" || authorization == "CUSTOM") {
    return respond(GatewayAnswer(401, "Unauthorized"));
  }
  const std::string target = StringMember(*route->route, "target");
  const auto* integrations = api->Children("integrations");
  const auto integration = target.starts_with("integrations/") && integrations
                               ? integrations->find(target.substr(13))
                               : std::map<std::string, json::object>::const_iterator();
  if (!integrations || !target.starts_with("integrations/") || integration == integrations->end()) {
    return respond(GatewayAnswer(500, "Internal Server Error"));
  }
  if (request.body_too_large || request.body.size() > kMaxRequestBytes) {
    return respond(GatewayAnswer(413, "Request Entity Too Large"));
  }
  const json::object& settings = integration->second;
  const PayloadFormat format = StringMember(settings, "payloadFormatVersion") == "1.0"
                                   ? PayloadFormat::kV1
                                   : PayloadFormat::kV2;
  ProxyRequest proxy{.request = &request,
                     .path = route_path,
                     .full_path = std::string(path),
                     .route_key = route->route_key,
                     .resource_path = route->resource_path,
                     .stage = stage,
                     .api_id = std::string(api_id),
                     .domain_name = fmt::format("{}.execute-api.localhost", api_id),
                     .account_id = deps_.account.account_id,
                     .request_id = context.request_id,
                     .source_ip = kSourceIp,
                     .time_millis = deps_.clock->NowMillis(),
                     .path_parameters = route->path_parameters,
                     .stage_variables = StageVariables(*api, stage)};
  invoker::InvokeRequest invoke{
      .function = LambdaArnOfUri(StringMember(settings, "integrationUri")),
      .payload = BuildProxyEvent(proxy, format),
      .request_id = context.request_id};
  auto pending = std::make_shared<Pending>(Pending{.respond = std::move(respond),
                                                   .timer = boost::asio::steady_timer(*deps_.io),
                                                   .cors = std::move(cors),
                                                   .request = std::move(context.request),
                                                   .request_id = context.request_id});
  // The function may go on running; its late result is dropped.
  pending->timer.expires_after(
      std::chrono::milliseconds(IntMember(settings, "timeoutInMillis", kDefaultTimeoutMillis)));
  pending->timer.async_wait([pending](const boost::system::error_code& error) {
    if (!error) pending->Answer(GatewayAnswer(503, "Service Unavailable"));
  });
  deps_.invoker->InvokeSync(std::move(invoke), [pending, format](
                                                   absl::StatusOr<invoker::InvokeResult> result) {
    if (!result.ok() && result.status().code() == absl::StatusCode::kResourceExhausted) {
      return pending->Answer(GatewayAnswer(429, "Too Many Requests"));
    }
    if (!result.ok() || result->outcome.function_error) {
      return pending->Answer(GatewayAnswer(500, "Internal Server Error"));
    }
    auto mapped = MapProxyResponse(result->outcome.body, format);
    pending->Answer(mapped.ok() ? *std::move(mapped) : GatewayAnswer(500, "Internal Server Error"));
  });
}

}  // namespace serval::apigatewayv2
