#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/apigatewayv2/http_api_store.h"

namespace serval::apigatewayv2 {

// How an HTTP API picks the route for a request. Thread-safe (pure functions).

// The route chosen, with the values of its path variables.
struct RouteMatch {
  const boost::json::object* route = nullptr;
  std::string route_key;      // "GET /pets/{id}" or "$default"
  std::string resource_path;  // "/pets/{id}"; "$default" for the default route
  std::map<std::string, std::string> path_parameters;  // still percent-encoded
};

// The route of `api` for `method` and `path` (percent-encoded, starting with "/"), as HTTP APIs
// choose it: the most specific match wins (more literal segments, then plain variables over a
// greedy {name+}, then the exact method over ANY); "$default" catches the rest. A greedy
// variable takes one segment or more.
std::optional<RouteMatch> MatchRoute(const HttpApi& api, std::string_view method,
                                     std::string_view path);

// Checks a route key: "$default", or "METHOD /path" with METHOD one of GET, POST, PUT, PATCH,
// DELETE, HEAD, OPTIONS or ANY, and a greedy variable only as the last segment.
absl::Status ValidateRouteKey(std::string_view route_key);

}  // namespace serval::apigatewayv2
