#include "services/apigatewayv2/authorization.h"

#include <boost/json.hpp>

namespace serval::apigatewayv2 {

http::Response GatewayAnswer(int status, std::string_view message) {
  http::Response response{
      .status = status, .body = boost::json::serialize(boost::json::object{{"message", message}})};
  response.SetHeader("Content-Type", "application/json");
  return response;
}

}  // namespace serval::apigatewayv2
