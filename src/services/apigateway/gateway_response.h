#pragma once

#include <string_view>

#include "http/message.h"

namespace serval::apigateway {

// The answers API Gateway itself gives to a request of a deployed API (its gateway responses):
// `{"message": ...}` with `status` and x-amzn-ErrorType `error_type`. Thread-safe.
http::Response GatewayResponse(int status, std::string_view message, std::string_view error_type);

// The common ones (aws-wire-contracts 7.6).
http::Response MissingAuthenticationToken();  // 403: no such route, method or stage
http::Response InternalServerError();         // 500: the integration could not be made
http::Response BadGateway();                  // 502: a malformed proxy answer, a function error
http::Response EndpointTimeout();             // 504: the integration timed out
http::Response TooManyRequests();             // 429: stage throttling
http::Response RequestTooLarge();             // 413: above 10 MB
http::Response UnsupportedMediaType();        // 415: no template and passthrough NEVER

// Access control (docs/apigateway.md, "Access control").
http::Response Unauthorized();  // 401: no identity, or the authorizer raised "Unauthorized"
// 403: the authorizer's policy denies the method, explicitly or by allowing it nowhere.
http::Response AccessDenied(bool explicit_deny);
// 500 {"message": null}: the authorizer failed, timed out or answered a malformed policy.
http::Response AuthorizerConfigurationError();
http::Response InvalidApiKey();  // 403 "Forbidden": no key, an unknown or disabled one
http::Response QuotaExceeded();  // 429 "Limit Exceeded": the usage plan's quota is used up

}  // namespace serval::apigateway
