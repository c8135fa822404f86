#include "services/apigatewayv2/http_api_resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/json_fields.h"
#include "services/apigatewayv2/route_match.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr int kDefaultTimeoutMillis = 30000;

void SetDefault(json::object& resource, std::string_view member, json::value value) {
  if (!resource.contains(member)) resource[member] = std::move(value);
}

// The member as a string, BadRequest when present with another type.
absl::StatusOr<std::string> StringOf(const json::object& resource, std::string_view member) {
  const json::value* value = resource.if_contains(member);
  if (!value || value->is_null()) return std::string();
  if (!value->is_string()) return BadRequest(fmt::format("Invalid value for {}", member));
  return std::string(value->get_string());
}

bool Has(const HttpApi& api, std::string_view collection, const std::string& id) {
  const auto* items = api.Children(collection);
  return items && items->contains(id);
}

absl::Status CheckRoute(HttpApi& api, json::object& route) {
  auto key = StringOf(route, "routeKey");
  if (!key.ok()) return key.status();
  if (key->empty()) return BadRequest("RouteKey is required");
  if (auto valid = ValidateRouteKey(*key); !valid.ok())
    return BadRequest(std::string(valid.message()));
  const std::string id = StringMember(route, "routeId");
  if (const auto* routes = api.Children("routes")) {
    for (const auto& [other_id, other] : *routes) {
      if (other_id != id && StringMember(other, "routeKey") == *key) {
        return Conflict(fmt::format("Route with key {} already exists for this API", *key));
      }
    }
  }
  auto authorization = StringOf(route, "authorizationType");
  if (!authorization.ok()) return authorization.status();
  static constexpr std::string_view kTypes[] = {"NONE", "AWS_IAM", "JWT", "CUSTOM"};
  if (std::find(std::begin(kTypes), std::end(kTypes), *authorization) == std::end(kTypes)) {
    return BadRequest(fmt::format("Invalid authorization type {}", *authorization));
  }
  auto authorizer = StringOf(route, "authorizerId");
  if (!authorizer.ok()) return authorizer.status();
  if (!authorizer->empty() && !Has(api, "authorizers", *authorizer)) {
    return BadRequest(fmt::format("Invalid authorizer id specified: {}", *authorizer));
  }
  auto target = StringOf(route, "target");
  if (!target.ok()) return target.status();
  if (!target->empty() &&
      (!target->starts_with("integrations/") || !Has(api, "integrations", target->substr(13)))) {
    return BadRequest(fmt::format("Invalid target specified: {}", *target));
  }
  return absl::OkStatus();
}

absl::Status CheckIntegration(HttpApi& api, json::object& integration) {
  (void)api;
  auto type = StringOf(integration, "integrationType");
  if (!type.ok()) return type.status();
  if (*type != "AWS_PROXY") {
    return BadRequest(fmt::format(
        "Unsupported integration type {}: Serval's HTTP APIs integrate with Lambda functions "
        "(AWS_PROXY) only",
        *type));
  }
  auto uri = StringOf(integration, "integrationUri");
  if (!uri.ok()) return uri.status();
  if (LambdaArnOfUri(*uri).empty()) {
    return BadRequest(fmt::format("Invalid integration URI specified: {}", *uri));
  }
  auto version = StringOf(integration, "payloadFormatVersion");
  if (!version.ok()) return version.status();
  if (*version != "1.0" && *version != "2.0") {
    return BadRequest(fmt::format("Invalid payload format version specified: {}", *version));
  }
  const json::value* timeout = integration.if_contains("timeoutInMillis");
  if (!timeout || !timeout->is_int64() || timeout->get_int64() < 50 ||
      timeout->get_int64() > 30000) {
    return BadRequest("TimeoutInMillis must be between 50 and 30000");
  }
  return absl::OkStatus();
}

absl::Status CheckStage(HttpApi& api, json::object& stage) {
  auto name = StringOf(stage, "stageName");
  if (!name.ok()) return name.status();
  if (name->empty() || name->size() > 128 || name->find('/') != std::string::npos) {
    return BadRequest("Stage name must be 1 to 128 characters without '/'");
  }
  auto deployment = StringOf(stage, "deploymentId");
  if (!deployment.ok()) return deployment.status();
  if (!deployment->empty() && !Has(api, "deployments", *deployment)) {
    return BadRequest(fmt::format("Invalid deployment id specified: {}", *deployment));
  }
  const json::value* variables = stage.if_contains("stageVariables");
  if (!variables || !variables->is_object())
    return BadRequest("StageVariables must be a map of strings");
  for (const auto& [key, value] : variables->get_object()) {
    if (!value.is_string()) return BadRequest("StageVariables must be a map of strings");
  }
  return absl::OkStatus();
}

