#include "services/apigatewayv2/proxy_payload.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "common/time_format.h"
#include "common/utf8.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

// Headers the gateway sets on a function's answer itself; a function's own would conflict with
// the framing the server writes.
constexpr std::string_view kFramingHeaders[] = {"content-length", "transfer-encoding", "connection",
                                                "keep-alive", "upgrade"};

// Content types whose bodies reach the function as text; every other body is base64.
constexpr std::string_view kTextTypes[] = {"text/", "json", "xml", "javascript"};

bool IsTextBody(const http::Request& request) {
  const std::string type = AsciiToLower(request.Header("Content-Type"));
  if (type.empty()) return false;
  return std::any_of(std::begin(kTextTypes), std::end(kTextTypes),
                     [&](std::string_view text) { return type.find(text) != std::string::npos; });
}

// Query parameters decoded, in order of first appearance, repeated names gathered.
std::vector<std::pair<std::string, std::vector<std::string>>> QueryParameters(
    std::string_view raw_query) {
  std::vector<std::pair<std::string, std::vector<std::string>>> params;
  if (raw_query.empty()) return params;
  for (std::string_view piece : SplitOn(raw_query, '&')) {
    if (piece.empty()) continue;
    const size_t equals = piece.find('=');
    std::string name = PercentDecode(piece.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? std::string() : PercentDecode(piece.substr(equals + 1));
    auto found = std::find_if(params.begin(), params.end(),
                              [&](const auto& param) { return param.first == name; });
    if (found == params.end()) {
      params.push_back({std::move(name), {std::move(value)}});
    } else {
      found->second.push_back(std::move(value));
    }
  }
  return params;
}

json::value StringMapOrNull(const std::map<std::string, std::string>& map) {
  if (map.empty()) return nullptr;
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

// The port the client addressed (from Host), as x-forwarded-port reports it.
std::string ForwardedPort(const http::Request& request) {
  const std::string_view host = request.Header("Host");
  const size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(']', colon) != std::string_view::npos) {
    return "80";
  }
  return std::string(host.substr(colon + 1));
}

void AddBody(const http::Request& request, json::object& event) {
  if (request.body.empty()) return;
  const bool text = IsTextBody(request);
  // A text body is read as UTF-8: bytes that are not become U+FFFD, as AWS delivers them.
  event["body"] = text ? ToValidUtf8(request.body) : Base64Encode(request.body);
  event["isBase64Encoded"] = !text;
}

std::string EventV2(const ProxyRequest& proxy) {
  const http::Request& request = *proxy.request;
  json::object headers;
  json::array cookies;
  auto add_header = [&](std::string_view name, std::string_view value) {
    const std::string lower = AsciiToLower(name);
    if (lower == "cookie") {
      for (std::string_view cookie : SplitOn(value, ';')) {
        cookie = TrimBlanks(cookie);
        if (!cookie.empty()) cookies.emplace_back(cookie);
      }
      return;
    }
    json::value& slot = headers[lower];
    slot = slot.is_string() ? json::value(std::string(slot.get_string()) + "," + std::string(value))
                            : json::value(value);
  };
  for (const auto& [name, value] : request.headers) add_header(name, value);
  for (const auto& [name, value] : GatewayHeaders(request, proxy.source_ip, proxy.time_millis)) {
    if (!headers.contains(AsciiToLower(name))) add_header(name, value);
  }
  json::object event{{"version", "2.0"},
                     {"routeKey", proxy.route_key},
                     {"rawPath", proxy.full_path},
                     {"rawQueryString", request.RawQuery()}};
  if (!cookies.empty()) event["cookies"] = std::move(cookies);
  event["headers"] = std::move(headers);
  if (auto params = QueryParameters(request.RawQuery()); !params.empty()) {
    json::object query;
    for (const auto& [name, values] : params) query[name] = absl::StrJoin(values, ",");
    event["queryStringParameters"] = std::move(query);
  }
  json::object context{{"accountId", proxy.account_id},
                       {"apiId", proxy.api_id},
                       {"domainName", proxy.domain_name},
                       {"domainPrefix", proxy.api_id}};
  if (!proxy.authorizer_json.empty()) context["authorizer"] = json::parse(proxy.authorizer_json);
  context["http"] = json::object{{"method", request.method},
                                 {"path", proxy.full_path},
                                 {"protocol", "HTTP/1.1"},
                                 {"sourceIp", proxy.source_ip},
                                 {"userAgent", request.Header("User-Agent")}};
  context["requestId"] = proxy.request_id;
  context["routeKey"] = proxy.route_key;
  context["stage"] = proxy.stage;
  context["time"] = FormatClfTime(proxy.time_millis);
  context["timeEpoch"] = proxy.time_millis;
  event["requestContext"] = std::move(context);
  if (!proxy.path_parameters.empty())
    event["pathParameters"] = StringMapOrNull(proxy.path_parameters);
  if (!proxy.stage_variables.empty())
    event["stageVariables"] = StringMapOrNull(proxy.stage_variables);
  event["isBase64Encoded"] = false;
  AddBody(request, event);
  return json::serialize(event);
}

std::string EventV1(const ProxyRequest& proxy) {
  const http::Request& request = *proxy.request;
  json::object headers, multi_headers;
  // HTTP APIs name headers in lower case, in either format.
  auto add_header = [&](std::string_view header, std::string_view value) {
    const std::string name = AsciiToLower(header);
    headers[name] = value;  // the last of repeated headers, as format 1.0 keeps it
    json::value& list = multi_headers[name];
    if (!list.is_array()) list = json::array();
    list.get_array().emplace_back(value);
  };
  for (const auto& [name, value] : request.headers) add_header(name, value);
  for (const auto& [name, value] : GatewayHeaders(request, proxy.source_ip, proxy.time_millis)) {
    if (!request.HasHeader(name)) add_header(name, value);
  }
  json::value query = nullptr, multi_query = nullptr;
  if (auto params = QueryParameters(request.RawQuery()); !params.empty()) {
    json::object single, multi;
    for (const auto& [name, values] : params) {
      single[name] = values.back();
      json::array list;
      for (const std::string& value : values) list.emplace_back(value);
      multi[name] = std::move(list);
    }
    query = std::move(single);
    multi_query = std::move(multi);
  }
  json::object identity = ProxyIdentity(proxy.source_ip, request.Header("User-Agent"));
  json::object context{{"accountId", proxy.account_id},
                       {"apiId", proxy.api_id},
                       {"domainName", proxy.domain_name},
                       {"domainPrefix", proxy.api_id},
                       {"extendedRequestId", proxy.request_id},
                       {"httpMethod", request.method},
                       {"identity", std::move(identity)},
                       {"path", proxy.full_path},
                       {"protocol", "HTTP/1.1"},
                       {"requestId", proxy.request_id},
                       {"requestTime", FormatClfTime(proxy.time_millis)},
                       {"requestTimeEpoch", proxy.time_millis},
                       {"resourceId", proxy.route_key},
                       {"resourcePath", proxy.resource_path},
                       {"stage", proxy.stage}};
  if (!proxy.authorizer_json.empty()) context["authorizer"] = json::parse(proxy.authorizer_json);
  json::object event{{"version", "1.0"},
                     {"resource", proxy.resource_path},
                     {"path", proxy.full_path},
                     {"httpMethod", request.method},
                     {"headers", std::move(headers)},
                     {"multiValueHeaders", std::move(multi_headers)},
                     {"queryStringParameters", std::move(query)},
                     {"multiValueQueryStringParameters", std::move(multi_query)},
                     {"requestContext", std::move(context)},
                     {"pathParameters", StringMapOrNull(proxy.path_parameters)},
                     {"stageVariables", StringMapOrNull(proxy.stage_variables)},
                     {"body", nullptr},
                     {"isBase64Encoded", false}};
  AddBody(request, event);
  return json::serialize(event);
}

absl::Status Malformed(std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("malformed Lambda proxy response: {}", why));
}

