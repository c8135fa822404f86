#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <sstream>

#include "common/aws_error.h"
#include "services/apigateway/openapi_document.h"
#include "services/apigateway/openapi_export.h"
#include "services/apigateway/openapi_import.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(OPENAPI_TESTDATA_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Imports with ids "id1", "id2", ... in the order the importer asks for them.
absl::StatusOr<RestApi> Import(std::string_view document, const ImportOptions& options = {},
                               const RestApi* existing = nullptr) {
  int next = 0;
  return ImportOpenApi(document, options, existing,
                       [&next] { return "id" + std::to_string(++next); });
}

const Resource* ByPath(const RestApi& api, std::string_view path) {
  for (const auto& [id, resource] : api.resources) {
    if (resource.path == path) return &resource;
  }
  return nullptr;
}

std::vector<std::string> Paths(const RestApi& api) {
  std::vector<std::string> paths;
  for (const auto& [id, resource] : api.resources) paths.push_back(resource.path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

void ExpectBadRequest(const absl::StatusOr<RestApi>& result, std::string_view message) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsErrorCode(result.status()), "BadRequestException");
  EXPECT_EQ(std::string(result.status().message()), message);
}

void ExpectInvalidInput(std::string_view document) {
  ExpectBadRequest(Import(document), "Invalid OpenAPI input.");
}

// A Swagger 2 document whose one path `path` has `operation` (a JSON object) as its GET.
std::string Swagger(std::string_view operation, std::string_view path = "/x",
                    std::string_view top = "") {
  return fmt::format(
      R"({{"swagger": "2.0", "info": {{"title": "t", "version": "1"}}, {}
          "paths": {{"{}": {{"get": {}}}}}}})",
      top, path, operation);
}

std::string WithIntegration(std::string_view integration) {
  return Swagger(fmt::format(R"({{"responses": {{"200": {{"description": "ok"}}}},
                                  "x-amazon-apigateway-integration": {}}})",
                             integration));
}

json::object ParseJson(std::string_view text) {
  absl::StatusOr<json::object> document = ParseOpenApiDocument(text);
  EXPECT_TRUE(document.ok()) << document.status();
  return document.ok() ? *document : json::object();
}

const json::value& At(const json::value& value, std::initializer_list<std::string_view> steps) {
  const json::value* current = &value;
  for (std::string_view step : steps) current = &current->at_pointer(fmt::format("/{}", step));
  return *current;
}

// --- The seed: the error-handling blog post's Swagger -----------------------------------------

TEST(OpenApiImport, SeedSwaggerImportsEveryField) {
  absl::StatusOr<RestApi> api = Import(ReadTestdata("error-handling-swagger.json"));
  ASSERT_TRUE(api.ok()) << api.status();
  EXPECT_TRUE(api->warnings.empty()) << api->warnings.front();
  EXPECT_EQ(api->id, "id1");
  EXPECT_EQ(api->root_resource_id, "id2");
  EXPECT_EQ(api->name, "Best practices for API error responses with API Gateway and Lambda");
  EXPECT_EQ(api->version, "2016-04-21T23:52:49Z");
  EXPECT_EQ(Paths(*api), (std::vector<std::string>{"/", "/lambda"}));

  const Resource* lambda = ByPath(*api, "/lambda");
  ASSERT_NE(lambda, nullptr);
  EXPECT_EQ(lambda->parent_id, api->root_resource_id);
  EXPECT_EQ(lambda->path_part, "lambda");
  ASSERT_EQ(lambda->methods.size(), 1u);
  const Method& get = lambda->methods.at("GET");
  EXPECT_EQ(get.http_method, "GET");
  EXPECT_EQ(get.authorization_type, "NONE");
  EXPECT_FALSE(get.api_key_required);
  EXPECT_EQ(get.request_parameters, (RequiredMap{{"method.request.querystring.status", true}}));
  EXPECT_TRUE(get.request_models.empty());

  ASSERT_EQ(get.method_responses.size(), 5u);
  for (const auto& [code, model] : std::map<std::string, std::string>{{"200", "Empty"},
                                                                      {"400", "Error"},
                                                                      {"403", "Error"},
                                                                      {"404", "Error"},
                                                                      {"500", "Error"}}) {
    const MethodResponse& response = get.method_responses.at(code);
    EXPECT_EQ(response.status_code, code);
    EXPECT_EQ(response.response_models, (StringMap{{"application/json", model}})) << code;
    EXPECT_TRUE(response.response_parameters.empty());
  }

  ASSERT_TRUE(get.integration.has_value());
  const Integration& integration = *get.integration;
  EXPECT_EQ(integration.type, "AWS");
  EXPECT_EQ(integration.http_method, "POST");
  EXPECT_EQ(integration.uri,
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/[MY_FUNCTION_ARN]/"
            "invocations");
  EXPECT_EQ(integration.passthrough_behavior, "WHEN_NO_MATCH");
  EXPECT_EQ(integration.timeout_in_millis, 29000);
  EXPECT_EQ(integration.cache_namespace, lambda->id);
  EXPECT_EQ(integration.request_templates,
            (StringMap{{"application/json", "{\"failureStatus\" : $input.params('status')\n}"}}));
  ASSERT_EQ(integration.integration_responses.size(), 5u);
  const IntegrationResponse& ok = integration.integration_responses.at("200");
  EXPECT_EQ(ok.status_code, "200");
  EXPECT_EQ(ok.selection_pattern, std::nullopt);
  EXPECT_TRUE(ok.response_templates.empty());
  const std::string error_template =
      "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n"
      "#set ($bodyObj = $util.parseJson($input.body))\n"
      "{\n"
      "  \"type\" : \"$errorMessageObj.errorType\",\n"
      "  \"message\" : \"$errorMessageObj.message\",\n"
      "  \"request-id\" : \"$errorMessageObj.requestId\"\n"
      "}";
  for (const std::string code : {"400", "403", "404", "500"}) {
    const IntegrationResponse& response = integration.integration_responses.at(code);
    EXPECT_EQ(response.status_code, code);
    EXPECT_EQ(response.selection_pattern, ".*httpStatus\\\":" + code + ".*");
    EXPECT_EQ(response.response_templates, (StringMap{{"application/json", error_template}}));
  }

  ASSERT_EQ(api->models.size(), 2u);
  EXPECT_EQ(api->models.at("Empty").schema, R"({"type":"object"})");
  EXPECT_EQ(api->models.at("Empty").content_type, "application/json");
  EXPECT_EQ(api->models.at("Error").schema,
            R"({"type":"object","properties":{"message":{"type":"string"},)"
            R"("type":{"type":"string"},"request-id":{"type":"string"}}})");
}

