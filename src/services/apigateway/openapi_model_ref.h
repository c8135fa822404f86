#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace serval::apigateway {

// How models name each other. In a document a schema points at another as "#/definitions/Pet"
// (Swagger 2) or "#/components/schemas/Pet" (OpenAPI 3); API Gateway stores the canonical URL
// https://apigateway.amazonaws.com/restapis/{api}/models/Pet (what GetModel answers, recorded
// against AWS) and the exporter turns it back. Thread-safe (pure functions).

std::string CanonicalModelUrl(std::string_view api_id, std::string_view model_name);

// The model a canonical URL names; nullopt for anything else.
std::optional<std::string> ModelNameFromCanonicalUrl(std::string_view ref);

// Replaces, at any depth of `schema`, each "$ref" string for which `rewrite` gives a value.
using RefRewrite = std::function<std::optional<std::string>(std::string_view ref)>;
void RewriteSchemaRefs(boost::json::value* schema, const RefRewrite& rewrite);

}  // namespace serval::apigateway
