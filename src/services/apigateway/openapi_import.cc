#include "services/apigateway/openapi_import.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <optional>

#include "common/aws_error.h"
#include "common/json_fields.h"
#include "common/text.h"
#include "services/apigateway/openapi_document.h"
#include "services/apigateway/openapi_import_log.h"
#include "services/apigateway/openapi_integration_import.h"
#include "services/apigateway/openapi_model_ref.h"

namespace serval::apigateway {

namespace json = boost::json;

namespace {

// Top-level members each format defines; any other (but x-*) is a parse issue, as AWS's parser
// reports it.
constexpr std::array<std::string_view, 15> kSwaggerMembers = {"swagger",     "info",
                                                              "host",        "basePath",
                                                              "schemes",     "consumes",
                                                              "produces",    "paths",
                                                              "definitions", "parameters",
                                                              "responses",   "security",
                                                              "tags",        "securityDefinitions",
                                                              "externalDocs"};
constexpr std::array<std::string_view, 8> kOpenApiMembers = {
    "openapi", "info", "servers", "paths", "components", "security", "tags", "externalDocs"};
constexpr std::array<std::string_view, 9> kComponentsMembers = {
    "schemas", "responses",       "parameters", "examples", "requestBodies",
    "headers", "securitySchemes", "links",      "callbacks"};
// An OpenAPI 3 parameter's members (a Swagger 2 `type` beside them is a parse issue).
constexpr std::array<std::string_view, 13> kOpenApiParameterMembers = {
    "name",    "in",     "description",   "required", "deprecated", "allowEmptyValue", "style",
    "explode", "schema", "allowReserved", "example",  "examples",   "content"};
// Path item members that are not operations.
constexpr std::array<std::string_view, 5> kPathItemMembers = {"parameters", "summary",
                                                              "description", "servers", "$ref"};
constexpr std::array<std::string_view, 7> kHttpMethods = {"get",     "put",  "post", "delete",
                                                          "options", "head", "patch"};
constexpr std::string_view kExtensionPrefix = "x-amazon-apigateway-";
// The extensions this importer reads, at the top and on operations.
constexpr std::array<std::string_view, 10> kApiExtensions = {
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-policy",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-any-method",
    "x-amazon-apigateway-integration",
    "x-amazon-apigateway-auth"};
constexpr std::string_view kDocumentationExtension = "x-amazon-apigateway-documentation";

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool IsExtension(std::string_view key) { return key.substr(0, 2) == "x-"; }

const json::object* ObjectMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value ? value->if_object() : nullptr;
}

const json::array* ArrayMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value ? value->if_array() : nullptr;
}

std::vector<std::string> StringsOf(const json::array* array) {
  std::vector<std::string> out;
  if (!array) return out;
  for (const json::value& item : *array) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsAlphanumeric(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

bool IsName(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsNameChar);
}

// "pets", "{id}" or "{proxy+}", as CreateResource allows them.
bool IsValidPathPart(std::string_view part) {
  if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
    part = part.substr(1, part.size() - 2);
    if (!part.empty() && part.back() == '+') part.remove_suffix(1);
  }
  return IsName(part);
}

bool IsVariablePart(std::string_view part) { return !part.empty() && part.front() == '{'; }
bool IsGreedyPart(std::string_view part) { return part.size() > 2 && part.ends_with("+}"); }

// Method request parameter names, as PutMethod checks them.
bool IsValidParameterName(std::string_view name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c) || c == '$'; });
}

// The class AWS's parser gives an inline schema it cannot make a model of.
std::string_view SchemaKind(const json::object& schema) {
  const std::string type = StringMember(schema, "type");
  if (type == "string") return "StringSchema";
  if (type == "integer") return "IntegerSchema";
  if (type == "number") return "NumberSchema";
  if (type == "boolean") return "BooleanSchema";
  return "Schema";
}

bool IsStructuredSchema(const json::object& schema) {
  const std::string type = StringMember(schema, "type");
  return type == "object" || type == "array" || schema.contains("properties") ||
         schema.contains("items") || schema.contains("allOf");
}

// The path without empty segments or a trailing slash; "/" for the root.
std::string NormalizePath(std::string_view path) {
  std::string out;
  for (std::string_view segment : SplitOn(path, '/')) {
    if (!segment.empty()) out.append("/").append(segment);
  }
  return out.empty() ? "/" : out;
}

