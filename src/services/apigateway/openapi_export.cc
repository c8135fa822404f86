#include "services/apigateway/openapi_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "common/aws_error.h"
#include "common/text.h"
#include "common/time_format.h"
#include "services/apigateway/openapi_document.h"
#include "services/apigateway/openapi_model_ref.h"

namespace serval::apigateway {

namespace json = boost::json;

namespace {

// The security scheme names API Gateway's exports use for API keys and IAM.
constexpr std::string_view kApiKeyScheme = "api_key";
constexpr std::string_view kSigV4Scheme = "sigv4";

json::object StringMapObject(const StringMap& map) {
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const std::string& value : values) out.emplace_back(value);
  return out;
}

class Exporter {
 public:
  Exporter(const RestApi& api, const ExportOptions& options) : api_(api), options_(options) {
    oas3_ = options.export_type == "oas30";
    const auto wants = [&](std::string_view name) {
      return std::find(options.extensions.begin(), options.extensions.end(), name) !=
             options.extensions.end();
    };
    all_extensions_ = wants("apigateway");
    integrations_ = all_extensions_ || wants("integrations");
    authorizers_ = all_extensions_ || wants("authorizers");
  }

  json::object Document();

 private:
  json::object Info();
  json::object Paths();
  json::object Operation(const Method& method);
  json::array Parameters(const Method& method);
  json::object Responses(const Method& method);
  json::object Integration(const struct Integration& integration);
  json::array Security(const Method& method);
  json::object SecuritySchemes();
  json::object Schemas();
  json::object Typed(std::string_view type) const {
    json::object type_object{{"type", type}};
    if (!oas3_) return type_object;
    return json::object{{"schema", std::move(type_object)}};
  }
  json::object ModelRef(std::string_view name) const {
    return json::object{
        {"$ref", fmt::format("{}{}", oas3_ ? "#/components/schemas/" : "#/definitions/", name)}};
  }
  // content type -> {schema: ref}, OpenAPI 3's form of a body.
  json::object Content(const StringMap& models) const {
    json::object content;
    for (const auto& [type, model] : models) content[type] = {{"schema", ModelRef(model)}};
    return content;
  }

