#include "services/apigateway/gateway_response.h"

#include <boost/json.hpp>

namespace serval::apigateway {

namespace {

// `message` is a string, or null where AWS gives none.
http::Response Answer(int status, boost::json::value message, std::string_view error_type) {
  http::Response response{
      .status = status,
      .body = boost::json::serialize(boost::json::object{{"message", std::move(message)}})};
  response.SetHeader("Content-Type", "application/json");
  response.SetHeader("x-amzn-ErrorType", std::string(error_type));
  return response;
}

}  // namespace

http::Response GatewayResponse(int status, std::string_view message, std::string_view error_type) {
  return Answer(status, boost::json::string(message), error_type);
}

http::Response MissingAuthenticationToken() {
  return GatewayResponse(403, "Missing Authentication Token",
                         "MissingAuthenticationTokenException");
}

http::Response InternalServerError() {
  return GatewayResponse(500, "Internal server error", "InternalServerErrorException");
}

http::Response BadGateway() {
  return GatewayResponse(502, "Internal server error", "InternalServerErrorException");
}

http::Response EndpointTimeout() {
  return GatewayResponse(504, "Endpoint request timed out", "InternalServerErrorException");
}

http::Response TooManyRequests() {
  return GatewayResponse(429, "Too Many Requests", "TooManyRequestsException");
}

http::Response RequestTooLarge() {
  return GatewayResponse(413, "Request Too Long", "RequestEntityTooLargeException");
}

http::Response UnsupportedMediaType() {
  return GatewayResponse(415, "Unsupported Media Type", "UnsupportedMediaTypeException");
}

http::Response Unauthorized() {
  return GatewayResponse(401, "Unauthorized", "UnauthorizedException");
}

http::Response AccessDenied(bool explicit_deny) {
  return GatewayResponse(
      403,
      explicit_deny ? "User is not authorized to access this resource with an explicit deny"
                    : "User is not authorized to access this resource",
      "AccessDeniedException");
}

http::Response AuthorizerConfigurationError() {
  return Answer(500, nullptr, "AuthorizerConfigurationException");
}

http::Response InvalidApiKey() { return GatewayResponse(403, "Forbidden", "ForbiddenException"); }

http::Response QuotaExceeded() {
  return GatewayResponse(429, "Limit Exceeded", "LimitExceededException");
}

}  // namespace serval::apigateway
