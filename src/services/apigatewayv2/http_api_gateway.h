#pragma once

#include <memory>
#include <string_view>

#include "common/arn.h"
#include "common/clock.h"
#include "invoker/invoker.h"
#include "services/apigatewayv2/http_api_store.h"
#include "services/apigatewayv2/jwt_authorizer.h"
#include "services/apigatewayv2/lambda_authorizer.h"
#include "services/http_api_endpoint.h"
#include "services/lambda/function_registry.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::iam {
class Authorizer;
}  // namespace serval::iam

namespace serval::apigatewayv2 {

// Serves HTTP APIs for the execute-api front end: resolves the stage (a first path segment
// naming a stage, else the $default stage), answers CORS preflights itself, picks the route
// (route_match.h), checks its authorization (AWS_IAM: a signed caller; JWT: jwt_authorizer.h;
// CUSTOM: lambda_authorizer.h), and invokes the route's Lambda integration with a payload 1.0 or
// 2.0 event, answering with the function's response (proxy_payload.h) or with API Gateway's own
// errors: 404 {"message":"Not Found"}, 500 "Internal Server Error" for a failed function or one
// whose resource policy does not let apigateway.amazonaws.com invoke it for the route's
// execute-api ARN ("arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/PATH", or ".../STAGE/
// $default" for the $default route), 503 "Service Unavailable" when the integration's timeout
// passes first. Runs only on the io thread.
class HttpApiGateway : public services::HttpApiEndpoint {
 public:
  struct Dependencies {
    AccountContext account;
    invoker::Invoker* invoker = nullptr;
    const lambda::FunctionRegistry* functions = nullptr;
    const Clock* clock = nullptr;
    boost::asio::io_context* io = nullptr;
    iam::Authorizer* authorizer = nullptr;  // null: every signed caller may call AWS_IAM routes
  };

  // `apis` must outlive the gateway.
  HttpApiGateway(Dependencies dependencies, const HttpApiStore* apis);

  bool Serves(std::string_view api_id) const override;
  void Handle(std::string_view api_id, std::string_view path, protocol::RequestContext context,
              http::Responder respond) override;

 private:
  struct Exchange;
  // Invokes the route's integration once the request is authorized.
  void Integrate(std::shared_ptr<Exchange> exchange);

  Dependencies deps_;
  const HttpApiStore* apis_;
  JwtAuthorizer jwt_authorizer_;
  LambdaAuthorizer lambda_authorizer_;
};

}  // namespace serval::apigatewayv2
