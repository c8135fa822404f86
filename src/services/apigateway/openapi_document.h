#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::apigateway {

// An OpenAPI or Swagger document as text: JSON or YAML in, one JSON tree for the importer;
// a JSON tree out, as JSON or YAML, for the exporter. Thread-safe (pure functions).

// The largest document API Gateway imports (its quota for an API definition file).
inline constexpr size_t kMaxOpenApiDocumentBytes = 6 * 1024 * 1024;
// Nesting deeper than this is refused rather than followed: every reader of the tree recurses,
// and a hostile document must not reach the end of a request thread's stack.
inline constexpr int kMaxOpenApiDepth = 64;

// The document's top-level object. JSON when the text parses as a JSON object, YAML otherwise
// (plain YAML scalars resolve as the YAML 1.2 core schema says: null, booleans, integers and
// floats; quoted ones stay strings; keys are always strings). Anything else — too large, too
// deep, an alias bomb, not an object, a non-scalar key — is BadRequestException
// "Invalid OpenAPI input.", the one answer AWS gives.
absl::StatusOr<boost::json::object> ParseOpenApiDocument(std::string_view text);

// The tree as pretty JSON or as YAML (strings that would read back as another type are quoted).
std::string WriteOpenApiDocument(const boost::json::object& document, bool yaml);

// A scalar as the document author wrote it: a string as is, a number or boolean in its plain
// form ("200", "1.0", "true"); empty for null, objects and arrays. Swagger authors write status
// codes and versions both ways.
std::string ScalarText(const boost::json::value& value);

}  // namespace serval::apigateway
