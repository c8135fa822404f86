#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::apigatewayv2 {

// The Lambda proxy integration's two payload formats, shared by function URLs (always 2.0) and
// HTTP APIs (per integration): the event a gateway hands a function for one HTTP request, and
// how the function's result becomes the HTTP answer. docs/function_urls_and_http_apis.md shows
// both events. Thread-safe (pure functions).

// What a gateway knows about one request beyond the request itself.
struct ProxyRequest {
  const http::Request* request = nullptr;
  // The path the route was matched on, still percent-encoded: a function URL's whole path, an
  // HTTP API's path without a named stage's segment.
  std::string path;
  // The path as the client sent it, a named stage's segment included: what the function sees
  // (rawPath, requestContext.http.path; format 1.0's path and requestContext.path), as AWS
  // sends it ("/prod/pets/7"; a $default stage has no segment).
  std::string full_path;
  std::string route_key;      // "$default", "GET /pets/{id}"
  std::string resource_path;  // format 1.0's resource: the route's path ("/pets/{id}")
  std::string stage;          // "$default" or the stage name
  std::string api_id;         // the URL id or API id
  std::string domain_name;    // "{id}.lambda-url.us-east-1.localhost"
  std::string account_id;     // "anonymous" for a function URL without IAM auth
  std::string request_id;
  std::string source_ip;
  int64_t time_millis = 0;
  std::map<std::string, std::string> path_parameters;  // empty: none (left out / null)
  std::map<std::string, std::string> stage_variables;  // empty: none
  // requestContext.authorizer as JSON text (a function URL's {"iam": {...}}); empty: none.
  std::string authorizer_json;
};

enum class PayloadFormat { kV1, kV2 };

// The event, JSON text: format 2.0 (version "2.0": rawPath, rawQueryString, cookies, headers
// lower-cased with repeats comma-joined, queryStringParameters comma-joined, requestContext.http,
// body base64 unless the content type is text) or 1.0 (version "1.0": headers and
// multiValueHeaders in the client's case, both query string maps, requestContext.identity).
std::string BuildProxyEvent(const ProxyRequest& proxy, PayloadFormat format);

// The answer for a function's result `result` (JSON text). 2.0: an object with statusCode is a
// response ({statusCode, headers, cookies, body, isBase64Encoded}); anything else is a 200 whose
// body is the result (a JSON string's text, other JSON as returned). 1.0: an object {statusCode,
// headers, multiValueHeaders, body, isBase64Encoded}; without statusCode it is invalid (HTTP APIs
// make no assumptions for 1.0). InvalidArgument when the result is not a
// valid response: bad JSON or status, a header that is not a string or holds CR, LF or NUL (it
// could split the answer), undecodable base64. Framing headers the function sets
// (Content-Length, Transfer-Encoding, Connection) are dropped: the server frames the answer.
absl::StatusOr<http::Response> MapProxyResponse(std::string_view result, PayloadFormat format);

// The headers a gateway adds to what the client sent, in every proxy event (REST and HTTP APIs):
// X-Amzn-Trace-Id, X-Forwarded-For (`source_ip`), X-Forwarded-Port (from Host) and
// X-Forwarded-Proto. A client's own header of the same name is kept instead.
std::vector<std::pair<std::string, std::string>> GatewayHeaders(const http::Request& request,
                                                                std::string_view source_ip,
                                                                int64_t time_millis);

// The checks every proxy answer's headers pass (REST APIs' 1.0 answers use them too): a name
// must be an HTTP token; a value is a string, number or boolean written as text, and one
// holding CR, LF or NUL (it could split the answer) is InvalidArgument; framing headers
// (Content-Length, Transfer-Encoding, Connection, ...) are the server's, never the function's.
bool IsProxyHeaderName(std::string_view name);
absl::StatusOr<std::string> ProxyHeaderValue(const boost::json::value& value);
bool IsFramingHeader(std::string_view name);

// Payload format 1.0's requestContext.identity of an unauthenticated caller (REST APIs fill in
// the IAM caller's members over it).
boost::json::object ProxyIdentity(std::string_view source_ip, std::string_view user_agent);

}  // namespace serval::apigatewayv2
