#pragma once

#include <boost/json/object.hpp>

#include "absl/status/statusor.h"
#include "services/apigateway/rest_api.h"

namespace serval::apigateway {

// The model in API Gateway's JSON (restJson1 member names: "httpMethod", "methodIntegration",
// "integrationResponses"...). The writers give what the control plane answers; the readers take
// what clients send (PutIntegration's body has Integration's members) and what the store holds,
// refusing a member of the wrong type with BadRequestException naming it. Thread-safe (pure
// functions).

boost::json::object ToJson(const IntegrationResponse& response);
boost::json::object ToJson(const Integration& integration);
boost::json::object ToJson(const MethodResponse& response);
boost::json::object ToJson(const Method& method);
// `embed_methods`: each method in full (GetResources?embed=methods); otherwise "{}" per verb.
boost::json::object ToJson(const Resource& resource, bool embed_methods);
boost::json::object ToJson(const Authorizer& authorizer);
boost::json::object ToJson(const RequestValidator& validator);
boost::json::object ToJson(const Model& model);
// The API's own members (GetRestApi): no resources, authorizers, validators or models.
boost::json::object ToJson(const RestApi& api);
boost::json::object ToJson(const Stage& stage);
// The deployment's members (GetDeployment): no snapshot.
boost::json::object ToJson(const Deployment& deployment);

// Reads `object` into `out`, member by member: members absent from `object` leave `out` as it
// is, so a reader both builds a new value and applies a partial update.
absl::Status FromJson(const boost::json::object& object, IntegrationResponse& out);
absl::Status FromJson(const boost::json::object& object, Integration& out);
absl::Status FromJson(const boost::json::object& object, MethodResponse& out);
absl::Status FromJson(const boost::json::object& object, Method& out);
absl::Status FromJson(const boost::json::object& object, Authorizer& out);
absl::Status FromJson(const boost::json::object& object, RequestValidator& out);
absl::Status FromJson(const boost::json::object& object, Model& out);
absl::Status FromJson(const boost::json::object& object, Stage& out);

// The stored form of a whole API: its members plus "resources" (methods embedded),
// "authorizers", "requestValidators" and "models" as lists (docs/formats.md, "API Gateway").
boost::json::object StoredJson(const RestApi& api);
absl::StatusOr<RestApi> RestApiFromStored(const boost::json::object& object);
boost::json::object StoredJson(const Deployment& deployment);
absl::StatusOr<Deployment> DeploymentFromStored(const boost::json::object& object);

}  // namespace serval::apigateway
