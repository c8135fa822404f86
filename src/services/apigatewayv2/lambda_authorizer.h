#pragma once

#include <boost/json/object.hpp>

#include "common/arn.h"
#include "common/clock.h"
#include "services/apigateway/authorizer_cache.h"
#include "services/apigatewayv2/authorization.h"
#include "services/apigatewayv2/function_call.h"
#include "services/apigatewayv2/proxy_payload.h"

namespace serval::apigatewayv2 {

// An HTTP API's Lambda (REQUEST) authorizers. The identity sources must all be present, else 401
// without a call. The function gets the authorizer payload format's event (2.0: type, routeArn,
// identitySource list and the request as the 2.0 proxy event has it; 1.0: the REST API REQUEST
// event with methodArn) and answers with an IAM policy for the route ARN or, for 2.0 with simple
// responses enabled, {"isAuthorized", "context"}. Answers are cached by the identity values for
// authorizerResultTtlInSeconds (300 when unset, 0: no cache; never without identity sources).
// Denied: 403 {"message":"Forbidden"}; a function that cannot be called (no permission for
// .../authorizers/ID in its resource policy), fails, times out or answers malformed: 500. The
// context reaches the integration as requestContext.authorizer.lambda (2.0) or merged into
// requestContext.authorizer with principalId and integrationLatency (1.0). Runs only on the io
// thread.
class LambdaAuthorizer {
 public:
  LambdaAuthorizer(FunctionCaller caller, AccountContext account, const Clock* clock)
      : caller_(caller), account_(std::move(account)), clock_(clock) {}

  // Authorizes the request `proxy` describes with `authorizer` (a REQUEST authorizer as
  // stored); `integration_format` is the format of the event the integration gets. `done` runs
  // on the io thread, possibly before Authorize returns.
  void Authorize(const boost::json::object& authorizer, const ProxyRequest& proxy,
                 PayloadFormat integration_format, AuthorizationCallback done);

 private:
  FunctionCaller caller_;
  AccountContext account_;
  const Clock* clock_;
  apigateway::AuthorizerCache cache_;
};

}  // namespace serval::apigatewayv2
