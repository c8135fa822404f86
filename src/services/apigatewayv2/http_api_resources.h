#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "absl/status/status.h"
#include "services/apigatewayv2/http_api_store.h"

namespace serval::apigatewayv2 {

// The kinds of resource under an HTTP API and the rules each one's members follow: one table,
// so that Create/Get/Update/Delete of routes, integrations, stages, deployments and authorizers
// share one implementation (apigatewayv2_service.cc). Thread-safe (constant data, pure
// functions).
struct ResourceKind {
  std::string_view collection;  // "routes": the URI segment and HttpApi::children key
  std::string_view id_member;   // "routeId"; a stage is named by the client ("stageName")
  std::string_view type;        // "Route", in messages
  bool named_by_client = false;
  // Members a new resource gets unless the request gives them.
  void (*defaults)(boost::json::object& resource);
  // Checks a resource about to be stored (created, or updated with the request's members
  // merged in) against `api`, which it may adjust (a deployment names its stage's new
  // deployment). BadRequest/Conflict/NotFound as apigatewayv2 gives them.
  absl::Status (*check)(HttpApi& api, boost::json::object& resource);
};

const ResourceKind& Routes();
const ResourceKind& Integrations();
const ResourceKind& Stages();
const ResourceKind& Deployments();
const ResourceKind& Authorizers();

// apigatewayv2's errors (restJson1, {"message": ...}).
absl::Status NotFound(std::string_view message);    // 404 NotFoundException
absl::Status BadRequest(std::string_view message);  // 400 BadRequestException
absl::Status Conflict(std::string_view message);    // 409 ConflictException

// The function an AWS_PROXY integration URI names: a Lambda function ARN, or API Gateway's
// "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations" form.
// Empty when it names none.
std::string LambdaArnOfUri(std::string_view uri);

}  // namespace serval::apigatewayv2
