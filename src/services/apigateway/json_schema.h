#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string_view>

#include "absl/status/status.h"

namespace serval::apigateway {

// Finds the schema a "$ref" names that is not within the schema itself (API Gateway models
// refer to each other as "https://apigateway.amazonaws.com/restapis/{api}/models/{name}");
// nullptr when there is none.
using SchemaResolver = std::function<const boost::json::value*(std::string_view ref)>;

// Whether `instance` satisfies `schema`, JSON Schema draft 4 as API Gateway's request validators
// use it: type (one or a list; "integer" is a number without a fraction), properties,
// required, additionalProperties, patternProperties, items (one schema or a list), minItems,
// maxItems, uniqueItems, enum, minimum/maximum with the draft-4 boolean exclusives, multipleOf,
// minLength/maxLength (in code points), pattern (unanchored, PCRE2), minProperties,
// maxProperties, allOf, anyOf, oneOf, not, and $ref to "#/..." pointers or other models via
// `resolve`. Other keywords ("format", "title", "description"...) are ignored, as validators
// that do not know them must. InvalidArgument names the first violation; FailedPrecondition
// means the schema itself is unusable (an unknown $ref, a pattern that does not compile,
// references nested too deep). Thread-safe.
absl::Status ValidateJson(const boost::json::value& instance, const boost::json::value& schema,
                          const SchemaResolver& resolve);

}  // namespace serval::apigateway
