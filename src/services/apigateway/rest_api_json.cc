#include "services/apigateway/rest_api_json.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "services/apigateway/json_reader.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

json::object Strings(const StringMap& map) {
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

json::object Flags(const RequiredMap& map) {
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

json::array List(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& item : items) out.emplace_back(item);
  return out;
}

// Sets `key` only when `value` is not empty: API Gateway leaves unset members out.
void SetIfAny(json::object& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}
void SetIfAny(json::object& out, std::string_view key, const StringMap& map) {
  if (!map.empty()) out[key] = Strings(map);
}
void SetIfAny(json::object& out, std::string_view key, const RequiredMap& map) {
  if (!map.empty()) out[key] = Flags(map);
}

// Reads a map of objects keyed by a member of each ("integrationResponses" by statusCode).
template <typename Value, typename Keyed>
void ReadKeyed(Reader& reader, std::string_view key, std::map<std::string, Value>& out,
               Keyed key_of) {
  const json::object* object = reader.Object(key);
  if (object == nullptr) return;
  out.clear();
  for (const auto& [name, item] : *object) {
    if (!item.is_object()) {
      reader.Merge(AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException",
                            fmt::format("Invalid value for '{}.{}': expected an object.", key,
                                        std::string_view(name))));
      return;
    }
    Value value;
    key_of(value) = std::string(name);
    reader.Merge(FromJson(item.get_object(), value));
    out[std::string(name)] = std::move(value);
  }
}

// Reads a list of objects into a map by `key_of` ("authorizers" by id).
template <typename Value, typename Keyed>
absl::Status ReadList(Reader& reader, std::string_view key, std::map<std::string, Value>& out,
                      Keyed key_of) {
  const json::array* array = reader.Array(key);
  if (array == nullptr) return reader.status();
  for (const json::value& item : *array) {
    if (!item.is_object()) return absl::DataLossError(fmt::format("stored {} is damaged", key));
    Value value;
    if (absl::Status read = FromJson(item.get_object(), value); !read.ok()) return read;
    out[key_of(value)] = std::move(value);
  }
  return reader.status();
}

}  // namespace

json::object ToJson(const IntegrationResponse& response) {
  json::object out{{"statusCode", response.status_code}};
  if (response.selection_pattern) out["selectionPattern"] = *response.selection_pattern;
  SetIfAny(out, "responseParameters", response.response_parameters);
  SetIfAny(out, "responseTemplates", response.response_templates);
  SetIfAny(out, "contentHandling", response.content_handling);
  return out;
}

json::object ToJson(const Integration& integration) {
  json::object out{{"type", integration.type}};
  SetIfAny(out, "httpMethod", integration.http_method);
  SetIfAny(out, "uri", integration.uri);
  SetIfAny(out, "credentials", integration.credentials);
  out["connectionType"] = integration.connection_type;
  SetIfAny(out, "connectionId", integration.connection_id);
  SetIfAny(out, "requestParameters", integration.request_parameters);
  SetIfAny(out, "requestTemplates", integration.request_templates);
  out["passthroughBehavior"] = integration.passthrough_behavior;
  out["timeoutInMillis"] = integration.timeout_in_millis;
  SetIfAny(out, "contentHandling", integration.content_handling);
  SetIfAny(out, "cacheNamespace", integration.cache_namespace);
  out["cacheKeyParameters"] = List(integration.cache_key_parameters);
  if (!integration.integration_responses.empty()) {
    json::object responses;
    for (const auto& [code, response] : integration.integration_responses) {
      responses[code] = ToJson(response);
    }
    out["integrationResponses"] = std::move(responses);
  }
  return out;
}

json::object ToJson(const MethodResponse& response) {
  json::object out{{"statusCode", response.status_code}};
  SetIfAny(out, "responseParameters", response.response_parameters);
  SetIfAny(out, "responseModels", response.response_models);
  return out;
}

json::object ToJson(const Method& method) {
  json::object out{{"httpMethod", method.http_method},
                   {"authorizationType", method.authorization_type},
                   {"apiKeyRequired", method.api_key_required}};
  SetIfAny(out, "authorizerId", method.authorizer_id);
  SetIfAny(out, "requestValidatorId", method.request_validator_id);
  SetIfAny(out, "operationName", method.operation_name);
  SetIfAny(out, "requestParameters", method.request_parameters);
  SetIfAny(out, "requestModels", method.request_models);
  if (!method.authorization_scopes.empty()) {
    out["authorizationScopes"] = List(method.authorization_scopes);
  }
  if (!method.method_responses.empty()) {
    json::object responses;
    for (const auto& [code, response] : method.method_responses) {
      responses[code] = ToJson(response);
    }
    out["methodResponses"] = std::move(responses);
  }
  if (method.integration) out["methodIntegration"] = ToJson(*method.integration);
  return out;
}

