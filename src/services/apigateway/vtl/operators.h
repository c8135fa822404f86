#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "services/apigateway/vtl/ast.h"
#include "services/apigateway/vtl/value.h"

namespace serval::apigateway::vtl {

// Velocity 1.7's arithmetic and comparison operators (MathUtils and the AST*Node classes), for
// every Expr::Op except the short-circuit && and ||. Thread-safe.
//
// `+` concatenates when either side is a string (rendered by `lists`), up to `max_string_bytes`
// (ResourceExhausted beyond). Integers stay integers (7 / 2 is 3; overflow turns into a double);
// a null operand, a non-number, or a zero divisor gives null, as Velocity logs and returns null.
// Comparisons give booleans; <, <=, >, >= are false unless both sides are numbers.
absl::StatusOr<boost::json::value> ApplyBinary(Expr::Op op, const boost::json::value& a,
                                               const boost::json::value& b, ListStyle lists,
                                               size_t max_string_bytes);

// Unary minus: the negated number, or null.
boost::json::value Negate(const boost::json::value& a);

}  // namespace serval::apigateway::vtl
