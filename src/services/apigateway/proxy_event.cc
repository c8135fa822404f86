#include "services/apigateway/proxy_event.h"

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "common/time_format.h"
#include "common/utf8.h"
#include "services/apigatewayv2/proxy_payload.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

json::value StringMapOrNull(const std::map<std::string, std::string>& map) {
  if (map.empty()) return nullptr;
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

// A single-value map and its multi-value twin from (name, value) pairs in order; both null
// when there are none, as API Gateway sends them.
void AddPairs(json::object& event, std::string_view single, std::string_view multi,
              const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) {
    event[single] = nullptr;
    event[multi] = nullptr;
    return;
  }
  json::object singles, multis;
  for (const auto& [name, value] : pairs) {
    singles[name] = value;
    json::value& list = multis[name];
    if (!list.is_array()) list.emplace_array();
    list.get_array().emplace_back(value);
  }
  event[single] = std::move(singles);
  event[multi] = std::move(multis);
}

std::vector<std::pair<std::string, std::string>> QueryPairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view part : SplitOn(query, '&')) {
    if (part.empty()) continue;
    const size_t equals = part.find('=');
    pairs.emplace_back(FormDecode(part.substr(0, equals)),
                       equals == std::string_view::npos ? "" : FormDecode(part.substr(equals + 1)));
  }
  return pairs;
}

}  // namespace

json::object RequestContextJson(const RequestFacts& facts) {
  json::object identity = apigatewayv2::ProxyIdentity(facts.source_ip, facts.user_agent);
  if (!facts.caller_access_key.empty()) {
    identity["accessKey"] = facts.caller_access_key;
    identity["accountId"] = facts.caller_account_id;
    identity["caller"] = facts.caller_access_key;
    identity["user"] = facts.caller_access_key;
    identity["userArn"] = "arn:aws:iam::" + facts.caller_account_id + ":root";
  }
  if (!facts.api_key.empty()) {
    identity["apiKey"] = facts.api_key;
    identity["apiKeyId"] = facts.api_key_id;
  }
  const std::string_view domain_prefix =
      std::string_view(facts.domain_name).substr(0, facts.domain_name.find('.'));
  json::object context{{"accountId", facts.account_id},
                       {"apiId", facts.api_id},
                       {"deploymentId", facts.deployment_id},
                       {"domainName", facts.domain_name},
                       {"domainPrefix", domain_prefix},
                       {"extendedRequestId", facts.extended_request_id},
                       {"httpMethod", facts.http_method},
                       {"identity", std::move(identity)},
                       {"path", "/" + facts.stage + facts.path},
                       {"protocol", "HTTP/1.1"},
                       {"requestId", facts.request_id},
                       {"requestTime", FormatClfTime(facts.request_time_epoch_ms)},
                       {"requestTimeEpoch", facts.request_time_epoch_ms},
                       {"resourceId", facts.resource_id},
                       {"resourcePath", facts.resource_path},
                       {"stage", facts.stage}};
  if (!facts.authorizer.empty()) context["authorizer"] = facts.authorizer;
  return context;
}

bool IsBinaryMediaType(std::string_view content_type,
                       const std::vector<std::string>& binary_media_types) {
  const std::string type = AsciiToLower(TrimBlanks(content_type.substr(0, content_type.find(';'))));
  if (type.empty()) return false;
  for (const std::string& candidate : binary_media_types) {
    const std::string wanted = AsciiToLower(candidate);
    if (wanted == type || wanted == "*/*") return true;
    if (wanted.ends_with("/*") && type.starts_with(wanted.substr(0, wanted.size() - 1))) {
      return true;
    }
  }
  return false;
}

std::string ProxyEvent(const http::Request& request, const RequestFacts& facts,
                       const std::vector<std::string>& binary_media_types) {
  return json::serialize(ProxyEventObject(request, facts, binary_media_types));
}

json::object ProxyEventObject(const http::Request& request, const RequestFacts& facts,
                              const std::vector<std::string>& binary_media_types) {
  json::object event{
      {"resource", facts.resource_path}, {"path", facts.path}, {"httpMethod", request.method}};
  std::vector<std::pair<std::string, std::string>> headers = request.headers;
  for (auto& [name, value] :
       apigatewayv2::GatewayHeaders(request, facts.source_ip, facts.request_time_epoch_ms)) {
    if (!request.HasHeader(name)) headers.emplace_back(std::move(name), std::move(value));
  }
  AddPairs(event, "headers", "multiValueHeaders", headers);
  AddPairs(event, "queryStringParameters", "multiValueQueryStringParameters",
           QueryPairs(request.RawQuery()));
  event["pathParameters"] = StringMapOrNull(facts.path_parameters);
  event["stageVariables"] = StringMapOrNull(facts.stage_variables);
  event["requestContext"] = RequestContextJson(facts);
  const bool binary = !request.body.empty() &&
                      IsBinaryMediaType(request.Header("Content-Type"), binary_media_types);
  if (request.body.empty()) {
    event["body"] = nullptr;
  } else {
    // Without a binary media type the body is read as UTF-8 text: bytes that are not become
    // U+FFFD, and the function still runs, as on AWS.
    event["body"] = binary ? Base64Encode(request.body) : ToValidUtf8(request.body);
  }
  event["isBase64Encoded"] = binary;
  return event;
}

