#pragma once

#include <map>
#include <optional>
#include <string>

#include "http/message.h"
#include "services/apigateway/rest_api.h"

namespace serval::apigateway {

// The checks a method's request validator makes before the integration runs. Without a
// validator nothing is checked (a required parameter is then documentation only, as on AWS).
// `path_parameters` are the route's. nullopt when the request passes; else the gateway's answer:
// 400 "Missing required request parameters: [a, b]" (header, path, then query string names, as
// AWS lists them) or 400 "Invalid request body" when the body is not JSON or fails the schema of
// the model the method names for its Content-Type (application/json when it has none, else the
// "$default" model). Thread-safe (pure function).
std::optional<http::Response> ValidateRequest(
    const RestApi& api, const Method& method, const http::Request& request,
    const std::map<std::string, std::string>& path_parameters);

}  // namespace serval::apigateway