// --- OpenAPI 3 in YAML -------------------------------------------------------------------------

TEST(OpenApiImport, OpenApi3YamlWithProxyAuthorizerKeysAndValidators) {
  ImportOptions options;
  options.api_id = "pets1";
  absl::StatusOr<RestApi> api = Import(ReadTestdata("pets-oas30.yaml"), options);
  ASSERT_TRUE(api.ok()) << api.status();
  EXPECT_TRUE(api->warnings.empty()) << api->warnings.front();
  EXPECT_EQ(api->id, "pets1");
  EXPECT_EQ(api->name, "Pets");
  EXPECT_EQ(api->description, "A pet store behind a Lambda proxy");
  EXPECT_EQ(api->version, "1.0");  // an unquoted YAML float, as written
  EXPECT_EQ(api->binary_media_types,
            (std::vector<std::string>{"image/png", "application/octet-stream"}));
  EXPECT_EQ(api->api_key_source, "HEADER");
  // basepath=ignore (the default) drops the server's /v1.
  EXPECT_EQ(Paths(*api), (std::vector<std::string>{"/", "/pets", "/pets/{petId}", "/{proxy+}"}));

  ASSERT_EQ(api->models.size(), 2u);
  EXPECT_EQ(api->models.at("Pet").schema,
            R"({"type":"object","properties":{"id":{"type":"string"},"tags":{"type":"array",)"
            R"("items":{"$ref":"https://apigateway.amazonaws.com/restapis/pets1/models/Tag"}}}})");

  ASSERT_EQ(api->authorizers.size(), 1u);
  const Authorizer& authorizer = api->authorizers.begin()->second;
  EXPECT_EQ(authorizer.name, "petAuth");
  EXPECT_EQ(authorizer.type, "TOKEN");
  EXPECT_EQ(authorizer.identity_source, "method.request.header.Authorization");
  EXPECT_EQ(authorizer.identity_validation_expression, "^Bearer .+$");
  EXPECT_EQ(authorizer.authorizer_result_ttl_in_seconds, 60);
  EXPECT_EQ(authorizer.auth_type, "custom");
  EXPECT_EQ(authorizer.authorizer_uri,
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations");

  std::map<std::string, std::string> validator_ids;
  for (const auto& [id, validator] : api->request_validators) validator_ids[validator.name] = id;
  ASSERT_EQ(validator_ids.size(), 2u);
  EXPECT_TRUE(api->request_validators.at(validator_ids["all"]).validate_request_body);
  EXPECT_FALSE(api->request_validators.at(validator_ids["params-only"]).validate_request_body);
  EXPECT_TRUE(api->request_validators.at(validator_ids["params-only"]).validate_request_parameters);

  const Resource* pet = ByPath(*api, "/pets/{petId}");
  ASSERT_NE(pet, nullptr);
  EXPECT_EQ(pet->path_part, "{petId}");
  EXPECT_EQ(pet->parent_id, ByPath(*api, "/pets")->id);
  const Method& get = pet->methods.at("GET");
  EXPECT_EQ(get.operation_name, "GetPet");
  EXPECT_EQ(get.authorization_type, "CUSTOM");
  EXPECT_EQ(get.authorizer_id, authorizer.id);
  EXPECT_FALSE(get.api_key_required);
  EXPECT_EQ(get.request_validator_id, validator_ids["params-only"]);  // the document's default
  EXPECT_EQ(get.request_parameters, (RequiredMap{{"method.request.header.X-Trace", false},
                                                 {"method.request.path.petId", true}}));
  EXPECT_EQ(get.method_responses.at("200").response_models,
            (StringMap{{"application/json", "Pet"}}));
  EXPECT_EQ(get.method_responses.at("200").response_parameters,
            (RequiredMap{{"method.response.header.Access-Control-Allow-Origin", false}}));
  ASSERT_TRUE(get.integration);
  EXPECT_EQ(get.integration->type, "AWS_PROXY");
  EXPECT_EQ(get.integration->timeout_in_millis, 10000);

  const Method& put = pet->methods.at("PUT");
  EXPECT_TRUE(put.api_key_required);
  EXPECT_EQ(put.authorization_type, "NONE");
  EXPECT_EQ(put.request_validator_id, validator_ids["all"]);
  EXPECT_EQ(put.request_models, (StringMap{{"application/json", "Pet"}}));
  EXPECT_TRUE(put.method_responses.contains("204"));
  ASSERT_TRUE(put.integration);
  EXPECT_EQ(put.integration->type, "MOCK");
  EXPECT_EQ(put.integration->integration_responses.at("204").status_code, "204");

  const Resource* proxy = ByPath(*api, "/{proxy+}");
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(proxy->parent_id, api->root_resource_id);
  const Method& any = proxy->methods.at("ANY");
  EXPECT_EQ(any.request_parameters, (RequiredMap{{"method.request.path.proxy", true}}));
  EXPECT_TRUE(any.method_responses.empty());
  ASSERT_TRUE(any.integration);
  EXPECT_EQ(any.integration->type, "HTTP_PROXY");
  EXPECT_EQ(any.integration->http_method, "ANY");
  EXPECT_EQ(any.integration->request_parameters,
            (StringMap{{"integration.request.path.proxy", "method.request.path.proxy"}}));
}

TEST(OpenApiImport, CognitoAuthorizerAndIamAndEndpointTypes) {
  const std::string document = R"(
openapi: "3.0.1"
info: {title: c, version: "1"}
x-amazon-apigateway-endpoint-configuration: {types: [REGIONAL]}
paths:
  /a:
    get:
      security: [{pool: [email, openid]}]
      responses: {"200": {description: ok}}
  /b:
    get:
      security: [{sigv4: []}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_x"]
)";
  absl::StatusOr<RestApi> api = Import(document);
  ASSERT_TRUE(api.ok()) << api.status();
  EXPECT_EQ(api->endpoint_types, (std::vector<std::string>{"REGIONAL"}));
  const Method& a = ByPath(*api, "/a")->methods.at("GET");
  EXPECT_EQ(a.authorization_type, "COGNITO_USER_POOLS");
  EXPECT_EQ(a.authorization_scopes, (std::vector<std::string>{"email", "openid"}));
  const Authorizer& pool = api->authorizers.at(a.authorizer_id);
  EXPECT_EQ(pool.type, "COGNITO_USER_POOLS");
  EXPECT_EQ(pool.identity_source, "method.request.header.Authorization");
  EXPECT_EQ(pool.provider_arns.size(), 1u);
  EXPECT_EQ(ByPath(*api, "/b")->methods.at("GET").authorization_type, "AWS_IAM");

  ImportOptions options;
  options.endpoint_types = {"PRIVATE"};
  EXPECT_EQ(Import(document, options)->endpoint_types, (std::vector<std::string>{"PRIVATE"}));
}

// --- Base paths ---------------------------------------------------------------------------------

TEST(OpenApiImport, BasePathModesOfSwagger) {
  const std::string document =
      Swagger(R"({"responses": {}})", "/test", R"("basePath": "/base/part",)");
  for (const auto& [mode, path] : std::map<std::string, std::string>{
           {"ignore", "/test"}, {"prepend", "/base/part/test"}, {"split", "/part/test"}}) {
    ImportOptions options;
    options.basepath = mode;
    absl::StatusOr<RestApi> api = Import(document, options);
    ASSERT_TRUE(api.ok()) << api.status();
    EXPECT_NE(ByPath(*api, path), nullptr) << mode;
    EXPECT_TRUE(ByPath(*api, path)->methods.contains("GET")) << mode;
  }
  ImportOptions bad;
  bad.basepath = "sideways";
  ExpectBadRequest(Import(document, bad), "Invalid basepath parameter: sideways");
}

TEST(OpenApiImport, BasePathOfOpenApiServers) {
  // Recorded against AWS: a server URL's path, or a lone basePath variable even when the URL
  // does not use it.
  const std::string url = R"(
openapi: 3.0.1
info: {title: t, version: "2.0"}
servers: [{url: "https://testdomain.com/base-url/part/"}]
paths: {/test: {get: {responses: {}}}})";
  const std::string variable = R"(
openapi: 3.0.1
info: {title: t, version: "2.0"}
servers: [{url: "https://testdomain.com", variables: {basePath: {default: /base-var}}}]
paths: {/test: {get: {responses: {}}}})";
  ImportOptions prepend;
  prepend.basepath = "prepend";
  ImportOptions split;
  split.basepath = "split";
  EXPECT_NE(ByPath(*Import(url, prepend), "/base-url/part/test"), nullptr);
  EXPECT_NE(ByPath(*Import(url, split), "/part/test"), nullptr);
  EXPECT_NE(ByPath(*Import(url), "/test"), nullptr);
  EXPECT_NE(ByPath(*Import(variable, prepend), "/base-var/test"), nullptr);
  EXPECT_NE(ByPath(*Import(variable, split), "/test"), nullptr);
}

