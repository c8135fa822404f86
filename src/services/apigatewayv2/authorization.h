#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace serval::apigatewayv2 {

// API Gateway's own answers: {"message": ...} as JSON.
http::Response GatewayAnswer(int status, std::string_view message);

// What a route's authorizer decided for one request. Thread-compatible value.
struct Authorization {
  // The gateway's answer in place of the integration's (401, 403, 500); nullopt: go on.
  std::optional<http::Response> denial;
  // requestContext.authorizer of the integration's event, JSON text; empty: none.
  std::string authorizer_json;
};
using AuthorizationCallback = std::function<void(Authorization)>;

}  // namespace serval::apigatewayv2
