#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace boost::json {
class object;
class value;
}  // namespace boost::json

namespace serval::apigatewayv2 {

// Cross-origin resource sharing as a function URL (its Cors) or an HTTP API (its
// corsConfiguration) is configured: the gateway answers preflight requests itself and adds the
// Access-Control-* headers to the function's answers. Thread-compatible value type.
struct CorsConfig {
  bool allow_credentials = false;
  std::vector<std::string> allow_headers;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_origins;
  std::vector<std::string> expose_headers;
  std::optional<int> max_age;
};

// How a wire form spells the members: Lambda's "AllowOrigins", API Gateway v2's "allowOrigins".
enum class CorsNaming { kPascal, kCamel };

// Reads a Cors object (BadRequest-style InvalidArgument naming the member when a member has the
// wrong type or MaxAge is outside [min_max_age, 86400]).
absl::StatusOr<CorsConfig> ParseCors(const boost::json::value& value, CorsNaming naming,
                                     int min_max_age);
// Writes it; members that are unset (empty lists, no MaxAge, credentials false) are left out,
// as both services answer.
boost::json::object CorsToJson(const CorsConfig& cors, CorsNaming naming);

// Whether `request` is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool IsPreflight(const http::Request& request);
// The gateway's own answer to a preflight: 204 with the Access-Control-Allow-* headers when the
// request's origin is allowed, without them when it is not.
http::Response PreflightResponse(const CorsConfig& cors, const http::Request& request);
// Adds Access-Control-Allow-Origin (and Expose-Headers, Allow-Credentials) to the answer to a
// request whose Origin is allowed; replaces such headers the function set itself.
void AddCorsHeaders(const CorsConfig& cors, const http::Request& request, http::Response& response);

}  // namespace serval::apigatewayv2