// --- PutRestApi: merge and overwrite ------------------------------------------------------------

RestApi ExistingApi() {
  // GET /a returning 200 and 206, POST /a, binary type image/heif (AWS's guide's example).
  absl::StatusOr<RestApi> api = Import(R"(
swagger: "2.0"
info: {title: before, version: "0", description: kept}
x-amazon-apigateway-binary-media-types: [image/heif]
paths:
  /a:
    get: {responses: {"200": {description: ok}, "206": {description: partial}}}
    post: {responses: {"200": {description: ok}}}
definitions: {Old: {type: object}}
)");
  EXPECT_TRUE(api.ok()) << api.status();
  api->created_date = 1700000000;
  api->tags = {{"team", "pets"}};
  return *api;
}

const std::string kUpdate = R"(
swagger: "2.0"
info: {title: after, version: "1.0.0"}
x-amazon-apigateway-binary-media-types: [image/png, image/heif]
paths:
  /a:
    get: {responses: {"200": {description: ok}, "400": {description: bad}}}
  /b:
    get: {responses: {"200": {description: ok}}}
)";

// PutRestApi of kUpdate onto `before`, checking what both modes keep and take.
RestApi Update(const RestApi& before, std::string mode) {
  ImportOptions options;
  options.mode = std::move(mode);
  int next = 100;  // ids the existing API does not use
  absl::StatusOr<RestApi> after =
      ImportOpenApi(kUpdate, options, &before, [&next] { return "id" + std::to_string(++next); });
  EXPECT_TRUE(after.ok()) << after.status();
  if (!after.ok()) return before;
  EXPECT_EQ(after->id, before.id);
  EXPECT_EQ(after->root_resource_id, before.root_resource_id);
  EXPECT_EQ(after->created_date, before.created_date);
  EXPECT_EQ(after->tags, before.tags);
  EXPECT_EQ(after->endpoint_types, before.endpoint_types);
  EXPECT_EQ(after->name, "after");
  EXPECT_EQ(Paths(*after), (std::vector<std::string>{"/", "/a", "/b"}));
  return *after;
}

