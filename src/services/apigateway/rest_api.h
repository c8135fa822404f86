#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace serval::apigateway {

// A REST API (API Gateway v1) as its control plane describes it: the resource tree, the methods
// on each resource and what each method integrates with. These are thread-compatible values
// with field-wise ==; rest_api_json.h reads and writes them in the shape API Gateway's own JSON
// uses, which is also how they are stored (docs/apigateway.md). Field names follow the API's
// member names.

using StringMap = std::map<std::string, std::string>;
// Parameter name -> whether it is required ("method.request.querystring.status": true).
using RequiredMap = std::map<std::string, bool>;

// What an integration answers for one selection pattern.
struct IntegrationResponse {
  std::string status_code;  // "200"
  // A Java regex matched against a Lambda error's errorMessage (or an HTTP integration's
  // status); nullopt for the default response.
  std::optional<std::string> selection_pattern;
  StringMap response_parameters;  // "method.response.header.X" -> "integration.response.body.y"
  StringMap response_templates;   // content type -> VTL
  std::string content_handling;   // "", CONVERT_TO_TEXT, CONVERT_TO_BINARY

  friend bool operator==(const IntegrationResponse&, const IntegrationResponse&) = default;
};

struct Integration {
  std::string type;         // AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK
  std::string http_method;  // toward the backend ("POST" for Lambda)
  std::string uri;          // arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/...
  std::string credentials;
  std::string connection_type = "INTERNET";
  std::string connection_id;                           // the VPC link, for connection_type VPC_LINK
  std::string passthrough_behavior = "WHEN_NO_MATCH";  // WHEN_NO_TEMPLATES, NEVER
  StringMap request_parameters;  // "integration.request.header.X" -> "method.request.path.y"
  StringMap request_templates;   // content type -> VTL
  int64_t timeout_in_millis = 29000;
  std::string content_handling;
  std::string cache_namespace;
  std::vector<std::string> cache_key_parameters;
  std::map<std::string, IntegrationResponse> integration_responses;  // by status code

  friend bool operator==(const Integration&, const Integration&) = default;
};

struct MethodResponse {
  std::string status_code;
  RequiredMap response_parameters;  // "method.response.header.X" -> required
  StringMap response_models;        // content type -> model name

  friend bool operator==(const MethodResponse&, const MethodResponse&) = default;
};

struct Method {
  std::string http_method;                  // GET, POST, ..., ANY
  std::string authorization_type = "NONE";  // NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
  std::string authorizer_id;
  bool api_key_required = false;
  std::string request_validator_id;
  std::string operation_name;
  RequiredMap request_parameters;  // "method.request.querystring.status" -> required
  StringMap request_models;        // content type -> model name
  std::vector<std::string> authorization_scopes;
  std::map<std::string, MethodResponse> method_responses;  // by status code
  std::optional<Integration> integration;

  friend bool operator==(const Method&, const Method&) = default;
};

struct Resource {
  std::string id;
  std::string parent_id;                  // empty for the root
  std::string path_part;                  // "{proxy+}"; empty for the root
  std::string path;                       // "/pets/{id}"
  std::map<std::string, Method> methods;  // by HTTP method

  friend bool operator==(const Resource&, const Resource&) = default;
};

struct Authorizer {
  std::string id;
  std::string name;
  std::string type;  // TOKEN, REQUEST, COGNITO_USER_POOLS
  std::string authorizer_uri;
  std::string authorizer_credentials;
  std::string identity_source;  // "method.request.header.Authorization"
  std::string identity_validation_expression;
  std::vector<std::string> provider_arns;
  std::string auth_type;
  std::optional<int64_t> authorizer_result_ttl_in_seconds;  // nullopt: 300

  friend bool operator==(const Authorizer&, const Authorizer&) = default;
};

struct RequestValidator {
  std::string id;
  std::string name;
  bool validate_request_body = false;
  bool validate_request_parameters = false;

  friend bool operator==(const RequestValidator&, const RequestValidator&) = default;
};

struct Model {
  std::string id;
  std::string name;
  std::string description;
  std::string schema;  // JSON Schema draft 4, as text
  std::string content_type = "application/json";

  friend bool operator==(const Model&, const Model&) = default;
};

struct RestApi {
  std::string id;
  std::string name;
  std::string description;
  std::string version;
  int64_t created_date = 0;               // epoch seconds
  std::string api_key_source = "HEADER";  // or AUTHORIZER
  std::vector<std::string> binary_media_types;
  std::vector<std::string> endpoint_types = {"EDGE"};
  std::optional<int64_t> minimum_compression_size;
  bool disable_execute_api_endpoint = false;
  std::string policy;
  StringMap tags;
  std::vector<std::string> warnings;  // from the last import; not stored
  std::string root_resource_id;
  std::map<std::string, Resource> resources;  // by id
  std::map<std::string, Authorizer> authorizers;
  std::map<std::string, RequestValidator> request_validators;
  std::map<std::string, Model> models;  // by name

  friend bool operator==(const RestApi&, const RestApi&) = default;
};

// A deployment: a frozen copy of the API that stages point at.
struct Deployment {
  std::string id;
  std::string description;
  int64_t created_date = 0;
  RestApi snapshot;
};

// Throttling and caching for a stage's methods ("*/*" for all).
struct MethodSetting {
  std::optional<double> throttling_rate_limit;
  std::optional<int64_t> throttling_burst_limit;
  bool metrics_enabled = false;
  std::string logging_level = "OFF";
  bool data_trace_enabled = false;
  bool caching_enabled = false;
};

struct Stage {
  std::string name;
  std::string deployment_id;
  std::string description;
  int64_t created_date = 0;
  int64_t last_updated_date = 0;
  StringMap variables;
  std::map<std::string, MethodSetting> method_settings;  // "resourcePath/METHOD" or "*/*"
  bool tracing_enabled = false;
  bool cache_cluster_enabled = false;
  StringMap tags;
};

}  // namespace serval::apigateway
