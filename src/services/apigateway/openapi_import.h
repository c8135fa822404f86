#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/apigateway/rest_api.h"

namespace serval::apigateway {

// ImportRestApi and PutRestApi's query parameters.
struct ImportOptions {
  bool fail_on_warnings = false;
  // What becomes of the document's base path (Swagger `basePath`, or the first OpenAPI server's
  // `basePath` variable default or else its URL path): "ignore" drops it, "prepend" puts it in
  // front of every path, "split" drops its first segment and prepends the rest.
  std::string basepath = "ignore";
  // parameters endpointConfigurationTypes; when empty the document's
  // x-amazon-apigateway-endpoint-configuration types, else EDGE. New APIs only.
  std::vector<std::string> endpoint_types;
  bool ignore_documentation = false;  // parameters ignore=documentation
  // With `existing`: "overwrite" replaces its definition, anything else ("merge", PutRestApi's
  // default) merges the document into it. Without: ignored.
  std::string mode = "import";
  // The new API's id (its models' $refs name it); empty makes one with `new_id`.
  std::string api_id;
};

// Reads a Swagger 2.0 or OpenAPI 3.0 document (JSON or YAML, at most 6 MB) into a RestApi.
//
// `existing` is null for ImportRestApi; for PutRestApi it is the API being merged into or
// overwritten, whose id, root resource, created date, tags and endpoint configuration are
// kept. `new_id` makes every id the import needs (API, resources, models, authorizers,
// validators), in document order, so tests can be deterministic; created_date is the caller's.
//
// Errors are BadRequestException, worded as API Gateway words them: "Invalid OpenAPI input." for
// a document that is not one; "Errors found during import:\n\t..." listing each refused part
// (and any warnings after "Additionally, these warnings were found:"); with fail_on_warnings,
// "Warnings found during import:\n\t...". Otherwise the warnings are in RestApi::warnings.
// Thread-safe (pure function; `new_id` is called on the calling thread).
absl::StatusOr<RestApi> ImportOpenApi(std::string_view document, const ImportOptions& options,
                                      const RestApi* existing,
                                      const std::function<std::string()>& new_id);

}  // namespace serval::apigateway