TEST(OpenApiImport, MergeReplacesTheDocumentsMethodsAndKeepsTheRest) {
  const RestApi before = ExistingApi();
  const RestApi after = Update(before, "merge");
  EXPECT_EQ(after.version, "1.0.0");
  EXPECT_EQ(after.description, "kept");
  EXPECT_EQ(after.binary_media_types, (std::vector<std::string>{"image/heif", "image/png"}));
  const Resource* a = ByPath(after, "/a");
  EXPECT_EQ(a->id, ByPath(before, "/a")->id);
  EXPECT_EQ(a->methods.at("GET").method_responses.size(), 2u);
  EXPECT_TRUE(a->methods.at("GET").method_responses.contains("400"));
  EXPECT_FALSE(a->methods.at("GET").method_responses.contains("206"));
  EXPECT_TRUE(a->methods.contains("POST"));
  EXPECT_TRUE(after.models.contains("Old"));
}

TEST(OpenApiImport, OverwriteKeepsOnlyIdentityAndTags) {
  RestApi before = ExistingApi();
  before.endpoint_types = {"REGIONAL"};  // kept: an update never changes it
  const RestApi after = Update(before, "overwrite");
  EXPECT_EQ(after.description, "");
  EXPECT_EQ(after.binary_media_types, (std::vector<std::string>{"image/png", "image/heif"}));
  EXPECT_FALSE(ByPath(after, "/a")->methods.contains("POST"));
  EXPECT_TRUE(after.models.empty());
}

// --- Documents that are not OpenAPI -------------------------------------------------------------

TEST(OpenApiImport, GarbageIsInvalidInput) {
  // The two bodies AWS answered "Invalid OpenAPI input." to (LocalStack's recording).
  ExpectInvalidInput(
      "test:\n    value:\n        - \"value ... \\\"escaped\\\": $var, "
      "\\\"dt\\\": $(var +\"%a\")}\\\"\n        ");
  ExpectInvalidInput("{'key:value}");
  ExpectInvalidInput("");
  ExpectInvalidInput("[1, 2]");
  ExpectInvalidInput("\"just a string\"");
  ExpectInvalidInput(R"({"info": {"title": "no version"}, "paths": {}})");
  ExpectInvalidInput(R"({"swagger": "1.2", "paths": {}})");
  ExpectInvalidInput(R"({"swagger": "2.0", "openapi": "3.0.1", "paths": {}})");
  ExpectInvalidInput("\xff\xfe\x00garbage");
}

TEST(OpenApiImport, OversizedDocumentIsRefused) {
  std::string document = R"({"swagger": "2.0", "info": {"title": "big", "description": ")";
  document.append(kMaxOpenApiDocumentBytes, 'x');
  document.append(R"("}, "paths": {}})");
  ExpectInvalidInput(document);
}

