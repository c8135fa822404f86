#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/apigatewayv2/proxy_payload.h"

namespace serval::apigatewayv2 {

// HTTP API authorizers' identity sources: selection expressions naming where a request carries
// its identity. Thread-safe (pure functions).

// The value `source` selects for the request: "$request.header.NAME" (any case),
// "$request.querystring.NAME" (exact case), "$stageVariables.NAME", or "$context.NAME" for the
// context variables requestId, routeKey, stage, apiId, accountId, domainName, domainPrefix,
// httpMethod, path, protocol, identity.sourceIp and identity.userAgent. Empty when the request
// has none.
std::string IdentityValue(std::string_view source, const ProxyRequest& proxy);

// The values of an authorizer's identitySource list, in order; nullopt when one is missing or
// empty (API Gateway then answers 401 without running the authorizer).
std::optional<std::vector<std::string>> IdentityValues(const boost::json::object& authorizer,
                                                       const ProxyRequest& proxy);

}  // namespace serval::apigatewayv2
