#include "services/apigatewayv2/cors.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "absl/strings/str_join.h"
#include "common/text.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr int kMaxMaxAge = 86400;

std::string MemberName(std::string_view pascal, CorsNaming naming) {
  std::string name(pascal);
  if (naming == CorsNaming::kCamel) name[0] = AsciiLower(name[0]);
  return name;
}

bool Contains(const std::vector<std::string>& items, std::string_view wanted) {
  return std::any_of(items.begin(), items.end(),
                     [&](const std::string& item) { return EqualsIgnoreCase(item, wanted); });
}

// The Access-Control-Allow-Origin value for `origin`, or empty when it is not allowed.
std::string AllowedOrigin(const CorsConfig& cors, std::string_view origin) {
  if (origin.empty()) return "";
  if (Contains(cors.allow_origins, "*")) return cors.allow_credentials ? std::string(origin) : "*";
  return Contains(cors.allow_origins, origin) ? std::string(origin) : "";
}

void RemoveHeader(http::Response& response, std::string_view name) {
  std::erase_if(response.headers,
                [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

}  // namespace

absl::StatusOr<CorsConfig> ParseCors(const json::value& value, CorsNaming naming, int min_max_age) {
  const json::object* object = value.if_object();
  if (!object) return absl::InvalidArgumentError(MemberName("Cors", naming) + " must be an object");
  CorsConfig cors;
  for (auto [pascal, list] : {std::pair{"AllowHeaders", &cors.allow_headers},
                              std::pair{"AllowMethods", &cors.allow_methods},
                              std::pair{"AllowOrigins", &cors.allow_origins},
                              std::pair{"ExposeHeaders", &cors.expose_headers}}) {
    const std::string name = MemberName(pascal, naming);
    const json::value* member = object->if_contains(name);
    if (!member || member->is_null()) continue;
    if (!member->is_array()) return absl::InvalidArgumentError(name + " must be a list of strings");
    for (const json::value& item : member->get_array()) {
      if (!item.is_string()) {
        return absl::InvalidArgumentError(name + " must be a list of strings");
      }
      list->emplace_back(item.get_string());
    }
  }
  const std::string credentials = MemberName("AllowCredentials", naming);
  if (const json::value* member = object->if_contains(credentials); member && !member->is_null()) {
    if (!member->is_bool()) return absl::InvalidArgumentError(credentials + " must be a boolean");
    cors.allow_credentials = member->get_bool();
  }
  const std::string max_age = MemberName("MaxAge", naming);
  if (const json::value* member = object->if_contains(max_age); member && !member->is_null()) {
    if (!member->is_int64() || member->get_int64() < min_max_age ||
        member->get_int64() > kMaxMaxAge) {
      return absl::InvalidArgumentError(
          fmt::format("{} must be an integer between {} and {}", max_age, min_max_age, kMaxMaxAge));
    }
    cors.max_age = static_cast<int>(member->get_int64());
  }
  return cors;
}

json::object CorsToJson(const CorsConfig& cors, CorsNaming naming) {
  json::object out;
  if (cors.allow_credentials) out[MemberName("AllowCredentials", naming)] = true;
  for (auto [pascal, list] : {std::pair{"AllowHeaders", &cors.allow_headers},
                              std::pair{"AllowMethods", &cors.allow_methods},
                              std::pair{"AllowOrigins", &cors.allow_origins},
                              std::pair{"ExposeHeaders", &cors.expose_headers}}) {
    if (list->empty()) continue;
    json::array items;
    for (const std::string& item : *list) items.emplace_back(item);
    out[MemberName(pascal, naming)] = std::move(items);
  }
  if (cors.max_age) out[MemberName("MaxAge", naming)] = *cors.max_age;
  return out;
}

bool IsPreflight(const http::Request& request) {
  return request.method == "OPTIONS" && request.HasHeader("Origin") &&
         request.HasHeader("Access-Control-Request-Method");
}

http::Response PreflightResponse(const CorsConfig& cors, const http::Request& request) {
  http::Response response{.status = 204};
  const std::string origin = AllowedOrigin(cors, request.Header("Origin"));
  const std::string_view method = request.Header("Access-Control-Request-Method");
  const bool method_allowed =
      Contains(cors.allow_methods, "*") || Contains(cors.allow_methods, method);
  if (origin.empty() || !method_allowed) return response;
  response.SetHeader("Access-Control-Allow-Origin", origin);
  response.SetHeader("Access-Control-Allow-Methods", Contains(cors.allow_methods, "*")
                                                         ? std::string(method)
                                                         : absl::StrJoin(cors.allow_methods, ","));
  // A "*" in AllowHeaders allows whatever the preflight asks for.
  const std::string_view requested = request.Header("Access-Control-Request-Headers");
  const std::string headers = Contains(cors.allow_headers, "*")
                                  ? std::string(requested)
                                  : absl::StrJoin(cors.allow_headers, ",");
  if (!headers.empty()) response.SetHeader("Access-Control-Allow-Headers", headers);
  if (cors.max_age) response.SetHeader("Access-Control-Max-Age", std::to_string(*cors.max_age));
  if (cors.allow_credentials) response.SetHeader("Access-Control-Allow-Credentials", "true");
  return response;
}

void AddCorsHeaders(const CorsConfig& cors, const http::Request& request,
                    http::Response& response) {
  const std::string origin = AllowedOrigin(cors, request.Header("Origin"));
  if (origin.empty()) return;
  for (std::string_view name : {"Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
                                "Access-Control-Allow-Credentials"}) {
    RemoveHeader(response, name);
  }
  response.SetHeader("Access-Control-Allow-Origin", origin);
  if (!cors.expose_headers.empty()) {
    response.SetHeader("Access-Control-Expose-Headers", absl::StrJoin(cors.expose_headers, ","));
  }
  if (cors.allow_credentials) response.SetHeader("Access-Control-Allow-Credentials", "true");
}

}  // namespace serval::apigatewayv2