// How a security scheme applies to the methods that require it.
struct SecurityScheme {
  enum class Kind { kAuthorizer, kApiKey, kIam } kind;
  std::string authorizer_id;
  std::string authorization_type;  // CUSTOM or COGNITO_USER_POOLS, for kAuthorizer
};

class Importer {
 public:
  Importer(const json::object& document, const ImportOptions& options,
           const std::function<std::string()>& new_id)
      : doc_(document), options_(options), new_id_(new_id) {
    oas3_ = document.contains("openapi");
  }

  absl::StatusOr<RestApi> Run(const RestApi* existing);

 private:
  void Start(const RestApi* existing);
  void ReadInfo();
  void ReadApiExtensions(bool new_api);
  void CheckMembers();
  void ReadModels();
  void ReadSecuritySchemes();
  void ReadValidators();
  std::string BasePathPrefix();
  void ReadPaths();
  std::optional<std::string> EnsureResource(const std::string& path);
  void ReadOperation(const std::string& resource_id, const OperationPlace& place,
                     std::string_view key, const json::object& operation,
                     const json::array* path_parameters);
  bool ReadParameters(const OperationPlace& place, std::string_view key,
                      const json::object& operation, const json::array* path_parameters,
                      Method* method);
  void ReadResponses(const OperationPlace& place, std::string_view key,
                     const json::object& operation, Method* method);
  void ReadSecurity(const json::object& operation, Method* method);
  // The model a body schema names, in `models` under each content type; warnings otherwise.
  void ReadBodyModel(const json::value* schema, const std::vector<std::string>& content_types,
                     std::string_view where, const OperationPlace& place, StringMap* models);
  // OpenAPI 3 `content`: content type -> {schema}.
  void ReadContentModels(const json::object* content, std::string_view where,
                         const OperationPlace& place, StringMap* models);
  std::vector<std::string> MediaTypes(const json::object& operation, std::string_view key);
  // Follows local "$ref"s ("#/components/parameters/P"); null when one leads nowhere.
  const json::value* Resolve(const json::value& value) const;
  // The model name a local schema $ref points at; nullopt for another kind of reference.
  std::optional<std::string> LocalModelName(std::string_view ref) const;
  // Rewrites a schema's local model references to canonical URLs; false (and an error) when it
  // names a model the API does not have.
  bool CanonicalizeSchema(std::string_view model_name, json::value* schema);
  void ParseIssue(std::string_view attribute, std::string_view what) {
    log_.ParseIssue(fmt::format("Parse issue: attribute {} {}", attribute, what));
  }

  const json::object& doc_;
  const ImportOptions& options_;
  const std::function<std::string()>& new_id_;
  bool oas3_ = false;
  ImportLog log_;
  RestApi api_;
  std::map<std::string, std::string> resource_by_path_;
  std::map<std::string, SecurityScheme> schemes_;
  std::map<std::string, std::string> validator_by_name_;
};

absl::StatusOr<RestApi> Importer::Run(const RestApi* existing) {
  if (options_.basepath != "ignore" && options_.basepath != "prepend" &&
      options_.basepath != "split") {
    return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException",
                    fmt::format("Invalid basepath parameter: {}", options_.basepath));
  }
  Start(existing);
  CheckMembers();
  ReadInfo();
  ReadApiExtensions(existing == nullptr);
  ReadModels();
  ReadSecuritySchemes();
  ReadValidators();
  ReadPaths();
  if (absl::Status outcome = log_.Outcome(options_.fail_on_warnings); !outcome.ok()) {
    return outcome;
  }
  api_.warnings = log_.TakeWarnings();
  return std::move(api_);
}

void Importer::Start(const RestApi* existing) {
  if (existing == nullptr) {
    api_.id = options_.api_id.empty() ? new_id_() : options_.api_id;
    api_.root_resource_id = new_id_();
  } else if (options_.mode == "overwrite") {
    // What an overwrite keeps; everything else comes from the document alone.
    api_.id = existing->id;
    api_.created_date = existing->created_date;
    api_.tags = existing->tags;
    api_.endpoint_types = existing->endpoint_types;
    api_.disable_execute_api_endpoint = existing->disable_execute_api_endpoint;
    api_.root_resource_id = existing->root_resource_id;
  } else {
    api_ = *existing;
    for (const auto& [id, resource] : api_.resources) resource_by_path_[resource.path] = id;
    for (const auto& [id, validator] : api_.request_validators) {
      validator_by_name_[validator.name] = id;
    }
  }
  api_.warnings.clear();
  if (!resource_by_path_.contains("/")) {
    Resource root;
    root.id = api_.root_resource_id;
    root.path = "/";
    api_.resources[root.id] = root;
    resource_by_path_["/"] = root.id;
  }
}