json::object ToJson(const Resource& resource, bool embed_methods) {
  json::object out{{"id", resource.id}, {"path", resource.path}};
  SetIfAny(out, "parentId", resource.parent_id);
  SetIfAny(out, "pathPart", resource.path_part);
  if (!resource.methods.empty()) {
    json::object methods;
    for (const auto& [verb, method] : resource.methods) {
      methods[verb] = embed_methods ? ToJson(method) : json::object();
    }
    out["resourceMethods"] = std::move(methods);
  }
  return out;
}

json::object ToJson(const Authorizer& authorizer) {
  json::object out{{"id", authorizer.id}, {"name", authorizer.name}, {"type", authorizer.type}};
  SetIfAny(out, "authorizerUri", authorizer.authorizer_uri);
  SetIfAny(out, "authorizerCredentials", authorizer.authorizer_credentials);
  SetIfAny(out, "identitySource", authorizer.identity_source);
  SetIfAny(out, "identityValidationExpression", authorizer.identity_validation_expression);
  if (!authorizer.provider_arns.empty()) out["providerARNs"] = List(authorizer.provider_arns);
  SetIfAny(out, "authType", authorizer.auth_type);
  if (authorizer.authorizer_result_ttl_in_seconds) {
    out["authorizerResultTtlInSeconds"] = *authorizer.authorizer_result_ttl_in_seconds;
  }
  return out;
}

json::object ToJson(const RequestValidator& validator) {
  return {{"id", validator.id},
          {"name", validator.name},
          {"validateRequestBody", validator.validate_request_body},
          {"validateRequestParameters", validator.validate_request_parameters}};
}

json::object ToJson(const Model& model) {
  json::object out{{"id", model.id}, {"name", model.name}, {"contentType", model.content_type}};
  SetIfAny(out, "description", model.description);
  SetIfAny(out, "schema", model.schema);
  return out;
}

json::object ToJson(const RestApi& api) {
  json::object out{
      {"id", api.id},
      {"name", api.name},
      {"createdDate", api.created_date},
      {"apiKeySource", api.api_key_source},
      {"endpointConfiguration", {{"types", List(api.endpoint_types)}, {"ipAddressType", "ipv4"}}},
      {"disableExecuteApiEndpoint", api.disable_execute_api_endpoint},
      {"tags", Strings(api.tags)},
      {"rootResourceId", api.root_resource_id}};
  SetIfAny(out, "description", api.description);
  SetIfAny(out, "version", api.version);
  if (!api.binary_media_types.empty()) out["binaryMediaTypes"] = List(api.binary_media_types);
  if (api.minimum_compression_size) {
    out["minimumCompressionSize"] = *api.minimum_compression_size;
  }
  SetIfAny(out, "policy", api.policy);
  if (!api.warnings.empty()) out["warnings"] = List(api.warnings);
  return out;
}

json::object ToJson(const Stage& stage) {
  json::object settings;
  for (const auto& [path, setting] : stage.method_settings) {
    json::object entry{{"metricsEnabled", setting.metrics_enabled},
                       {"loggingLevel", setting.logging_level},
                       {"dataTraceEnabled", setting.data_trace_enabled},
                       {"cachingEnabled", setting.caching_enabled},
                       {"cacheTtlInSeconds", 300},
                       {"cacheDataEncrypted", false},
                       {"requireAuthorizationForCacheControl", true},
                       {"unauthorizedCacheControlHeaderStrategy", "SUCCEED_WITH_RESPONSE_HEADER"}};
    entry["throttlingBurstLimit"] = setting.throttling_burst_limit.value_or(5000);
    entry["throttlingRateLimit"] = setting.throttling_rate_limit.value_or(10000.0);
    settings[path] = std::move(entry);
  }
  json::object out{{"stageName", stage.name},
                   {"deploymentId", stage.deployment_id},
                   {"createdDate", stage.created_date},
                   {"lastUpdatedDate", stage.last_updated_date},
                   {"methodSettings", std::move(settings)},
                   {"tracingEnabled", stage.tracing_enabled},
                   {"cacheClusterEnabled", stage.cache_cluster_enabled},
                   {"cacheClusterStatus", "NOT_AVAILABLE"}};
  SetIfAny(out, "description", stage.description);
  SetIfAny(out, "variables", stage.variables);
  if (!stage.tags.empty()) out["tags"] = Strings(stage.tags);
  return out;
}

