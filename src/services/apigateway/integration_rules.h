#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "services/apigateway/rest_api.h"

namespace serval::apigateway {

// The checks API Gateway makes of what the control plane (and an imported document) puts into
// an API, each answering BadRequestException (or ConflictException) with AWS's text. Thread-safe
// (pure functions).

// A new child `path_part` of `parent`: allowed characters, a greedy {x+} or variable {x} at most
// once among siblings, no child below a greedy resource, no sibling of the same name.
absl::Status CheckNewPathPart(const RestApi& api, const Resource& parent,
                              std::string_view path_part);
// GET, PUT, POST, DELETE, PATCH, OPTIONS, HEAD or ANY.
absl::Status CheckHttpMethod(std::string_view verb);
// A method's authorization type, and its authorizer and validator when it names them.
absl::Status CheckMethod(const RestApi& api, const Method& method);
// An integration's type, URI, HTTP method, passthrough behaviour, timeout and content handling.
absl::Status CheckIntegration(const Integration& integration);
// An integration response's content handling (its selection pattern is checked when deployed).
absl::Status CheckIntegrationResponse(const IntegrationResponse& response);

}  // namespace serval::apigateway