TEST(OpenApiImport, DeepNestingIsRefusedWithoutExhaustingTheStack) {
  for (const size_t depth : {65, 3000, 200000}) {
    ExpectInvalidInput(std::string(depth, '[') + std::string(depth, ']'));
    ExpectInvalidInput("swagger: '2.0'\npaths: " + std::string(depth, '{') + "a: 1" +
                       std::string(depth, '}'));
  }
  std::string block = "swagger: '2.0'\nx:\n";
  for (int level = 1; level < 200; ++level) block += std::string(level, ' ') + "- \n";
  ExpectInvalidInput(block);
  // Within the limit the document is accepted.
  std::string nested = "{\"a\":1}";
  for (int level = 0; level < 40; ++level) nested = "{\"a\":" + nested + "}";
  EXPECT_TRUE(Import(R"({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},
                         "definitions": {"Deep": )" +
                     nested + "}}")
                  .ok());
}

TEST(OpenApiImport, YamlAliasBombIsRefused) {
  std::string document = "swagger: '2.0'\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 9; ++level) {
    const std::string previous = "*a" + std::to_string(level - 1);
    document +=
        fmt::format("a{0}: &a{0} [{1},{1},{1},{1},{1},{1},{1},{1},{1},{1}]\n", level, previous);
  }
  ExpectInvalidInput(document);
}

TEST(OpenApiImport, NonScalarKeysAreRefusedAndScalarKeysAreStrings) {
  ExpectInvalidInput("swagger: '2.0'\n? [a, b]\n: c\n");
  absl::StatusOr<RestApi> api = Import(R"(
swagger: "2.0"
info: {title: 7, version: 2.50}
paths:
  /x:
    get:
      responses:
        200: {description: ok}
)");
  ASSERT_TRUE(api.ok()) << api.status();
  EXPECT_EQ(api->name, "7");
  EXPECT_EQ(api->version, "2.5");
  EXPECT_TRUE(ByPath(*api, "/x")->methods.at("GET").method_responses.contains("200"));
}

// --- Errors: parts AWS refuses ------------------------------------------------------------------

TEST(OpenApiImport, IntegrationErrorsNameTheMethod) {
  const std::string prefix =
      "Errors found during import:\n\tUnable to put integration on 'GET' for resource at path "
      "'/x': ";
  const std::map<std::string, std::string> cases = {
      {R"({"type": "foo", "httpMethod": "GET", "uri": "https://e.com"})",
       "Invalid integration type specified: FOO"},
      {R"({"type": "aws", "uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"})",
       "Enumeration value for HttpMethod must be non-empty"},
      {R"({"type": "http", "uri": "https://e.com"})",
       "Enumeration value for HttpMethod must be non-empty"},
      {R"({"type": "aws", "httpMethod": "POST", "uri": "lambda"})",
       "Invalid ARN specified in the request"},
      {R"({"type": "aws", "httpMethod": "POST"})", "Invalid ARN specified in the request"},
      {R"({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:s3:b/k"})",
       "AWS ARN for integration must contain path or action"},
      {R"({"type": "aws_proxy", "uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"})",
       "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose "
       "stream invocations."},
      {R"({"type": "http_proxy", "httpMethod": "GET", "uri": "ftp://e.com"})",
       "Invalid HTTP endpoint specified for URI"},
      {R"({"type": "http", "httpMethod": "GET"})", "Invalid HTTP endpoint specified for URI"},
      {R"({"type": "mock", "timeoutInMillis": 10})",
       "Timeout should be between 50 ms and 29000 ms"},
      {R"({"type": "mock", "timeoutInMillis": 29001})",
       "Timeout should be between 50 ms and 29000 ms"},
      {R"({"type": "mock", "passthroughBehavior": "sometimes"})",
       "Invalid passthrough behavior specified: SOMETIMES"},
      {R"({"type": "mock", "contentHandling": "CONVERT_TO_JPEG"})",
       "Invalid content handling specified: CONVERT_TO_JPEG"},
      {R"("not an object")", "Invalid integration specified"},
  };
  for (const auto& [integration, message] : cases) {
    ExpectBadRequest(Import(WithIntegration(integration)), prefix + message);
  }
  ExpectBadRequest(
      Import(WithIntegration(R"({"type": "mock", "responses": {"default": {"statusCode": "2"}}})")),
      "Errors found during import:\n\tUnable to put integration response on 'GET' for resource "
      "at path '/x': Invalid status code specified: 2");
}