void Importer::CheckMembers() {
  for (const auto& [key, value] : doc_) {
    if (IsExtension(key)) {
      const bool documentation = key == kDocumentationExtension;
      if (key.starts_with(kExtensionPrefix) && !OneOf(kApiExtensions, key) &&
          !(documentation && options_.ignore_documentation)) {
        log_.Warn(fmt::format("Unsupported extension '{}'. Ignoring.", std::string_view(key)));
      }
    } else if (oas3_ ? !OneOf(kOpenApiMembers, key) : !OneOf(kSwaggerMembers, key)) {
      ParseIssue(key, "is unexpected");
    }
  }
  if (const json::array* servers = oas3_ ? ArrayMember(doc_, "servers") : nullptr;
      servers && servers->size() > 1) {
    log_.Warn(
        "More than one server provided. Ignoring all but the first for defining endpoint "
        "configuration");
  }
  if (const json::object* components = oas3_ ? ObjectMember(doc_, "components") : nullptr) {
    for (const auto& [key, value] : *components) {
      if (!IsExtension(key) && !OneOf(kComponentsMembers, key)) {
        ParseIssue(fmt::format("components.{}", std::string_view(key)), "is unexpected");
      }
    }
  }
}

void Importer::ReadInfo() {
  const json::object* info = ObjectMember(doc_, "info");
  if (!info) {
    ParseIssue("info", "is missing");
    return;
  }
  if (const json::value* title = info->if_contains("title")) {
    api_.name = ScalarText(*title);
  } else {
    ParseIssue("info.title", "is missing");
  }
  if (const json::value* version = info->if_contains("version")) {
    api_.version = ScalarText(*version);
  }
  if (const json::value* description = info->if_contains("description")) {
    api_.description = ScalarText(*description);
  }
}

void Importer::ReadApiExtensions(bool new_api) {
  if (const json::value* source = doc_.if_contains("x-amazon-apigateway-api-key-source")) {
    const std::string value = AsciiToUpper(ScalarText(*source));
    if (value == "HEADER" || value == "AUTHORIZER") {
      api_.api_key_source = value;
    } else {
      log_.Warn(fmt::format("Invalid API key source '{}'. Ignoring.", ScalarText(*source)));
    }
  }
  // A merge adds the document's binary media types to the API's (recorded against AWS).
  for (std::string& type : StringsOf(ArrayMember(doc_, "x-amazon-apigateway-binary-media-types"))) {
    if (std::find(api_.binary_media_types.begin(), api_.binary_media_types.end(), type) ==
        api_.binary_media_types.end()) {
      api_.binary_media_types.push_back(std::move(type));
    }
  }
  if (const json::value* size = doc_.if_contains("x-amazon-apigateway-minimum-compression-size")) {
    int64_t bytes = 0;
    if (ParseDecimal(ScalarText(*size), &bytes) && bytes >= 0 && bytes <= 10485760) {
      api_.minimum_compression_size = bytes;
    } else {
      log_.Warn(fmt::format("Invalid minimum compression size '{}'. Ignoring.", ScalarText(*size)));
    }
  }
  if (const json::value* policy = doc_.if_contains("x-amazon-apigateway-policy")) {
    api_.policy =
        policy->is_string() ? std::string(policy->get_string()) : json::serialize(*policy);
  }
  if (const json::object* endpoint =
          ObjectMember(doc_, "x-amazon-apigateway-endpoint-configuration")) {
    if (const json::value* disable = endpoint->if_contains("disableExecuteApiEndpoint");
        disable && disable->is_bool()) {
      api_.disable_execute_api_endpoint = disable->get_bool();
    }
    // An update never changes the endpoint configuration (AWS's guide on import-to-update).
    std::vector<std::string> types = StringsOf(ArrayMember(*endpoint, "types"));
    if (new_api && !types.empty()) api_.endpoint_types = std::move(types);
  }
  if (new_api && !options_.endpoint_types.empty()) api_.endpoint_types = options_.endpoint_types;
}