json::object ToJson(const Deployment& deployment) {
  json::object out{{"id", deployment.id}, {"createdDate", deployment.created_date}};
  SetIfAny(out, "description", deployment.description);
  return out;
}

absl::Status FromJson(const json::object& object, IntegrationResponse& out) {
  Reader reader(object);
  reader.Read("statusCode", out.status_code);
  reader.Read("selectionPattern", out.selection_pattern);
  reader.Read("responseParameters", out.response_parameters);
  reader.Read("responseTemplates", out.response_templates);
  reader.Read("contentHandling", out.content_handling);
  return reader.status();
}

absl::Status FromJson(const json::object& object, Integration& out) {
  Reader reader(object);
  reader.Read("type", out.type);
  reader.Read("httpMethod", out.http_method);
  reader.Read("uri", out.uri);
  reader.Read("credentials", out.credentials);
  reader.Read("connectionType", out.connection_type);
  reader.Read("connectionId", out.connection_id);
  reader.Read("passthroughBehavior", out.passthrough_behavior);
  reader.Read("requestParameters", out.request_parameters);
  reader.Read("requestTemplates", out.request_templates);
  reader.Read("timeoutInMillis", out.timeout_in_millis);
  reader.Read("contentHandling", out.content_handling);
  reader.Read("cacheNamespace", out.cache_namespace);
  reader.Read("cacheKeyParameters", out.cache_key_parameters);
  ReadKeyed(reader, "integrationResponses", out.integration_responses,
            [](IntegrationResponse& response) -> std::string& { return response.status_code; });
  return reader.status();
}

absl::Status FromJson(const json::object& object, MethodResponse& out) {
  Reader reader(object);
  reader.Read("statusCode", out.status_code);
  reader.Read("responseParameters", out.response_parameters);
  reader.Read("responseModels", out.response_models);
  return reader.status();
}

absl::Status FromJson(const json::object& object, Method& out) {
  Reader reader(object);
  reader.Read("httpMethod", out.http_method);
  reader.Read("authorizationType", out.authorization_type);
  reader.Read("authorizerId", out.authorizer_id);
  reader.Read("apiKeyRequired", out.api_key_required);
  reader.Read("requestValidatorId", out.request_validator_id);
  reader.Read("operationName", out.operation_name);
  reader.Read("requestParameters", out.request_parameters);
  reader.Read("requestModels", out.request_models);
  reader.Read("authorizationScopes", out.authorization_scopes);
  ReadKeyed(reader, "methodResponses", out.method_responses,
            [](MethodResponse& response) -> std::string& { return response.status_code; });
  if (const json::object* integration = reader.Object("methodIntegration")) {
    out.integration.emplace();
    reader.Merge(FromJson(*integration, *out.integration));
  }
  return reader.status();
}

absl::Status FromJson(const json::object& object, Authorizer& out) {
  Reader reader(object);
  reader.Read("id", out.id);
  reader.Read("name", out.name);
  reader.Read("type", out.type);
  reader.Read("authorizerUri", out.authorizer_uri);
  reader.Read("authorizerCredentials", out.authorizer_credentials);
  reader.Read("identitySource", out.identity_source);
  reader.Read("identityValidationExpression", out.identity_validation_expression);
  reader.Read("providerARNs", out.provider_arns);
  reader.Read("authType", out.auth_type);
  reader.Read("authorizerResultTtlInSeconds", out.authorizer_result_ttl_in_seconds);
  return reader.status();
}

absl::Status FromJson(const json::object& object, RequestValidator& out) {
  Reader reader(object);
  reader.Read("id", out.id);
  reader.Read("name", out.name);
  reader.Read("validateRequestBody", out.validate_request_body);
  reader.Read("validateRequestParameters", out.validate_request_parameters);
  return reader.status();
}

absl::Status FromJson(const json::object& object, Model& out) {
  Reader reader(object);
  reader.Read("id", out.id);
  reader.Read("name", out.name);
  reader.Read("description", out.description);
  reader.Read("schema", out.schema);
  reader.Read("contentType", out.content_type);
  return reader.status();
}