absl::StatusOr<http::Response> ParseProxyResponse(
    std::string_view result, std::string_view accept,
    const std::vector<std::string>& binary_media_types) {
  json::error_code ec;
  json::value parsed = json::parse(result, ec);
  if (ec || !parsed.is_object()) {
    return absl::InvalidArgumentError("the proxy response is not a JSON object");
  }
  const json::object& object = parsed.get_object();
  http::Response response{.status = 200};
  bool base64 = false;
  // Header name (lower case) -> its values and the name's spelling; multiValueHeaders first.
  std::vector<std::pair<std::string, std::vector<std::string>>> headers;
  auto add_header = [&](std::string_view name, std::string value) {
    for (auto& [existing, values] : headers) {
      if (EqualsIgnoreCase(existing, name)) return values.push_back(std::move(value));
    }
    headers.push_back({std::string(name), {std::move(value)}});
  };
  for (const auto& [key, value] : object) {
    if (key == "statusCode") {
      if (value.is_int64() && value.get_int64() >= 100 && value.get_int64() <= 599) {
        response.status = static_cast<int>(value.get_int64());
      } else if (int code = 0; value.is_string() && ParseDigits(value.get_string(), &code) &&
                               code >= 100 && code <= 599) {
        response.status = code;
      } else {
        return absl::InvalidArgumentError("statusCode is not an HTTP status");
      }
    } else if (key == "multiValueHeaders") {
      if (value.is_null()) continue;
      if (!value.is_object()) return absl::InvalidArgumentError("multiValueHeaders not an object");
      for (const auto& [name, values] : value.get_object()) {
        if (!values.is_array() || !apigatewayv2::IsProxyHeaderName(name)) {
          return absl::InvalidArgumentError("multiValueHeaders value is not a list");
        }
        for (const json::value& item : values.get_array()) {
          absl::StatusOr<std::string> text = apigatewayv2::ProxyHeaderValue(item);
          if (!text.ok()) return text.status();
          add_header(name, *std::move(text));
        }
      }
    } else if (key == "headers" || key == "body" || key == "isBase64Encoded") {
      continue;  // read below, after multiValueHeaders
    } else {
      return absl::InvalidArgumentError("unknown member " + std::string(key));
    }
  }
  if (const json::value* single = object.if_contains("headers"); single && !single->is_null()) {
    if (!single->is_object()) return absl::InvalidArgumentError("headers is not an object");
    for (const auto& [name, value] : single->get_object()) {
      if (!apigatewayv2::IsProxyHeaderName(name))
        return absl::InvalidArgumentError("invalid header name");
      absl::StatusOr<std::string> text = apigatewayv2::ProxyHeaderValue(value);
      if (!text.ok()) return text.status();
      add_header(name, *std::move(text));
    }
  }
  if (const json::value* flag = object.if_contains("isBase64Encoded"); flag && !flag->is_null()) {
    if (!flag->is_bool()) return absl::InvalidArgumentError("isBase64Encoded is not a boolean");
    base64 = flag->get_bool();
  }
  if (const json::value* body = object.if_contains("body"); body && !body->is_null()) {
    if (!body->is_string()) return absl::InvalidArgumentError("body is not a string");
    response.body = body->get_string();
  }
  if (base64 && IsBinaryMediaType(accept.substr(0, accept.find(',')), binary_media_types)) {
    absl::StatusOr<std::string> decoded = Base64Decode(response.body);
    if (!decoded.ok()) return absl::InvalidArgumentError("body is not base64");
    response.body = *std::move(decoded);
  }
  bool has_content_type = false;
  for (auto& [name, values] : headers) {
    if (apigatewayv2::IsFramingHeader(name)) continue;  // the server frames the answer
    has_content_type |= EqualsIgnoreCase(name, "Content-Type");
    // Values of a name given in both maps: multiValueHeaders' first, as API Gateway merges them.
    std::string joined;
    for (const std::string& value : values) joined += (joined.empty() ? "" : ", ") + value;
    response.SetHeader(name, std::move(joined));
  }
  if (!has_content_type) response.SetHeader("Content-Type", "application/json");
  return response;
}

}  // namespace serval::apigateway