std::optional<std::string> Importer::LocalModelName(std::string_view ref) const {
  const std::string_view prefix = oas3_ ? "#/components/schemas/" : "#/definitions/";
  if (ref.substr(0, prefix.size()) != prefix) return std::nullopt;
  return std::string(ref.substr(prefix.size()));
}

bool Importer::CanonicalizeSchema(std::string_view model_name, json::value* schema) {
  bool canonical = true;
  RewriteSchemaRefs(schema, [&](std::string_view ref) -> std::optional<std::string> {
    std::optional<std::string> name = LocalModelName(ref);
    if (name && api_.models.contains(*name)) return CanonicalModelUrl(api_.id, *name);
    if (!ModelNameFromCanonicalUrl(ref)) canonical = false;
    return std::nullopt;
  });
  if (!canonical) {
    log_.Error(fmt::format(
        "Unable to create model for '{}': Invalid model specified: Validation Result: warnings : "
        "[], errors : [Model reference must be in canonical form]",
        model_name));
  }
  return canonical;
}

void Importer::ReadModels() {
  const json::object* schemas = oas3_ ? nullptr : ObjectMember(doc_, "definitions");
  if (const json::object* components = oas3_ ? ObjectMember(doc_, "components") : nullptr) {
    schemas = ObjectMember(*components, "schemas");
  }
  if (!schemas) return;
  // Every name first: schemas may refer to each other in any order.
  std::vector<std::string> names;
  for (const auto& [name, schema] : *schemas) {
    if (!IsAlphanumeric(name)) {
      log_.Error(fmt::format("Model name must be alphanumeric: {}", std::string_view(name)));
      continue;
    }
    Model& model = api_.models[std::string(name)];
    if (model.id.empty()) model.id = new_id_();
    model.name = std::string(name);
    names.push_back(model.name);
  }
  for (const std::string& name : names) {
    json::value schema = schemas->at(name);
    if (!CanonicalizeSchema(name, &schema)) continue;
    api_.models[name].schema = json::serialize(schema);
  }
}

void Importer::ReadSecuritySchemes() {
  const json::object* schemes = oas3_ ? nullptr : ObjectMember(doc_, "securityDefinitions");
  if (const json::object* components = oas3_ ? ObjectMember(doc_, "components") : nullptr) {
    schemes = ObjectMember(*components, "securitySchemes");
  }
  if (!schemes) return;
  std::map<std::string, std::string> authorizer_by_name;
  for (const auto& [id, authorizer] : api_.authorizers) authorizer_by_name[authorizer.name] = id;
  for (const auto& [key, value] : *schemes) {
    const std::string name(key);
    const json::object* scheme = value.if_object();
    if (!scheme) continue;
    const std::string auth_type = StringMember(*scheme, "x-amazon-apigateway-authtype");
    const json::object* extension = ObjectMember(*scheme, "x-amazon-apigateway-authorizer");
    if (!extension) {
      if (EqualsIgnoreCase(auth_type, "awsSigv4")) {
        schemes_[name] = {SecurityScheme::Kind::kIam, "", ""};
      } else if (StringMember(*scheme, "type") == "apiKey" &&
                 StringMember(*scheme, "in") == "header" &&
                 EqualsIgnoreCase(StringMember(*scheme, "name"), "x-api-key")) {
        schemes_[name] = {SecurityScheme::Kind::kApiKey, "", ""};
      }
      continue;
    }
    Authorizer authorizer;
    authorizer.name = name;
    authorizer.type = AsciiToUpper(StringMember(*extension, "type"));
    if (authorizer.type != "TOKEN" && authorizer.type != "REQUEST" &&
        authorizer.type != "COGNITO_USER_POOLS") {
      log_.Error(
          fmt::format("Unable to create authorizer '{}': Invalid authorizer type specified: {}",
                      name, authorizer.type));
      continue;
    }
    authorizer.authorizer_uri = StringMember(*extension, "authorizerUri");
    authorizer.authorizer_credentials = StringMember(*extension, "authorizerCredentials");
    authorizer.identity_validation_expression =
        StringMember(*extension, "identityValidationExpression");
    authorizer.provider_arns = StringsOf(ArrayMember(*extension, "providerARNs"));
    authorizer.auth_type = auth_type;
    if (const json::value* ttl = extension->if_contains("authorizerResultTtlInSeconds")) {
      int64_t seconds = 0;
      if (ParseDecimal(ScalarText(*ttl), &seconds))
        authorizer.authorizer_result_ttl_in_seconds = seconds;
    }
    // A token (or user pool) authorizer reads the header its scheme names.
    authorizer.identity_source = StringMember(*extension, "identitySource");
    const std::string header = StringMember(*scheme, "name");
    if (authorizer.identity_source.empty() && authorizer.type != "REQUEST" && !header.empty()) {
      authorizer.identity_source = "method.request.header." + header;
    }
    auto known = authorizer_by_name.find(name);
    authorizer.id = known != authorizer_by_name.end() ? known->second : new_id_();
    schemes_[name] = {SecurityScheme::Kind::kAuthorizer, authorizer.id,
                      authorizer.type == "COGNITO_USER_POOLS" ? "COGNITO_USER_POOLS" : "CUSTOM"};
    api_.authorizers[authorizer.id] = std::move(authorizer);
  }
}