TEST(OpenApiImport, IntegrationAcceptsWhatAwsAccepts) {
  absl::StatusOr<RestApi> api = Import(WithIntegration(R"({
      "type": "HTTP", "httpMethod": "get", "uri": "https://e.com/{id}",
      "passthroughBehavior": "when_no_templates", "timeoutInMillis": "50",
      "contentHandling": "convert_to_text", "connectionType": "vpc_link", "connectionId": "v1",
      "cacheNamespace": "ns", "cacheKeyParameters": ["method.request.path.id"],
      "credentials": "arn:aws:iam::000000000000:role/r",
      "responses": {"4\\d{2}": {"statusCode": 400, "contentHandling": "CONVERT_TO_BINARY",
                                "responseParameters": {"method.response.header.X": "'y'"}}}})"));
  ASSERT_TRUE(api.ok()) << api.status();
  const Integration& integration = *ByPath(*api, "/x")->methods.at("GET").integration;
  EXPECT_EQ(integration.http_method, "GET");
  EXPECT_EQ(integration.passthrough_behavior, "WHEN_NO_TEMPLATES");
  EXPECT_EQ(integration.timeout_in_millis, 50);
  EXPECT_EQ(integration.content_handling, "CONVERT_TO_TEXT");
  EXPECT_EQ(integration.connection_type, "VPC_LINK");
  EXPECT_EQ(integration.connection_id, "v1");
  EXPECT_EQ(integration.cache_namespace, "ns");
  EXPECT_EQ(integration.cache_key_parameters, (std::vector<std::string>{"method.request.path.id"}));
  EXPECT_EQ(integration.credentials, "arn:aws:iam::000000000000:role/r");
  const IntegrationResponse& response = integration.integration_responses.at("400");
  EXPECT_EQ(response.selection_pattern, "4\\d{2}");
  EXPECT_EQ(response.content_handling, "CONVERT_TO_BINARY");
  EXPECT_EQ(response.response_parameters, (StringMap{{"method.response.header.X", "'y'"}}));
}

TEST(OpenApiImport, ResourceAndMethodErrors) {
  ExpectBadRequest(
      Import(Swagger(R"({"responses": {}})", "/a b")),
      "Errors found during import:\n\tUnable to create resource at path '/a b': Resource's path "
      "part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional "
      "plus sign before the closing brace.");
  ExpectBadRequest(
      Import(R"({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {
                 "/r/{id}": {"get": {"responses": {}}},
                 "/r/{email}/{eventId}": {"get": {"responses": {}}}}})"),
      "Errors found during import:\n\tUnable to create resource at path '/r/{email}': A sibling "
      "({id}) of this resource already has a variable path part -- only one is allowed");
  ExpectBadRequest(Import(Swagger(R"({"responses": {}})", "/{proxy+}/x")),
                   "Errors found during import:\n\tUnable to create resource at path "
                   "'/{proxy+}/x': Cannot create a child of a resource with a greedy path "
                   "variable: {proxy+}");
  ExpectBadRequest(
      Import(Swagger(R"({"parameters": [{"name": "page[size]", "in": "query"}], "responses": {}})",
                     "/items")),
      "Errors found during import:\n\tUnable to put method 'GET' on resource at path '/items': "
      "Invalid mapping expression specified: Validation Result: warnings : [], errors : "
      "[Parameter name should match the following regular expression: ^[a-zA-Z0-9._$-]+$]");
}

TEST(OpenApiImport, ModelErrors) {
  ExpectBadRequest(
      Import(Swagger(R"({"responses": {}})", "/x",
                     R"("definitions": {"inline_response_200": {"type": "object"}},)")),
      "Errors found during import:\n\tModel name must be alphanumeric: "
      "inline_response_200");
  ExpectBadRequest(
      Import(Swagger(R"({"responses": {}})", "/x",
                     R"("definitions": {"A": {"$ref": "other.json#/B"}},)")),
      "Errors found during import:\n\tUnable to create model for 'A': Invalid model specified: "
      "Validation Result: warnings : [], errors : [Model reference must be in canonical form]");
}

TEST(OpenApiImport, ErrorsListTheWarningsToo) {
  ExpectBadRequest(
      Import(Swagger(R"({"responses": {"200": {"description": "ok",
                          "schema": {"$ref": "#/definitions/Missing"}}},
                         "x-amazon-apigateway-integration": {"type": "mock",
                           "timeoutInMillis": 1}})")),
      "Errors found during import:\n\tUnable to put integration on 'GET' for resource at path "
      "'/x': Timeout should be between 50 ms and 29000 ms\nAdditionally, these warnings were "
      "found:\n\tReference to model 'Missing' not found. Ignoring.");
}

// --- Warnings -----------------------------------------------------------------------------------

std::vector<std::string> WarningsOf(std::string_view document) {
  absl::StatusOr<RestApi> api = Import(document);
  EXPECT_TRUE(api.ok()) << api.status();
  return api.ok() ? api->warnings : std::vector<std::string>{};
}

