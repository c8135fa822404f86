#pragma once

#include <boost/json/object.hpp>

#include "common/clock.h"
#include "services/apigatewayv2/authorization.h"
#include "services/apigatewayv2/jwks_cache.h"
#include "services/apigatewayv2/proxy_payload.h"

namespace serval::apigatewayv2 {

// An HTTP API's JWT authorizers: the token from the identity source (by default the
// Authorization header, with or without "Bearer "), its signature checked with the issuer's
// key set (jwks_cache.h), its claims with jwt.h, and the route's authorizationScopes against the
// token's scopes. A token that fails is 401 {"message":"Unauthorized"} with www-authenticate
// `Bearer scope="" error="invalid_token" error_description="..."`; missing scopes are 403
// {"message":"Forbidden"}. A passing token's claims reach the integration in
// requestContext.authorizer: {"jwt": {"claims", "scopes"}} (payload 2.0) or {"claims",
// "scopes"} (1.0). Runs only on the io thread.
class JwtAuthorizer {
 public:
  // `io` and `clock` must outlive the authorizer.
  JwtAuthorizer(boost::asio::io_context* io, const Clock* clock)
      : clock_(clock), keys_(io, clock) {}

  // Authorizes the request `proxy` describes for `route` with `authorizer` (a JWT authorizer as
  // stored). `done` runs on the io thread, possibly before Authorize returns.
  void Authorize(const boost::json::object& authorizer, const boost::json::object& route,
                 const ProxyRequest& proxy, PayloadFormat format, AuthorizationCallback done);

 private:
  const Clock* clock_;
  JwksCache keys_;
};

}  // namespace serval::apigatewayv2