void Importer::ReadValidators() {
  const json::object* validators = ObjectMember(doc_, "x-amazon-apigateway-request-validators");
  if (!validators) return;
  for (const auto& [key, value] : *validators) {
    const json::object* entry = value.if_object();
    if (!entry) continue;
    RequestValidator validator;
    validator.name = std::string(key);
    const json::value* body = entry->if_contains("validateRequestBody");
    const json::value* parameters = entry->if_contains("validateRequestParameters");
    validator.validate_request_body = body && body->is_bool() && body->get_bool();
    validator.validate_request_parameters =
        parameters && parameters->is_bool() && parameters->get_bool();
    auto known = validator_by_name_.find(validator.name);
    validator.id = known != validator_by_name_.end() ? known->second : new_id_();
    validator_by_name_[validator.name] = validator.id;
    api_.request_validators[validator.id] = std::move(validator);
  }
}

std::string Importer::BasePathPrefix() {
  if (options_.basepath == "ignore") return "";
  std::string base;
  if (!oas3_) {
    base = StringMember(doc_, "basePath");
  } else if (const json::array* servers = ArrayMember(doc_, "servers");
             servers && !servers->empty() && (*servers)[0].is_object()) {
    const json::object& server = (*servers)[0].get_object();
    const json::object* variables = ObjectMember(server, "variables");
    const json::object* base_path = variables ? ObjectMember(*variables, "basePath") : nullptr;
    if (base_path) {
      // A lone basePath variable is the base path even when the URL does not use it.
      base = StringMember(*base_path, "default");
    } else {
      const std::string url_text = StringMember(server, "url");
      std::string_view url = url_text;
      if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
        const size_t path = url.find('/', scheme + 3);
        url = path == std::string_view::npos ? std::string_view() : url.substr(path);
      }
      base = std::string(url);
    }
  }
  base = NormalizePath(base);
  if (base == "/") return "";
  if (options_.basepath == "split") {
    const size_t second = base.find('/', 1);
    return second == std::string::npos ? "" : base.substr(second);
  }
  return base;
}

std::optional<std::string> Importer::EnsureResource(const std::string& path) {
  std::string parent_id = api_.root_resource_id;
  std::string current;
  for (std::string_view part : SplitOn(path, '/')) {
    if (part.empty()) continue;
    current.append("/").append(part);
    if (auto known = resource_by_path_.find(current); known != resource_by_path_.end()) {
      parent_id = known->second;
      continue;
    }
    const auto fail = [&](std::string_view why) {
      log_.Error(fmt::format("Unable to create resource at path '{}': {}", current, why));
      return std::nullopt;
    };
    if (!IsValidPathPart(part)) {
      return fail(
          "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and "
          "the end and an optional plus sign before the closing brace.");
    }
    const Resource& parent = api_.resources.at(parent_id);
    if (IsGreedyPart(parent.path_part)) {
      return fail(fmt::format("Cannot create a child of a resource with a greedy path variable: {}",
                              parent.path_part));
    }
    for (const auto& [id, sibling] : api_.resources) {
      if (sibling.parent_id == parent_id && IsVariablePart(sibling.path_part) &&
          IsVariablePart(part)) {
        return fail(fmt::format(
            "A sibling ({}) of this resource already has a variable path part -- only one is "
            "allowed",
            sibling.path_part));
      }
    }
    Resource resource;
    resource.id = new_id_();
    resource.parent_id = parent_id;
    resource.path_part = std::string(part);
    resource.path = current;
    resource_by_path_[current] = resource.id;
    parent_id = resource.id;
    api_.resources[resource.id] = std::move(resource);
  }
  return parent_id;
}