absl::Status AddHeader(std::string_view name, const json::value& value, http::Response& response) {
  if (!IsProxyHeaderName(name)) return Malformed("a header name is not a token");
  auto text = ProxyHeaderValue(value);
  if (!text.ok()) return text.status();
  if (!IsFramingHeader(name)) response.SetHeader(std::string(name), *std::move(text));
  return absl::OkStatus();
}

absl::StatusOr<int> StatusCodeOf(const json::value& value) {
  int64_t code = 0;
  if (value.is_int64()) {
    code = value.get_int64();
  } else if (!value.is_string() || !ParseDecimal(std::string_view(value.get_string()), &code)) {
    return Malformed("statusCode is not a number");
  }
  if (code < 100 || code > 599) return Malformed("statusCode is out of range");
  return static_cast<int>(code);
}

// A result that is a response object (it has a statusCode): its members become the answer.
absl::StatusOr<http::Response> MapResponseObject(const json::object& result, PayloadFormat format) {
  auto status = StatusCodeOf(result.at("statusCode"));
  if (!status.ok()) return status.status();
  http::Response response{.status = *status};
  if (const json::value* headers = result.if_contains("headers"); headers && !headers->is_null()) {
    if (!headers->is_object()) return Malformed("headers is not an object");
    for (const auto& [name, value] : headers->get_object()) {
      if (auto added = AddHeader(name, value, response); !added.ok()) return added;
    }
  }
  const char* const list_member = format == PayloadFormat::kV2 ? "cookies" : "multiValueHeaders";
  if (const json::value* lists = result.if_contains(list_member); lists && !lists->is_null()) {
    // 2.0: each cookie is a Set-Cookie header. 1.0: each header has a list of values.
    std::vector<std::pair<std::string_view, const json::array*>> headers;
    if (format == PayloadFormat::kV2) {
      if (!lists->is_array()) return Malformed("cookies is not a list");
      headers.push_back({"Set-Cookie", &lists->get_array()});
    } else {
      if (!lists->is_object()) return Malformed("multiValueHeaders is not an object");
      for (const auto& [name, values] : lists->get_object()) {
        if (!values.is_array()) return Malformed("a multiValueHeaders value is not a list");
        headers.push_back({name, &values.get_array()});
      }
    }
    for (const auto& [name, values] : headers) {
      for (const json::value& value : *values) {
        if (auto added = AddHeader(name, value, response); !added.ok()) return added;
      }
    }
  }
  if (const json::value* body = result.if_contains("body"); body && !body->is_null()) {
    response.body = body->is_string() ? std::string(body->get_string()) : json::serialize(*body);
  }
  if (const json::value* encoded = result.if_contains("isBase64Encoded");
      encoded && encoded->is_bool() && encoded->get_bool()) {
    auto decoded = Base64Decode(response.body);
    if (!decoded.ok()) return Malformed("body is not base64");
    response.body = *std::move(decoded);
  }
  const bool typed =
      std::any_of(response.headers.begin(), response.headers.end(),
                  [](const auto& h) { return EqualsIgnoreCase(h.first, "Content-Type"); });
  if (!typed) response.SetHeader("Content-Type", "application/json");
  return response;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> GatewayHeaders(const http::Request& request,
                                                                std::string_view source_ip,
                                                                int64_t time_millis) {
  return {{"X-Amzn-Trace-Id", fmt::format("Root=1-{:08x}-{}", time_millis / 1000, RandomHex(12))},
          {"X-Forwarded-For", std::string(source_ip)},
          {"X-Forwarded-Port", ForwardedPort(request)},
          {"X-Forwarded-Proto", "http"}};
}

bool IsProxyHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return c > 32 && c < 127 &&
           std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
  });
}

