#include "services/apigateway/execute_api_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/ids.h"
#include "services/access_check.h"
#include "services/apigateway/apigateway_access.h"
#include "services/apigateway/gateway_response.h"
#include "services/http_api_endpoint.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kHostSuffix = ".execute-api.localhost";
constexpr std::string_view kUserRequest = "/_user_request_";
constexpr std::string_view kAwsPrefix = "/_aws/execute-api/";
// API Gateway's payload quota.
constexpr size_t kMaxPayloadBytes = 10 * 1024 * 1024;

std::string_view HostWithoutPort(std::string_view host) { return host.substr(0, host.rfind(':')); }

// Splits "/first/rest" into "first" and "/rest" ("/" when there is no rest).
std::pair<std::string_view, std::string_view> FirstSegment(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return {path, "/"};
  return {path.substr(0, slash), path.substr(slash)};
}

}  // namespace

void Exchange::Answer(http::Response response) {
  if (answered) return;
  answered = true;
  response.SetHeader("x-amzn-RequestId", facts.request_id);
  response.SetHeader("x-amz-apigw-id", facts.extended_request_id);
  response.SetHeader("X-Amzn-Trace-Id",
                     "Root=1-" + facts.request_id.substr(0, 8) + "-" +
                         facts.request_id.substr(9, 4) + facts.request_id.substr(14, 4) +
                         facts.request_id.substr(19, 4) + facts.request_id.substr(24, 12));
  respond(std::move(response));
}

ExecuteApiService::ExecuteApiService(const services::Platform& platform,
                                     std::shared_ptr<ApiStore> store,
                                     std::shared_ptr<UsageStore> usage)
    : platform_(platform), store_(std::move(store)), usage_(std::move(usage)) {}

const services::ServiceInfo& ExecuteApiService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "execute-api",
      .signing_name = "execute-api",
      .protocol = protocol::Protocol::kRestJson1,
      .path_prefixes = {"/restapis/*/*/_user_request_", kAwsPrefix},
      .host_suffixes = {kHostSuffix}};
  return kInfo;
}

services::Access ExecuteApiService::AccessFor(const http::Request& headers) const {
  (void)headers;
  return services::Access::kAnonymousUnlessSigV4;
}

std::optional<ExecuteApiService::Address> ExecuteApiService::AddressOf(
    const http::Request& request) {
  const std::string_view host = HostWithoutPort(request.Header("Host"));
  std::string_view path = request.RawPath();
  Address address;
  std::string_view api;
  if (path.starts_with(kAwsPrefix)) {
    std::tie(api, path) = FirstSegment(path.substr(kAwsPrefix.size() - 1));
  } else if (path.starts_with("/restapis/")) {
    // /restapis/{api}/{stage}/_user_request_/{path}
    std::string_view rest;
    std::tie(api, rest) = FirstSegment(path.substr(std::string_view("/restapis").size()));
    auto [stage, below] = FirstSegment(rest);
    if (!below.starts_with(kUserRequest)) return std::nullopt;
    below.remove_prefix(kUserRequest.size());
    address.api_id = std::string(api);
    address.stage = std::string(stage);
    address.path = below.empty() ? "/" : std::string(below);
    address.below_api = "/" + address.stage + address.path;
    return address;
  } else if (host.ends_with(kHostSuffix)) {
    api = host.substr(0, host.find('.'));
  } else {
    return std::nullopt;
  }
  auto [stage, below] = FirstSegment(path);
  address.api_id = std::string(api);
  address.stage = std::string(stage);
  address.path = std::string(below);
  address.below_api = path.empty() ? "/" : std::string(path);
  return address;
}