TEST(OpenApiImport, WarningsAsAwsWordsThem) {
  // Recorded against AWS (LocalStack's snapshot): the parameter is dropped.
  absl::StatusOr<RestApi> api = Import(WithIntegration(
      R"({"type": "mock", "requestParameters": {"integration.request.header.ok": "'x'",
                                                "integration.request.header.nothing": true}})"));
  ASSERT_TRUE(api.ok());
  EXPECT_EQ(api->warnings,
            (std::vector<std::string>{
                "Invalid format for 'requestParameters'. Expected type string for property "
                "'integration.request.header.nothing' of resource '/x' and method 'GET' but got "
                "'true'"}));
  EXPECT_EQ(ByPath(*api, "/x")->methods.at("GET").integration->request_parameters.size(), 1u);

  EXPECT_EQ(WarningsOf(WithIntegration(
                R"({"type": "mock", "requestTemplates": {"application/json": {"a": 1}}})")),
            (std::vector<std::string>{
                "Invalid format for 'requestTemplates'. Expected type string for property "
                "'application/json' of resource '/x' and method 'GET' but got '{\"a\":1}'"}));
  EXPECT_EQ(
      WarningsOf(Swagger(R"({})")),
      (std::vector<std::string>{"Parse issue: attribute paths.'/x'(get).responses is missing"}));
  EXPECT_EQ(WarningsOf(Swagger(R"({"responses": {"200": {"description": "ok",
                                  "schema": {"$ref": "#/definitions/Nope"}}}})")),
            (std::vector<std::string>{"Reference to model 'Nope' not found. Ignoring."}));
  EXPECT_EQ(WarningsOf(R"(
openapi: 3.0.1
info: {title: t, version: "1"}
servers: [{url: "https://a.com"}, {url: "https://b.com"}]
paths:
  /area/{zipCode}:
    post:
      parameters: [{name: zipCode, in: path, required: true, type: string}]
      responses:
        "201": {description: made, content: {application/json: {schema: {type: string}}}}
components:
  invalid_key_will_warn: a_value
)"),
            (std::vector<std::string>{
                // The order of AWS's answer to a document like this one: the parser's issues,
                // then the importer's.
                "Parse issue: attribute components.invalid_key_will_warn is unexpected",
                "Parse issue: attribute paths.'/area/{zipCode}'(post).parameters.[zipCode].type is "
                "unexpected",
                "More than one server provided. Ignoring all but the first for defining endpoint "
                "configuration",
                "Unsupported model type 'StringSchema' in 201 response to method 'POST "
                "/area/{zipCode}'. Ignoring."}));
  EXPECT_EQ(
      WarningsOf(Swagger(R"({"responses": {}, "x-amazon-apigateway-request-validator": "v",
                                  "x-amazon-apigateway-gizmo": {}})",
                         "/x", R"("x-amazon-apigateway-gateway-responses": {}, "nope": 1,)")),
      (std::vector<std::string>{
          "Parse issue: attribute nope is unexpected",
          "Unsupported extension 'x-amazon-apigateway-gateway-responses'. Ignoring.",
          "Request validator 'v' for method 'GET /x' is not defined. Ignoring.",
          "Unsupported extension 'x-amazon-apigateway-gizmo' on method 'GET /x'. Ignoring."}));
  EXPECT_EQ(
      WarningsOf(Swagger(R"({"responses": {}})", "x")),
      (std::vector<std::string>{"Parse issue: attribute paths. Resource x should start with /"}));
  EXPECT_EQ(WarningsOf(R"({"swagger": "2.0", "info": {"version": "1"}, "paths": []})"),
            (std::vector<std::string>{"Parse issue: attribute info.title is missing",
                                      "Parse issue: attribute paths is not of type `object`"}));
}

TEST(OpenApiImport, DocumentationIsWarnedUnlessIgnored) {
  const std::string document =
      Swagger(R"({"responses": {}})", "/x", R"("x-amazon-apigateway-documentation": {},)");
  EXPECT_EQ(WarningsOf(document),
            (std::vector<std::string>{
                "Unsupported extension 'x-amazon-apigateway-documentation'. Ignoring."}));
  ImportOptions options;
  options.ignore_documentation = true;
  EXPECT_TRUE(Import(document, options)->warnings.empty());
}

TEST(OpenApiImport, InlineObjectSchemasBecomeGeneratedModels) {
  absl::StatusOr<RestApi> api = Import(Swagger(
      R"({"parameters": [{"in": "body", "name": "b", "schema": {"type": "object",
            "properties": {"e": {"$ref": "#/definitions/E"}}}}],
          "consumes": ["application/json", "application/xml"], "responses": {}})",
      "/x", R"("definitions": {"E": {"type": "string"}},)"));
  ASSERT_TRUE(api.ok()) << api.status();
  EXPECT_TRUE(api->warnings.empty());
  const StringMap& models = ByPath(*api, "/x")->methods.at("GET").request_models;
  ASSERT_EQ(models.size(), 2u);
  const std::string& name = models.at("application/json");
  EXPECT_EQ(models.at("application/xml"), name);
  EXPECT_EQ(name.substr(0, 5), "MODEL");
  EXPECT_EQ(api->models.at(name).schema,
            R"({"type":"object","properties":{"e":{"$ref":)"
            R"("https://apigateway.amazonaws.com/restapis/id1/models/E"}}})");
}

TEST(OpenApiImport, FailOnWarningsTurnsWarningsIntoTheError) {
  ImportOptions options;
  options.fail_on_warnings = true;
  ExpectBadRequest(Import(Swagger(R"({})"), options),
                   "Warnings found during import:\n\tParse issue: attribute paths.'/x'(get)."
                   "responses is missing");
  EXPECT_TRUE(Import(ReadTestdata("error-handling-swagger.json"), options).ok());
}

// --- Export -------------------------------------------------------------------------------------

RestApi Seed() {
  absl::StatusOr<RestApi> api = Import(ReadTestdata("error-handling-swagger.json"));
  EXPECT_TRUE(api.ok()) << api.status();
  return *api;
}

ExportOptions Options(std::string type, std::vector<std::string> extensions, bool yaml = false) {
  ExportOptions options;
  options.export_type = std::move(type);
  options.extensions = std::move(extensions);
  options.yaml = yaml;
  options.stage_name = "prod";
  options.host = "id1.execute-api.us-east-1.amazonaws.com";
  return options;
}