void Importer::ReadPaths() {
  const json::value* paths_value = doc_.if_contains("paths");
  if (!paths_value) {
    ParseIssue("paths", "is missing");
    return;
  }
  const json::object* paths = paths_value->if_object();
  if (!paths) {
    ParseIssue("paths", "is not of type `object`");
    return;
  }
  const std::string prefix = BasePathPrefix();
  for (const auto& [key, value] : *paths) {
    const std::string document_path(key);
    if (IsExtension(document_path)) continue;
    if (!document_path.starts_with("/")) {
      ParseIssue(fmt::format("paths. Resource {}", document_path), "should start with /");
      continue;
    }
    const json::object* item = value.if_object();
    if (!item) {
      ParseIssue(fmt::format("paths.'{}'", document_path), "is not of type `object`");
      continue;
    }
    const std::string path = NormalizePath(prefix + document_path);
    std::optional<std::string> resource_id = EnsureResource(path);
    if (!resource_id) continue;
    const json::array* path_parameters = ArrayMember(*item, "parameters");
    for (const auto& [member, operation] : *item) {
      std::string method = AsciiToUpper(member);
      if (member == "x-amazon-apigateway-any-method") {
        method = "ANY";
      } else if (!OneOf(kHttpMethods, member)) {
        if (!IsExtension(member) && !OneOf(kPathItemMembers, member)) {
          ParseIssue(fmt::format("paths.'{}'.{}", document_path, std::string_view(member)),
                     "is unexpected");
        }
        continue;
      }
      if (!operation.is_object()) {
        ParseIssue(fmt::format("paths.'{}'({})", document_path, std::string_view(member)),
                   "is not of type `object`");
        continue;
      }
      ReadOperation(*resource_id, {method, path},
                    fmt::format("paths.'{}'({})", document_path, std::string_view(member)),
                    operation.get_object(), path_parameters);
    }
  }
}

void Importer::ReadOperation(const std::string& resource_id, const OperationPlace& place,
                             std::string_view key, const json::object& operation,
                             const json::array* path_parameters) {
  Method method;
  method.http_method = place.method;
  method.operation_name = StringMember(operation, "operationId");
  if (!ReadParameters(place, key, operation, path_parameters, &method)) return;
  if (const json::value* body = operation.if_contains("requestBody"); body && oas3_) {
    if (const json::value* resolved = Resolve(*body); resolved && resolved->is_object()) {
      ReadContentModels(ObjectMember(resolved->get_object(), "content"), "request body", place,
                        &method.request_models);
    }
  }
  ReadResponses(place, key, operation, &method);
  ReadSecurity(operation, &method);
  std::string validator = StringMember(doc_, "x-amazon-apigateway-request-validator");
  if (operation.contains("x-amazon-apigateway-request-validator")) {
    validator = StringMember(operation, "x-amazon-apigateway-request-validator");
  }
  if (!validator.empty()) {
    if (auto known = validator_by_name_.find(validator); known != validator_by_name_.end()) {
      method.request_validator_id = known->second;
    } else {
      log_.Warn(fmt::format("Request validator '{}' for method '{} {}' is not defined. Ignoring.",
                            validator, place.method, place.path));
    }
  }
  for (const auto& [member, value] : operation) {
    if (member.starts_with(kExtensionPrefix) && !OneOf(kApiExtensions, member)) {
      log_.Warn(fmt::format("Unsupported extension '{}' on method '{} {}'. Ignoring.",
                            std::string_view(member), place.method, place.path));
    }
  }
  if (const json::value* extension = operation.if_contains("x-amazon-apigateway-integration")) {
    method.integration = ImportIntegration(*extension, place, resource_id, &log_);
    if (!method.integration) return;
  }
  api_.resources.at(resource_id).methods[method.http_method] = std::move(method);
}

