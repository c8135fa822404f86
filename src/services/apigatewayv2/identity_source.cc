#include "services/apigatewayv2/identity_source.h"

#include <boost/json.hpp>
#include <functional>
#include <map>

#include "common/text.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

using ContextVariable = std::function<std::string(const ProxyRequest&)>;

const std::map<std::string, ContextVariable, std::less<>>& ContextVariables() {
  static const auto* kVariables = new std::map<std::string, ContextVariable, std::less<>>{
      {"requestId", [](const ProxyRequest& p) { return p.request_id; }},
      {"routeKey", [](const ProxyRequest& p) { return p.route_key; }},
      {"stage", [](const ProxyRequest& p) { return p.stage; }},
      {"apiId", [](const ProxyRequest& p) { return p.api_id; }},
      {"accountId", [](const ProxyRequest& p) { return p.account_id; }},
      {"domainName", [](const ProxyRequest& p) { return p.domain_name; }},
      {"domainPrefix", [](const ProxyRequest& p) { return p.api_id; }},
      {"httpMethod", [](const ProxyRequest& p) { return p.request->method; }},
      {"path", [](const ProxyRequest& p) { return p.full_path; }},
      {"protocol", [](const ProxyRequest&) { return std::string("HTTP/1.1"); }},
      {"identity.sourceIp", [](const ProxyRequest& p) { return p.source_ip; }},
      {"identity.userAgent",
       [](const ProxyRequest& p) { return std::string(p.request->Header("User-Agent")); }},
  };
  return *kVariables;
}

}  // namespace

std::string IdentityValue(std::string_view source, const ProxyRequest& proxy) {
  source = TrimBlanks(source);
  constexpr std::string_view kHeader = "$request.header.";
  constexpr std::string_view kQuery = "$request.querystring.";
  constexpr std::string_view kStage = "$stageVariables.";
  constexpr std::string_view kContext = "$context.";
  if (source.starts_with(kHeader)) {
    return std::string(proxy.request->Header(source.substr(kHeader.size())));
  }
  if (source.starts_with(kQuery)) {
    return proxy.request->QueryParam(source.substr(kQuery.size())).value_or("");
  }
  if (source.starts_with(kStage)) {
    auto found = proxy.stage_variables.find(std::string(source.substr(kStage.size())));
    return found == proxy.stage_variables.end() ? "" : found->second;
  }
  if (source.starts_with(kContext)) {
    const auto& variables = ContextVariables();
    auto found = variables.find(source.substr(kContext.size()));
    return found == variables.end() ? "" : found->second(proxy);
  }
  return "";
}

std::optional<std::vector<std::string>> IdentityValues(const json::object& authorizer,
                                                       const ProxyRequest& proxy) {
  std::vector<std::string> values;
  const json::value* sources = authorizer.if_contains("identitySource");
  if (!sources || !sources->is_array()) return values;
  for (const json::value& source : sources->get_array()) {
    if (!source.is_string()) continue;
    // A source may list several, comma-separated (as the REST API form writes them).
    for (std::string_view one : SplitOn(std::string_view(source.get_string()), ',')) {
      if (TrimBlanks(one).empty()) continue;
      std::string value = IdentityValue(one, proxy);
      if (value.empty()) return std::nullopt;
      values.push_back(std::move(value));
    }
  }
  return values;
}

}  // namespace serval::apigatewayv2
