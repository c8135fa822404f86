#include "services/apigateway/gateway_response.h"

#include <boost/json.hpp>

namespace serval::apigateway {

http::Response GatewayResponse(int status, std::string_view message, std::string_view error_type) {
  http::Response response{
      .status = status, .body = boost::json::serialize(boost::json::object{{"message", message}})};
  response.SetHeader("Content-Type", "application/json");
  response.SetHeader("x-amzn-ErrorType", std::string(error_type));
  return response;
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

}  // namespace serval::apigateway