bool Importer::ReadParameters(const OperationPlace& place, std::string_view key,
                              const json::object& operation, const json::array* path_parameters,
                              Method* method) {
  // Operation parameters override the path item's of the same name and location.
  std::vector<const json::object*> parameters;
  for (const json::array* list : {path_parameters, ArrayMember(operation, "parameters")}) {
    if (!list) continue;
    for (const json::value& item : *list) {
      const json::value* resolved = Resolve(item);
      if (!resolved || !resolved->is_object()) continue;
      const json::object* parameter = &resolved->get_object();
      std::erase_if(parameters, [&](const json::object* other) {
        return StringMember(*other, "name") == StringMember(*parameter, "name") &&
               StringMember(*other, "in") == StringMember(*parameter, "in");
      });
      parameters.push_back(parameter);
    }
  }
  for (const json::object* parameter : parameters) {
    const std::string name = StringMember(*parameter, "name");
    const std::string in = StringMember(*parameter, "in");
    const std::string attribute = fmt::format("{}.parameters.[{}]", key, name);
    if (oas3_) {
      for (const auto& [member, value] : *parameter) {
        if (!IsExtension(member) && !OneOf(kOpenApiParameterMembers, member)) {
          ParseIssue(fmt::format("{}.{}", attribute, std::string_view(member)), "is unexpected");
        }
      }
    }
    if (in.empty()) {
      ParseIssue(attribute + ".in", "is missing");
      continue;
    }
    if (in == "body") {
      ReadBodyModel(parameter->if_contains("schema"), MediaTypes(operation, "consumes"),
                    "request body", place, &method->request_models);
      continue;
    }
    if (in != "path" && in != "query" && in != "header") continue;  // formData, cookie
    if (!IsValidParameterName(name)) {
      log_.Error(fmt::format(
          "Unable to put method '{}' on resource at path '{}': Invalid mapping expression "
          "specified: Validation Result: warnings : [], errors : [Parameter name should match "
          "the following regular expression: ^[a-zA-Z0-9._$-]+$]",
          place.method, place.path));
      return false;
    }
    const json::value* required = parameter->if_contains("required");
    method->request_parameters[fmt::format("method.request.{}.{}",
                                           in == "query" ? "querystring" : in, name)] =
        required && required->is_bool() && required->get_bool();
  }
  return true;
}

void Importer::ReadResponses(const OperationPlace& place, std::string_view key,
                             const json::object& operation, Method* method) {
  const json::object* responses = ObjectMember(operation, "responses");
  if (!responses) {
    ParseIssue(fmt::format("{}.responses", key), "is missing");
    return;
  }
  for (const auto& [code, value] : *responses) {
    int status = 0;
    if (code.size() != 3 || !ParseDigits(code, &status)) continue;  // "default", x-...
    const json::value* resolved = Resolve(value);
    if (!resolved || !resolved->is_object()) continue;
    const json::object& response = resolved->get_object();
    MethodResponse out;
    out.status_code = std::string(code);
    const std::string where = out.status_code + " response";
    if (oas3_) {
      ReadContentModels(ObjectMember(response, "content"), where, place, &out.response_models);
    } else {
      ReadBodyModel(response.if_contains("schema"), MediaTypes(operation, "produces"), where, place,
                    &out.response_models);
    }
    if (const json::object* headers = ObjectMember(response, "headers")) {
      for (const auto& [header, ignored] : *headers) {
        out.response_parameters["method.response.header." + std::string(header)] = false;
      }
    }
    method->method_responses[out.status_code] = std::move(out);
  }
}