// A deployment created for a stage becomes that stage's deployment.
absl::Status CheckDeployment(HttpApi& api, json::object& deployment) {
  auto stage_name = StringOf(deployment, "stageName");
  if (!stage_name.ok()) return stage_name.status();
  if (stage_name->empty()) return absl::OkStatus();
  auto& stages = api.children["stages"];
  auto stage = stages.find(*stage_name);
  if (stage == stages.end()) {
    return BadRequest(fmt::format("Invalid stage identifier specified: {}", *stage_name));
  }
  stage->second["deploymentId"] = deployment["deploymentId"];
  deployment.erase("stageName");  // not a member of a Deployment
  return absl::OkStatus();
}

absl::Status CheckAuthorizer(HttpApi& api, json::object& authorizer) {
  (void)api;
  auto type = StringOf(authorizer, "authorizerType");
  if (!type.ok()) return type.status();
  auto name = StringOf(authorizer, "name");
  if (!name.ok()) return name.status();
  if (name->empty()) return BadRequest("Name is required");
  if (*type == "JWT") {
    const json::value* jwt = authorizer.if_contains("jwtConfiguration");
    if (!jwt || !jwt->is_object()) return BadRequest("JwtConfiguration is required for JWT");
    return absl::OkStatus();
  }
  if (*type == "REQUEST") {
    auto uri = StringOf(authorizer, "authorizerUri");
    if (!uri.ok()) return uri.status();
    if (LambdaArnOfUri(*uri).empty()) return BadRequest("AuthorizerUri must name a function");
    return absl::OkStatus();
  }
  return BadRequest(fmt::format("Invalid authorizer type {}", *type));
}

}  // namespace

absl::Status NotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "NotFoundException", message);
}

absl::Status BadRequest(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException", message);
}

absl::Status Conflict(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "ConflictException", message);
}

std::string LambdaArnOfUri(std::string_view uri) {
  constexpr std::string_view kFunctions = ":lambda:path/2015-03-31/functions/";
  if (uri.starts_with("arn:aws:apigateway:")) {
    const size_t start = uri.find(kFunctions);
    if (start == std::string_view::npos || !uri.ends_with("/invocations")) return "";
    uri = uri.substr(start + kFunctions.size());
    uri.remove_suffix(std::string_view("/invocations").size());
  }
  if (!uri.starts_with("arn:aws:lambda:") || uri.find(":function:") == std::string_view::npos) {
    return "";
  }
  return std::string(uri);
}

const ResourceKind& Routes() {
  static const ResourceKind kKind{.collection = "routes",
                                  .id_member = "routeId",
                                  .type = "Route",
                                  .defaults =
                                      [](json::object& route) {
                                        SetDefault(route, "apiKeyRequired", false);
                                        SetDefault(route, "authorizationType", "NONE");
                                      },
                                  .check = &CheckRoute};
  return kKind;
}

const ResourceKind& Integrations() {
  static const ResourceKind kKind{.collection = "integrations",
                                  .id_member = "integrationId",
                                  .type = "Integration",
                                  .defaults =
                                      [](json::object& integration) {
                                        SetDefault(integration, "connectionType", "INTERNET");
                                        SetDefault(integration, "integrationMethod", "POST");
                                        SetDefault(integration, "payloadFormatVersion", "2.0");
                                        SetDefault(integration, "timeoutInMillis",
                                                   kDefaultTimeoutMillis);
                                      },
                                  .check = &CheckIntegration};
  return kKind;
}

const ResourceKind& Stages() {
  static const ResourceKind kKind{.collection = "stages",
                                  .id_member = "stageName",
                                  .type = "Stage",
                                  .named_by_client = true,
                                  .defaults =
                                      [](json::object& stage) {
                                        SetDefault(stage, "autoDeploy", false);
                                        SetDefault(stage, "defaultRouteSettings",
                                                   json::object{{"detailedMetricsEnabled", false}});
                                        SetDefault(stage, "routeSettings", json::object{});
                                        SetDefault(stage, "stageVariables", json::object{});
                                        SetDefault(stage, "tags", json::object{});
                                      },
                                  .check = &CheckStage};
  return kKind;
}

const ResourceKind& Deployments() {
  static const ResourceKind kKind{.collection = "deployments",
                                  .id_member = "deploymentId",
                                  .type = "Deployment",
                                  .defaults =
                                      [](json::object& deployment) {
                                        SetDefault(deployment, "autoDeployed", false);
                                        SetDefault(deployment, "deploymentStatus", "DEPLOYED");
                                      },
                                  .check = &CheckDeployment};
  return kKind;
}

const ResourceKind& Authorizers() {
  static const ResourceKind kKind{.collection = "authorizers",
                                  .id_member = "authorizerId",
                                  .type = "Authorizer",
                                  .defaults = [](json::object&) {},
                                  .check = &CheckAuthorizer};
  return kKind;
}

}  // namespace serval::apigatewayv2