TEST(OpenApiExport, SwaggerOfTheSeed) {
  absl::StatusOr<std::string> text = ExportOpenApi(Seed(), Options("swagger", {"integrations"}));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("\"swagger\" : \"2.0\""), std::string::npos) << *text;
  const json::value document = ParseJson(*text);
  EXPECT_EQ(At(document, {"info", "title"}),
            "Best practices for API error responses with API Gateway and Lambda");
  EXPECT_EQ(At(document, {"info", "version"}), "2016-04-21T23:52:49Z");
  EXPECT_EQ(At(document, {"host"}), "id1.execute-api.us-east-1.amazonaws.com");
  EXPECT_EQ(At(document, {"basePath"}), "/prod");
  EXPECT_EQ(At(document, {"schemes"}), json::array{"https"});
  const json::value& get = At(document, {"paths", "~1lambda", "get"});
  EXPECT_EQ(At(get, {"consumes"}), json::array{"application/json"});
  EXPECT_EQ(At(get, {"produces"}), json::array{"application/json"});
  EXPECT_EQ(At(get, {"parameters"}),
            json::parse(R"([{"name":"status","in":"query","required":true,"type":"string"}])"));
  EXPECT_EQ(
      At(get, {"responses", "404"}),
      json::parse(R"({"description":"404 response","schema":{"$ref":"#/definitions/Error"}})"));
  const json::value& integration = At(get, {"x-amazon-apigateway-integration"});
  EXPECT_EQ(At(integration, {"type"}), "aws");
  EXPECT_EQ(At(integration, {"passthroughBehavior"}), "when_no_match");
  EXPECT_EQ(At(integration, {"responses", "default", "statusCode"}), "200");
  EXPECT_EQ(At(integration, {"responses", ".*httpStatus\\\":404.*", "statusCode"}), "404");
  EXPECT_EQ(At(document, {"definitions", "Empty"}), json::parse(R"({"type":"object"})"));

  const json::value plain = ParseJson(*ExportOpenApi(Seed(), Options("swagger", {})));
  EXPECT_FALSE(At(plain, {"paths", "~1lambda", "get"})
                   .get_object()
                   .contains("x-amazon-apigateway-integration"));
}

TEST(OpenApiExport, OpenApi3AndYamlSayTheSame) {
  const RestApi api = Seed();
  absl::StatusOr<std::string> json_text = ExportOpenApi(api, Options("oas30", {"apigateway"}));
  absl::StatusOr<std::string> yaml_text =
      ExportOpenApi(api, Options("oas30", {"apigateway"}, /*yaml=*/true));
  ASSERT_TRUE(json_text.ok() && yaml_text.ok());
  EXPECT_EQ(yaml_text->substr(0, 17), "openapi: \"3.0.1\"\n") << *yaml_text;
  EXPECT_NE(yaml_text->find("version: \"2016-04-21T23:52:49Z\"\n"), std::string::npos);
  const json::value document = ParseJson(*json_text);
  EXPECT_EQ(document, json::value(ParseJson(*yaml_text)));
  EXPECT_EQ(At(document, {"servers"}),
            json::parse(R"([{"url":"https://id1.execute-api.us-east-1.amazonaws.com/{basePath}",
                            "variables":{"basePath":{"default":"prod"}}}])"));
  const json::value& get = At(document, {"paths", "~1lambda", "get"});
  EXPECT_EQ(At(get, {"parameters"}), json::parse(R"([{"name":"status","in":"query","required":true,
                             "schema":{"type":"string"}}])"));
  EXPECT_EQ(
      At(get, {"responses", "200", "content"}),
      json::parse(R"({"application/json":{"schema":{"$ref":"#/components/schemas/Empty"}}})"));
  EXPECT_TRUE(At(document, {"components", "schemas"}).get_object().contains("Error"));
}

TEST(OpenApiExport, UnknownTypeIsRefused) {
  absl::StatusOr<std::string> text = ExportOpenApi(Seed(), Options("raml", {}));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(AwsErrorCode(text.status()), "BadRequestException");
}

// import(export(import(x))) == import(x), for every format and both documents.
TEST(OpenApiRoundTrip, ImportExportImportIsTheSameModel) {
  for (const std::string file : {"error-handling-swagger.json", "pets-oas30.yaml"}) {
    ImportOptions import_options;
    import_options.api_id = "api1";
    absl::StatusOr<RestApi> first = Import(ReadTestdata(file), import_options);
    ASSERT_TRUE(first.ok()) << first.status();
    for (const std::string type : {"swagger", "oas30"}) {
      for (const bool yaml : {false, true}) {
        absl::StatusOr<std::string> exported =
            ExportOpenApi(*first, Options(type, {"apigateway"}, yaml));
        ASSERT_TRUE(exported.ok()) << exported.status();
        absl::StatusOr<RestApi> second = Import(*exported, import_options);
        ASSERT_TRUE(second.ok()) << file << " " << type << " " << yaml << ": " << second.status();
        EXPECT_TRUE(*second == *first) << file << " " << type << " yaml=" << yaml << "\n"
                                       << *exported;
      }
    }
  }
}

}  // namespace
}  // namespace serval::apigateway
