// The HTTP integrations of the execute-api endpoint: HTTP_PROXY (the request passed to a URL
// and its response passed back) and HTTP (mapping templates on both sides, integration
// responses selected by the backend's status code). Also MOCK, which answers from templates
// alone.

#include <boost/json.hpp>

#include "common/percent_encoding.h"
#include "common/text.h"
#include "http/async_client.h"
#include "services/apigateway/custom_integration.h"
#include "services/apigateway/execute_api_service.h"
#include "services/apigateway/gateway_response.h"
#include "services/apigateway/stage_variables.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// Headers that belong to one connection, which a proxy does not pass on.
bool IsHopByHop(std::string_view name) {
  for (std::string_view hop : {"Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length",
                               "Host", "Expect", "Upgrade", "TE", "Trailer", "Proxy-Connection"}) {
    if (EqualsIgnoreCase(name, hop)) return true;
  }
  return false;
}

// The value a requestParameters source names: method.request.{path,querystring,header}.NAME,
// stageVariables.NAME or a 'static' value.
std::optional<std::string> RequestParameter(std::string_view source, const vtl::Bindings& bindings,
                                            const RequestFacts& facts) {
  if (source.size() >= 2 && source.front() == '\'' && source.back() == '\'') {
    return std::string(source.substr(1, source.size() - 2));
  }
  auto lookup = [](const std::map<std::string, std::string>& map,
                   std::string_view name) -> std::optional<std::string> {
    for (const auto& [key, value] : map) {
      if (EqualsIgnoreCase(key, name)) return value;
    }
    return std::nullopt;
  };
  for (auto [prefix, map] :
       {std::pair{std::string_view("method.request.path."), &facts.path_parameters},
        std::pair{std::string_view("method.request.querystring."), &bindings.querystring},
        std::pair{std::string_view("method.request.header."), &bindings.headers},
        std::pair{std::string_view("stageVariables."), &facts.stage_variables}}) {
    if (source.starts_with(prefix)) return lookup(*map, source.substr(prefix.size()));
  }
  return std::nullopt;
}

// The backend request: the integration URI with its {path} placeholders and stage variables
// filled in, and the mapped query parameters and headers added to `request`.
std::string BackendUrl(const Integration& integration, const vtl::Bindings& bindings,
                       const RequestFacts& facts, std::string_view raw_query, bool proxy,
                       http::Request& request) {
  std::string url = SubstituteStageVariables(integration.uri, facts.stage_variables);
  std::map<std::string, std::string> path_values = facts.path_parameters;
  std::string query = proxy ? std::string(raw_query) : "";
  for (const auto& [target, source] : integration.request_parameters) {
    std::optional<std::string> value = RequestParameter(source, bindings, facts);
    if (!value) continue;
    constexpr std::string_view kPath = "integration.request.path.";
    constexpr std::string_view kQuery = "integration.request.querystring.";
    constexpr std::string_view kHeader = "integration.request.header.";
    if (std::string_view(target).starts_with(kPath)) {
      path_values[target.substr(kPath.size())] = *value;
    } else if (std::string_view(target).starts_with(kQuery)) {
      query += (query.empty() ? "" : "&") + PercentEncode(target.substr(kQuery.size())) + "=" +
               PercentEncode(*value);
    } else if (std::string_view(target).starts_with(kHeader) &&
               value->find_first_of("\r\n") == std::string::npos) {
      request.headers.emplace_back(target.substr(kHeader.size()), *value);
    }
  }
  for (const auto& [name, value] : path_values) {
    for (const std::string& placeholder : {"{" + name + "+}", "{" + name + "}"}) {
      for (size_t at = url.find(placeholder); at != std::string::npos;
           at = url.find(placeholder, at + value.size())) {
        url.replace(at, placeholder.size(), value);
      }
    }
  }
  if (!query.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + query;
  return url;
}

}  // namespace

