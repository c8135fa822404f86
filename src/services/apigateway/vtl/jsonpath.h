#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::apigateway::vtl {

// The JSONPath of $input.path and $input.json, the subset templates use:
//   $                      the document
//   .name  ['name']  ["name"]   a member
//   [2]  [-1]              an item (negative counts from the end)
//   [*]  .*                every item or member value
//   [1:3]  [-2:]  [:2]     a slice of a list
//   ..name                 every member `name` at any depth
// As Jayway JsonPath (which API Gateway's Java implementation answers like) does, a definite
// path (only members and items) gives the value or null when it is absent, and a path with a
// wildcard, slice or `..` gives a list of what it found. A malformed path is InvalidArgument.
// Thread-safe.
absl::StatusOr<boost::json::value> EvaluateJsonPath(const boost::json::value& document,
                                                    std::string_view path);

}  // namespace serval::apigateway::vtl