void ExecuteApiService::Handle(protocol::RequestContext context, http::Responder respond) {
  ++requests_;
  auto exchange = std::make_shared<Exchange>();
  exchange->facts.request_id = context.request_id;
  exchange->facts.extended_request_id = RandomHex(8).substr(0, 16);
  exchange->respond = std::move(respond);
  const std::optional<Address> address = AddressOf(context.request);
  if (!address || address->api_id.empty()) {
    exchange->context = std::move(context);
    return exchange->Answer(MissingAuthenticationToken());
  }
  const ApiStore::Entry* entry = store_->Find(address->api_id);
  if (entry == nullptr) {
    services::HttpApiEndpoint* http_apis =
        platform_.http_apis ? platform_.http_apis->endpoint : nullptr;
    if (http_apis != nullptr && http_apis->Serves(address->api_id)) {
      return http_apis->Handle(address->api_id, address->below_api, std::move(context),
                               std::move(exchange->respond));
    }
    exchange->context = std::move(context);
    return exchange->Answer(GatewayResponse(404, "Not Found", "NotFoundException"));
  }
  exchange->context = std::move(context);
  const http::Request& request = exchange->context.request;
  auto stage = entry->stages.find(address->stage);
  if (stage == entry->stages.end()) return exchange->Answer(MissingAuthenticationToken());
  auto deployment = entry->deployments.find(stage->second.deployment_id);
  if (deployment == entry->deployments.end()) return exchange->Answer(InternalServerError());
  if (request.body_too_large || request.body.size() > kMaxPayloadBytes) {
    return exchange->Answer(RequestTooLarge());
  }
  absl::StatusOr<std::shared_ptr<const CompiledApi>> api =
      Compiled(address->api_id, deployment->second);
  if (!api.ok()) return exchange->Answer(InternalServerError());
  std::optional<RouteMatch> match = (*api)->Find(address->path, request.method);
  if (!match) return exchange->Answer(MissingAuthenticationToken());
  exchange->api = *std::move(api);
  exchange->method = match->method;
  const protocol::Caller& caller = exchange->context.caller;
  if (match->method->method->authorization_type == "AWS_IAM") {
    if (caller.anonymous) return exchange->Answer(MissingAuthenticationToken());
    absl::Status allowed =
        services::CheckAccess(platform_.authorizer, caller, "AccessDeniedException", [&] {
          return services::AccessRequests{InvokeRequest(
              platform_.account, address->api_id, address->stage, request.method, address->path)};
        });
    if (!allowed.ok()) return exchange->Answer(InvokeDenied(allowed));
  }
  RequestFacts& facts = exchange->facts;
  facts.account_id = platform_.account.account_id;
  facts.api_id = address->api_id;
  facts.stage = address->stage;
  facts.deployment_id = deployment->first;
  facts.resource_id = match->method->resource->id;
  facts.resource_path = match->method->resource->path;
  facts.path = address->path;
  facts.http_method = request.method;
  facts.domain_name = std::string(HostWithoutPort(request.Header("Host")));
  facts.source_ip = protocol::ReportedClientIp(exchange->context);
  facts.user_agent = std::string(request.Header("User-Agent"));
  facts.request_time_epoch_ms = platform_.clock->NowMillis();
  facts.path_parameters = std::move(match->path_parameters);
  facts.stage_variables = stage->second.variables;
  if (!caller.anonymous) {
    facts.caller_access_key = caller.access_key;
    facts.caller_account_id = caller.account_id;
  }
  // Access control (API keys, authorizers, validators, throttling) runs Integrate when the
  // request passes: access_control.cc.
  Admit(std::move(exchange));
}

absl::StatusOr<std::shared_ptr<const CompiledApi>> ExecuteApiService::Compiled(
    const std::string& api_id, const Deployment& deployment) {
  const std::string key = api_id + "/" + deployment.id;
  if (auto found = compiled_.find(key); found != compiled_.end()) return found->second;
  absl::StatusOr<std::shared_ptr<const CompiledApi>> built =
      CompiledApi::Build(deployment.snapshot);
  if (!built.ok()) return built.status();
  // Deployments are immutable, so a compiled one stays right; forget those no stage serves any
  // more once there are many.
  if (compiled_.size() >= 256) compiled_.clear();
  compiled_.emplace(key, *built);
  return built;
}

void ExecuteApiService::Integrate(std::shared_ptr<Exchange> exchange) {
  using Runner = void (ExecuteApiService::*)(std::shared_ptr<Exchange>);
  static const std::map<std::string, Runner, std::less<>> kRunners = {
      {"AWS_PROXY", &ExecuteApiService::LambdaProxy},
      {"AWS", &ExecuteApiService::LambdaCustom},
      {"HTTP_PROXY", &ExecuteApiService::HttpProxy},
      {"HTTP", &ExecuteApiService::HttpCustom},
      {"MOCK", &ExecuteApiService::Mock}};
  // The control plane admits only these types.
  auto runner = kRunners.find(exchange->method->integration->type);
  if (runner == kRunners.end()) return exchange->Answer(InternalServerError());
  (this->*runner->second)(std::move(exchange));
}

void ExecuteApiService::AddStats(json::object& stats) const {
  stats["requests"] = requests_;
  stats["compiled_deployments"] = compiled_.size();
}

}  // namespace serval::apigateway