absl::StatusOr<std::string> ProxyHeaderValue(const json::value& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get_string();
  } else if (value.is_bool()) {
    text = value.get_bool() ? "true" : "false";
  } else if (value.is_number()) {
    text = json::serialize(value);
  } else {
    return Malformed("a header value is not a string");
  }
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return Malformed("a header value holds CR, LF or NUL");
  }
  return text;
}

bool IsFramingHeader(std::string_view name) {
  const std::string lower = AsciiToLower(name);
  return std::find(std::begin(kFramingHeaders), std::end(kFramingHeaders), lower) !=
         std::end(kFramingHeaders);
}

std::string BuildProxyEvent(const ProxyRequest& proxy, PayloadFormat format) {
  return format == PayloadFormat::kV2 ? EventV2(proxy) : EventV1(proxy);
}

absl::StatusOr<http::Response> MapProxyResponse(std::string_view result, PayloadFormat format) {
  json::error_code ec;
  json::value parsed = json::parse(json::string_view(result.data(), result.size()), ec);
  if (ec) return Malformed("the result is not JSON");
  if (parsed.is_object() && parsed.get_object().contains("statusCode")) {
    return MapResponseObject(parsed.get_object(), format);
  }
  if (format == PayloadFormat::kV1) return Malformed("the result is no object with a statusCode");
  // 2.0 without statusCode: the result is the body of a 200.
  http::Response response{.status = 200};
  response.SetHeader("Content-Type", "application/json");
  response.body =
      parsed.is_string() ? std::string(parsed.get_string()) : std::string(TrimBlanks(result));
  return response;
}

json::object ProxyIdentity(std::string_view source_ip, std::string_view user_agent) {
  return {{"accessKey", nullptr},
          {"accountId", nullptr},
          {"caller", nullptr},
          {"cognitoAuthenticationProvider", nullptr},
          {"cognitoAuthenticationType", nullptr},
          {"cognitoIdentityId", nullptr},
          {"cognitoIdentityPoolId", nullptr},
          {"principalOrgId", nullptr},
          {"sourceIp", source_ip},
          {"user", nullptr},
          {"userAgent", user_agent},
          {"userArn", nullptr}};
}

}  // namespace serval::apigatewayv2
