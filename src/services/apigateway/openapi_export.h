#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/apigateway/rest_api.h"

namespace serval::apigateway {

// GetExport's parameters.
struct ExportOptions {
  std::string export_type = "oas30";  // "swagger" (2.0) or "oas30" (3.0.1)
  // "integrations" (x-amazon-apigateway-integration), "authorizers" (authorizer security
  // schemes), "apigateway" (both, and every other API Gateway extension); "postman" is accepted
  // and adds nothing.
  std::vector<std::string> extensions;
  bool yaml = false;       // Accept: application/yaml
  std::string stage_name;  // the base path
  std::string host;        // "{id}.execute-api.{region}.amazonaws.com", or what the caller serves
};

// The API as an OpenAPI document, shaped like API Gateway's own exports (recorded against AWS):
// "NNN response" descriptions, string-typed parameters, models under definitions or
// components.schemas with their canonical $refs made local again. BadRequestException for an
// unknown export type. Thread-safe (pure function).
absl::StatusOr<std::string> ExportOpenApi(const RestApi& api, const ExportOptions& options);

}  // namespace serval::apigateway
