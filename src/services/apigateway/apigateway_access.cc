#include "services/apigateway/apigateway_access.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <string>

namespace serval::apigateway {

iam::AccessRequest ManageRequest(std::string_view method, std::string_view path,
                                 const AccountContext& account) {
  // The methods the control planes route (apigateway_service.cc, apigatewayv2_service.cc).
  static constexpr std::pair<std::string_view, std::string_view> kActions[] = {
      {"GET", "apigateway:GET"},     {"POST", "apigateway:POST"},     {"PUT", "apigateway:PUT"},
      {"PATCH", "apigateway:PATCH"}, {"DELETE", "apigateway:DELETE"},
  };
  std::string_view action = "apigateway:*";  // a method no route has: matches only apigateway:*
  for (const auto& [verb, name] : kActions) {
    if (verb == method) action = name;
  }
  return {.action = action,
          .resource = fmt::format("arn:aws:apigateway:{}::{}", account.region, path)};
}

iam::AccessRequest InvokeRequest(const AccountContext& account, std::string_view api_id,
                                 std::string_view stage, std::string_view method,
                                 std::string_view path) {
  if (!path.starts_with('/')) path = "/";
  return {.action = "execute-api:Invoke",
          .resource = fmt::format("arn:aws:execute-api:{}:{}:{}/{}/{}{}", account.region,
                                  account.account_id, api_id, stage, method, path)};
}

http::Response InvokeDenied(const absl::Status& denied) {
  http::Response response{
      .status = 403,
      .body = boost::json::serialize(boost::json::object{
          {"Message", std::string_view(denied.message().data(), denied.message().size())}})};
  response.SetHeader("Content-Type", "application/json");
  response.SetHeader("x-amzn-ErrorType", "AccessDeniedException");
  return response;
}

}  // namespace serval::apigateway