void Importer::ReadSecurity(const json::object& operation, Method* method) {
  if (const json::object* auth = ObjectMember(operation, "x-amazon-apigateway-auth");
      auth && EqualsIgnoreCase(StringMember(*auth, "type"), "aws_iam")) {
    method->authorization_type = "AWS_IAM";
  }
  const json::array* requirements = ArrayMember(operation, "security");
  if (!requirements) requirements = ArrayMember(doc_, "security");
  if (!requirements) return;
  for (const json::value& requirement : *requirements) {
    if (!requirement.is_object()) continue;
    for (const auto& [name, scopes] : requirement.get_object()) {
      auto scheme = schemes_.find(std::string(name));
      if (scheme == schemes_.end()) continue;
      switch (scheme->second.kind) {
        case SecurityScheme::Kind::kApiKey:
          method->api_key_required = true;
          break;
        case SecurityScheme::Kind::kIam:
          method->authorization_type = "AWS_IAM";
          break;
        case SecurityScheme::Kind::kAuthorizer:
          if (!method->authorizer_id.empty()) break;  // the first authorizer listed wins
          method->authorization_type = scheme->second.authorization_type;
          method->authorizer_id = scheme->second.authorizer_id;
          method->authorization_scopes = StringsOf(scopes.if_array());
          break;
      }
    }
  }
}

std::vector<std::string> Importer::MediaTypes(const json::object& operation, std::string_view key) {
  std::vector<std::string> types = StringsOf(ArrayMember(operation, key));
  if (types.empty()) types = StringsOf(ArrayMember(doc_, key));
  if (types.empty()) types.push_back("application/json");
  return types;
}

void Importer::ReadContentModels(const json::object* content, std::string_view where,
                                 const OperationPlace& place, StringMap* models) {
  if (!content) return;
  for (const auto& [type, media] : *content) {
    const json::object* media_type = media.if_object();
    if (!media_type) continue;
    ReadBodyModel(media_type->if_contains("schema"), {std::string(type)}, where, place, models);
  }
}

void Importer::ReadBodyModel(const json::value* schema,
                             const std::vector<std::string>& content_types, std::string_view where,
                             const OperationPlace& place, StringMap* models) {
  if (!schema || !schema->is_object()) return;
  const json::object& object = schema->get_object();
  std::string model_name;
  if (const json::value* ref = object.if_contains("$ref"); ref && ref->is_string()) {
    std::optional<std::string> name = LocalModelName(std::string_view(ref->get_string()));
    if (!name || !api_.models.contains(*name)) {
      log_.Warn(fmt::format("Reference to model '{}' not found. Ignoring.",
                            name.value_or(std::string(ref->get_string()))));
      return;
    }
    model_name = *name;
  } else if (IsStructuredSchema(object)) {
    // AWS makes a model of an inline object or array schema under a generated name.
    Model model;
    model.id = new_id_();
    model.name = "MODEL" + model.id;
    json::value copy = *schema;
    if (!CanonicalizeSchema(model.name, &copy)) return;
    model.schema = json::serialize(copy);
    model_name = model.name;
    api_.models[model.name] = std::move(model);
  } else {
    log_.Warn(fmt::format("Unsupported model type '{}' in {} to method '{} {}'. Ignoring.",
                          SchemaKind(object), where, place.method, place.path));
    return;
  }
  for (const std::string& type : content_types) (*models)[type] = model_name;
}

const json::value* Importer::Resolve(const json::value& value) const {
  const json::value* current = &value;
  // A bounded number of hops: references may form a cycle.
  for (int hop = 0; hop < 8; ++hop) {
    const json::object* object = current->if_object();
    const json::value* ref = object ? object->if_contains("$ref") : nullptr;
    if (!ref) return current;
    if (!ref->is_string() || !ref->get_string().starts_with("#/")) return nullptr;
    const json::value* target = nullptr;
    const json::object* scope = &doc_;
    for (std::string_view step : SplitOn(std::string_view(ref->get_string()).substr(2), '/')) {
      if (!scope) return nullptr;
      target = scope->if_contains(step);
      if (!target) return nullptr;
      scope = target->if_object();
    }
    current = target;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<RestApi> ImportOpenApi(std::string_view document, const ImportOptions& options,
                                      const RestApi* existing,
                                      const std::function<std::string()>& new_id) {
  absl::StatusOr<json::object> parsed = ParseOpenApiDocument(document);
  if (!parsed.ok()) return parsed.status();
  const json::value* swagger = parsed->if_contains("swagger");
  const json::value* openapi = parsed->if_contains("openapi");
  const bool known_version = (swagger && ScalarText(*swagger) == "2.0") ||
                             (openapi && ScalarText(*openapi).starts_with("3."));
  if (!known_version || (swagger && openapi)) {
    return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException",
                    "Invalid OpenAPI input.");
  }
  return Importer(*parsed, options, new_id).Run(existing);
}

}  // namespace serval::apigateway