absl::Status FromJson(const json::object& object, Stage& out) {
  Reader reader(object);
  reader.Read("stageName", out.name);
  reader.Read("deploymentId", out.deployment_id);
  reader.Read("description", out.description);
  reader.Read("createdDate", out.created_date);
  reader.Read("lastUpdatedDate", out.last_updated_date);
  reader.Read("variables", out.variables);
  reader.Read("tracingEnabled", out.tracing_enabled);
  reader.Read("cacheClusterEnabled", out.cache_cluster_enabled);
  reader.Read("tags", out.tags);
  if (const json::object* settings = reader.Object("methodSettings")) {
    for (const auto& [path, value] : *settings) {
      if (!value.is_object()) continue;
      Reader entry(value.get_object());
      MethodSetting& setting = out.method_settings[std::string(path)];
      entry.Read("throttlingRateLimit", setting.throttling_rate_limit);
      entry.Read("throttlingBurstLimit", setting.throttling_burst_limit);
      entry.Read("metricsEnabled", setting.metrics_enabled);
      entry.Read("loggingLevel", setting.logging_level);
      entry.Read("dataTraceEnabled", setting.data_trace_enabled);
      entry.Read("cachingEnabled", setting.caching_enabled);
      reader.Merge(entry.status());
    }
  }
  return reader.status();
}

json::object StoredJson(const RestApi& api) {
  json::object out = ToJson(api);
  out.erase("warnings");
  json::array resources, authorizers, validators, models;
  for (const auto& [id, resource] : api.resources) resources.push_back(ToJson(resource, true));
  for (const auto& [id, authorizer] : api.authorizers) authorizers.push_back(ToJson(authorizer));
  for (const auto& [id, validator] : api.request_validators) {
    validators.push_back(ToJson(validator));
  }
  for (const auto& [name, model] : api.models) models.push_back(ToJson(model));
  out["resources"] = std::move(resources);
  out["authorizers"] = std::move(authorizers);
  out["requestValidators"] = std::move(validators);
  out["models"] = std::move(models);
  return out;
}

absl::StatusOr<RestApi> RestApiFromStored(const json::object& object) {
  RestApi api;
  Reader reader(object);
  reader.Read("id", api.id);
  reader.Read("name", api.name);
  reader.Read("description", api.description);
  reader.Read("version", api.version);
  reader.Read("createdDate", api.created_date);
  reader.Read("apiKeySource", api.api_key_source);
  reader.Read("binaryMediaTypes", api.binary_media_types);
  if (const json::object* endpoint = reader.Object("endpointConfiguration")) {
    Reader endpoint_reader(*endpoint);
    endpoint_reader.Read("types", api.endpoint_types);
    reader.Merge(endpoint_reader.status());
  }
  reader.Read("minimumCompressionSize", api.minimum_compression_size);
  reader.Read("disableExecuteApiEndpoint", api.disable_execute_api_endpoint);
  reader.Read("policy", api.policy);
  reader.Read("tags", api.tags);
  reader.Read("rootResourceId", api.root_resource_id);
  if (const json::array* resources = reader.Array("resources")) {
    for (const json::value& item : *resources) {
      if (!item.is_object()) return absl::DataLossError("stored resource is damaged");
      Resource resource;
      Reader resource_reader(item.get_object());
      resource_reader.Read("id", resource.id);
      resource_reader.Read("parentId", resource.parent_id);
      resource_reader.Read("pathPart", resource.path_part);
      resource_reader.Read("path", resource.path);
      ReadKeyed(resource_reader, "resourceMethods", resource.methods,
                [](Method& method) -> std::string& { return method.http_method; });
      if (!resource_reader.status().ok()) return resource_reader.status();
      api.resources[resource.id] = std::move(resource);
    }
  }
  auto by_id = [](const auto& value) { return value.id; };
  if (absl::Status read = ReadList(reader, "authorizers", api.authorizers, by_id); !read.ok()) {
    return read;
  }
  if (absl::Status read = ReadList(reader, "requestValidators", api.request_validators, by_id);
      !read.ok()) {
    return read;
  }
  if (absl::Status read =
          ReadList(reader, "models", api.models, [](const Model& model) { return model.name; });
      !read.ok()) {
    return read;
  }
  if (!reader.status().ok()) return reader.status();
  return api;
}

json::object StoredJson(const Deployment& deployment) {
  json::object out = ToJson(deployment);
  out["snapshot"] = StoredJson(deployment.snapshot);
  return out;
}

absl::StatusOr<Deployment> DeploymentFromStored(const json::object& object) {
  Deployment deployment;
  Reader reader(object);
  reader.Read("id", deployment.id);
  reader.Read("description", deployment.description);
  reader.Read("createdDate", deployment.created_date);
  const json::object* snapshot = reader.Object("snapshot");
  if (!reader.status().ok()) return reader.status();
  if (snapshot == nullptr) return absl::DataLossError("stored deployment has no snapshot");
  absl::StatusOr<RestApi> api = RestApiFromStored(*snapshot);
  if (!api.ok()) return api.status();
  deployment.snapshot = *std::move(api);
  return deployment;
}

}  // namespace serval::apigateway