void ExecuteApiService::HttpProxy(std::shared_ptr<Exchange> exchange) {
  const http::Request& incoming = exchange->context.request;
  const Integration& integration = *exchange->method->integration;
  http::Request backend{
      .method = integration.http_method == "ANY" ? incoming.method : integration.http_method,
      .body = incoming.body};
  for (const auto& [name, value] : incoming.headers) {
    if (!IsHopByHop(name)) backend.headers.emplace_back(name, value);
  }
  const vtl::Bindings bindings = RequestBindings(incoming, exchange->facts);
  const std::string url = BackendUrl(integration, bindings, exchange->facts, incoming.RawQuery(),
                                     /*proxy=*/true, backend);
  http::AsyncFetch(*platform_.io, url, std::move(backend),
                   std::chrono::milliseconds(integration.timeout_in_millis),
                   [exchange](absl::StatusOr<http::Response> answer) {
                     if (absl::IsDeadlineExceeded(answer.status()))
                       return exchange->Answer(EndpointTimeout());
                     if (!answer.ok()) return exchange->Answer(InternalServerError());
                     http::Response response{.status = answer->status,
                                             .body = std::move(answer->body)};
                     for (auto& [name, value] : answer->headers) {
                       if (!IsHopByHop(name)) response.SetHeader(std::move(name), std::move(value));
                     }
                     exchange->Answer(std::move(response));
                   },
                   {.max_response_body = 10 * 1024 * 1024});
}

void ExecuteApiService::HttpCustom(std::shared_ptr<Exchange> exchange) {
  const http::Request& incoming = exchange->context.request;
  const Integration& integration = *exchange->method->integration;
  vtl::Bindings bindings = RequestBindings(incoming, exchange->facts);
  absl::StatusOr<std::optional<std::string>> body =
      IntegrationRequestBody(*exchange->method, incoming, bindings);
  if (!body.ok()) return exchange->Answer(InternalServerError());
  if (!body->has_value()) return exchange->Answer(UnsupportedMediaType());
  http::Request backend{
      .method = integration.http_method == "ANY" ? incoming.method : integration.http_method,
      .body = **std::move(body)};
  backend.headers.emplace_back("Content-Type", "application/json");
  const std::string url = BackendUrl(integration, bindings, exchange->facts, incoming.RawQuery(),
                                     /*proxy=*/false, backend);
  http::AsyncFetch(
      *platform_.io, url, std::move(backend),
      std::chrono::milliseconds(integration.timeout_in_millis),
      [exchange, bindings = std::move(bindings)](absl::StatusOr<http::Response> answer) {
        if (absl::IsDeadlineExceeded(answer.status())) return exchange->Answer(EndpointTimeout());
        if (!answer.ok()) return exchange->Answer(InternalServerError());
        IntegrationOutput output{.body = std::move(answer->body),
                                 .selector = std::to_string(answer->status),
                                 .headers = std::move(answer->headers)};
        exchange->Answer(
            MapIntegrationResponse(*exchange->method, output, exchange->context.request, bindings));
      },
      {.max_response_body = 10 * 1024 * 1024});
}

void ExecuteApiService::Mock(std::shared_ptr<Exchange> exchange) {
  const vtl::Bindings bindings = RequestBindings(exchange->context.request, exchange->facts);
  absl::StatusOr<std::optional<std::string>> body =
      IntegrationRequestBody(*exchange->method, exchange->context.request, bindings);
  if (!body.ok()) return exchange->Answer(InternalServerError());
  if (!body->has_value()) return exchange->Answer(UnsupportedMediaType());
  // The request template's {"statusCode": N} is what selection patterns see.
  IntegrationOutput output;
  json::error_code ec;
  const json::value parsed = json::parse(**body, ec);
  if (!ec && parsed.is_object()) {
    if (const json::value* code = parsed.get_object().if_contains("statusCode")) {
      if (code->is_int64()) output.selector = std::to_string(code->get_int64());
      if (code->is_string()) output.selector = std::string(code->get_string());
    }
  }
  exchange->Answer(
      MapIntegrationResponse(*exchange->method, output, exchange->context.request, bindings));
}

}  // namespace serval::apigateway