  const RestApi& api_;
  const ExportOptions& options_;
  bool oas3_ = false;
  bool all_extensions_ = false;
  bool integrations_ = false;
  bool authorizers_ = false;
  bool uses_api_key_ = false;
  bool uses_sigv4_ = false;
};

json::object Exporter::Info() {
  json::object info;
  if (!oas3_ && !api_.description.empty()) info["description"] = api_.description;
  if (oas3_) info["title"] = api_.name;
  if (oas3_ && !api_.description.empty()) info["description"] = api_.description;
  info["version"] = api_.version.empty() ? FormatIso8601Seconds(api_.created_date) : api_.version;
  if (!oas3_) info["title"] = api_.name;
  return info;
}

json::array Exporter::Parameters(const Method& method) {
  json::array parameters;
  for (const auto& [name, required] : method.request_parameters) {
    // method.request.{path|querystring|header}.NAME
    const std::vector<std::string_view> parts = SplitOn(name, '.');
    if (parts.size() < 4) continue;
    const std::string_view location = parts[2] == "querystring" ? "query" : parts[2];
    const std::string_view parameter_name =
        std::string_view(name).substr(parts[0].size() + parts[1].size() + parts[2].size() + 3);
    json::object parameter{{"name", parameter_name}, {"in", location}};
    if (!oas3_ || required) parameter["required"] = required;
    for (auto& [key, value] : Typed("string")) parameter[key] = value;
    parameters.push_back(std::move(parameter));
  }
  if (!oas3_ && !method.request_models.empty()) {
    // Swagger 2 has one body; its content types are the operation's `consumes`.
    const std::string& model = method.request_models.begin()->second;
    parameters.push_back(json::object{
        {"in", "body"}, {"name", model}, {"required", true}, {"schema", ModelRef(model)}});
  }
  return parameters;
}

json::object Exporter::Responses(const Method& method) {
  json::object responses;
  for (const auto& [code, response] : method.method_responses) {
    json::object out{{"description", code + " response"}};
    if (!oas3_ && !response.response_models.empty()) {
      out["schema"] = ModelRef(response.response_models.begin()->second);
    }
    json::object headers;
    for (const auto& [parameter, required] : response.response_parameters) {
      constexpr std::string_view kHeaderPrefix = "method.response.header.";
      if (!parameter.starts_with(kHeaderPrefix)) continue;
      headers[parameter.substr(kHeaderPrefix.size())] = Typed("string");
    }
    if (!headers.empty()) out["headers"] = std::move(headers);
    if (oas3_) out["content"] = Content(response.response_models);
    responses[code] = std::move(out);
  }
  return responses;
}

json::object Exporter::Integration(const struct Integration& integration) {
  json::object out{{"type", AsciiToLower(integration.type)}};
  if (!integration.http_method.empty()) out["httpMethod"] = integration.http_method;
  if (!integration.uri.empty()) out["uri"] = integration.uri;
  if (!integration.credentials.empty()) out["credentials"] = integration.credentials;
  if (integration.connection_type != "INTERNET") {
    out["connectionType"] = integration.connection_type;
    out["connectionId"] = integration.connection_id;
  }
  json::object responses;
  for (const auto& [code, response] : integration.integration_responses) {
    json::object entry{{"statusCode", response.status_code}};
    if (!response.response_parameters.empty()) {
      entry["responseParameters"] = StringMapObject(response.response_parameters);
    }
    if (!response.response_templates.empty()) {
      entry["responseTemplates"] = StringMapObject(response.response_templates);
    }
    if (!response.content_handling.empty()) entry["contentHandling"] = response.content_handling;
    responses[response.selection_pattern.value_or("default")] = std::move(entry);
  }
  if (!responses.empty()) out["responses"] = std::move(responses);
  if (!integration.request_parameters.empty()) {
    out["requestParameters"] = StringMapObject(integration.request_parameters);
  }
  if (!integration.request_templates.empty()) {
    out["requestTemplates"] = StringMapObject(integration.request_templates);
  }
  out["passthroughBehavior"] = AsciiToLower(integration.passthrough_behavior);
  if (integration.timeout_in_millis != 29000) {
    out["timeoutInMillis"] = integration.timeout_in_millis;
  }
  if (!integration.content_handling.empty()) {
    out["contentHandling"] = integration.content_handling;
  }
  if (!integration.cache_key_parameters.empty()) {
    out["cacheNamespace"] = integration.cache_namespace;
    out["cacheKeyParameters"] = StringArray(integration.cache_key_parameters);
  }
  return out;
}

json::array Exporter::Security(const Method& method) {
  json::object requirement;
  if (method.api_key_required) {
    uses_api_key_ = true;
    requirement[kApiKeyScheme] = json::array();
  }
  if (method.authorization_type == "AWS_IAM") {
    uses_sigv4_ = true;
    requirement[kSigV4Scheme] = json::array();
  }
  if (authorizers_ && !method.authorizer_id.empty()) {
    if (auto authorizer = api_.authorizers.find(method.authorizer_id);
        authorizer != api_.authorizers.end()) {
      requirement[authorizer->second.name] = StringArray(method.authorization_scopes);
    }
  }
  if (requirement.empty()) return {};
  return json::array{std::move(requirement)};
}

json::object Exporter::Operation(const Method& method) {
  json::object operation;
  if (!method.operation_name.empty()) operation["operationId"] = method.operation_name;
  if (!oas3_) {
    // Swagger 2 names the media types an operation takes and gives.
    std::set<std::string> consumes, produces;
    for (const auto& [type, model] : method.request_models) consumes.insert(type);
    for (const auto& [code, response] : method.method_responses) {
      for (const auto& [type, model] : response.response_models) produces.insert(type);
    }
    if (method.integration) {
      for (const auto& [type, body] : method.integration->request_templates) consumes.insert(type);
      for (const auto& [code, response] : method.integration->integration_responses) {
        for (const auto& [type, body] : response.response_templates) produces.insert(type);
      }
    }
    if (!consumes.empty()) operation["consumes"] = StringArray({consumes.begin(), consumes.end()});
    if (!produces.empty()) operation["produces"] = StringArray({produces.begin(), produces.end()});
  }
  if (json::array parameters = Parameters(method); !parameters.empty()) {
    operation["parameters"] = std::move(parameters);
  }
  if (oas3_ && !method.request_models.empty()) {
    operation["requestBody"] = {{"content", Content(method.request_models)}, {"required", true}};
  }
  operation["responses"] = Responses(method);
  if (json::array security = Security(method); !security.empty()) {
    operation["security"] = std::move(security);
  }
  if (all_extensions_ && !method.request_validator_id.empty()) {
    if (auto validator = api_.request_validators.find(method.request_validator_id);
        validator != api_.request_validators.end()) {
      operation["x-amazon-apigateway-request-validator"] = validator->second.name;
    }
  }
  if (integrations_ && method.integration) {
    operation["x-amazon-apigateway-integration"] = Integration(*method.integration);
  }
  return operation;
}

json::object Exporter::Paths() {
  std::vector<const Resource*> resources;
  for (const auto& [id, resource] : api_.resources) {
    if (!resource.methods.empty()) resources.push_back(&resource);
  }
  std::sort(resources.begin(), resources.end(),
            [](const Resource* a, const Resource* b) { return a->path < b->path; });
  json::object paths;
  for (const Resource* resource : resources) {
    json::object item;
    for (const auto& [name, method] : resource->methods) {
      const std::string key =
          name == "ANY" ? std::string("x-amazon-apigateway-any-method") : AsciiToLower(name);
      item[key] = Operation(method);
    }
    paths[resource->path] = std::move(item);
  }
  return paths;
}

json::object Exporter::SecuritySchemes() {
  json::object schemes;
  if (uses_api_key_) {
    schemes[kApiKeyScheme] = {{"type", "apiKey"}, {"name", "x-api-key"}, {"in", "header"}};
  }
  if (uses_sigv4_) {
    schemes[kSigV4Scheme] = {{"type", "apiKey"},
                             {"name", "Authorization"},
                             {"in", "header"},
                             {"x-amazon-apigateway-authtype", "awsSigv4"}};
  }
  if (!authorizers_) return schemes;
  for (const auto& [id, authorizer] : api_.authorizers) {
    constexpr std::string_view kHeaderSource = "method.request.header.";
    const bool header_source = authorizer.identity_source.starts_with(kHeaderSource);
    json::object extension{{"type", AsciiToLower(authorizer.type)}};
    if (!authorizer.authorizer_uri.empty()) extension["authorizerUri"] = authorizer.authorizer_uri;
    if (!authorizer.authorizer_credentials.empty()) {
      extension["authorizerCredentials"] = authorizer.authorizer_credentials;
    }
    if (authorizer.type == "REQUEST" && !authorizer.identity_source.empty()) {
      extension["identitySource"] = authorizer.identity_source;
    }
    if (!authorizer.identity_validation_expression.empty()) {
      extension["identityValidationExpression"] = authorizer.identity_validation_expression;
    }
    if (authorizer.authorizer_result_ttl_in_seconds) {
      extension["authorizerResultTtlInSeconds"] = *authorizer.authorizer_result_ttl_in_seconds;
    }
    if (!authorizer.provider_arns.empty()) {
      extension["providerARNs"] = StringArray(authorizer.provider_arns);
    }
    json::object scheme{{"type", "apiKey"},
                        {"name", header_source && authorizer.type != "REQUEST"
                                     ? authorizer.identity_source.substr(kHeaderSource.size())
                                     : std::string("Unused")},
                        {"in", "header"}};
    if (!authorizer.auth_type.empty()) {
      scheme["x-amazon-apigateway-authtype"] = authorizer.auth_type;
    }
    scheme["x-amazon-apigateway-authorizer"] = std::move(extension);
    schemes[authorizer.name] = std::move(scheme);
  }
  return schemes;
}

json::object Exporter::Schemas() {
  json::object schemas;
  const std::string_view local = oas3_ ? "#/components/schemas/" : "#/definitions/";
  for (const auto& [name, model] : api_.models) {
    json::error_code ec;
    json::value schema = json::parse(model.schema, ec);
    if (ec) continue;  // not JSON: nothing a document can hold
    RewriteSchemaRefs(&schema, [&](std::string_view ref) -> std::optional<std::string> {
      std::optional<std::string> target = ModelNameFromCanonicalUrl(ref);
      if (!target) return std::nullopt;
      return std::string(local) + *target;
    });
    schemas[name] = std::move(schema);
  }
  return schemas;
}

json::object Exporter::Document() {
  json::object document;
  if (oas3_) {
    document["openapi"] = "3.0.1";
    document["info"] = Info();
    document["servers"] = json::array{
        json::object{{"url", fmt::format("https://{}/{{basePath}}", options_.host)},
                     {"variables", {{"basePath", {{"default", options_.stage_name}}}}}}};
  } else {
    document["swagger"] = "2.0";
    document["info"] = Info();
    document["host"] = options_.host;
    document["basePath"] = "/" + options_.stage_name;
    document["schemes"] = json::array{"https"};
  }
  document["paths"] = Paths();  // before the schemes: it notes which ones methods use
  json::object schemes = SecuritySchemes();
  json::object schemas = Schemas();
  if (oas3_) {
    json::object components;
    if (!schemas.empty()) components["schemas"] = std::move(schemas);
    if (!schemes.empty()) components["securitySchemes"] = std::move(schemes);
    document["components"] = std::move(components);
  } else {
    if (!schemes.empty()) document["securityDefinitions"] = std::move(schemes);
    if (!schemas.empty()) document["definitions"] = std::move(schemas);
  }
  if (!all_extensions_) return document;
  if (api_.api_key_source != "HEADER") {
    document["x-amazon-apigateway-api-key-source"] = api_.api_key_source;
  }
  if (!api_.request_validators.empty()) {
    json::object validators;
    for (const auto& [id, validator] : api_.request_validators) {
      validators[validator.name] = {
          {"validateRequestBody", validator.validate_request_body},
          {"validateRequestParameters", validator.validate_request_parameters}};
    }
    document["x-amazon-apigateway-request-validators"] = std::move(validators);
  }
  if (!api_.binary_media_types.empty()) {
    document["x-amazon-apigateway-binary-media-types"] = StringArray(api_.binary_media_types);
  }
  if (api_.minimum_compression_size) {
    document["x-amazon-apigateway-minimum-compression-size"] = *api_.minimum_compression_size;
  }
  if (!api_.policy.empty()) {
    json::error_code ec;
    json::value policy = json::parse(api_.policy, ec);
    document["x-amazon-apigateway-policy"] = ec ? json::value(api_.policy) : std::move(policy);
  }
  return document;
}

}  // namespace

absl::StatusOr<std::string> ExportOpenApi(const RestApi& api, const ExportOptions& options) {
  if (options.export_type != "swagger" && options.export_type != "oas30") {
    return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException",
                    fmt::format("Export type '{}' is not supported.", options.export_type));
  }
  return WriteOpenApiDocument(Exporter(api, options).Document(), options.yaml);
}

}  // namespace serval::apigateway
