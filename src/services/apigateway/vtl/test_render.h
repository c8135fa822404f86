#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/apigateway/vtl/evaluator.h"
#include "services/apigateway/vtl/parser.h"

namespace serval::apigateway::vtl {

// For tests: renders `source` as generic Velocity (null references as their text, lists as
// Java prints them, no $input or $util) with `variables`, which #set changes.
inline absl::StatusOr<std::string> RenderVelocity(std::string_view source,
                                                  boost::json::object& variables,
                                                  const Limits& limits = {}) {
  absl::StatusOr<Block> block = ParseTemplate(source);
  if (!block.ok()) return block.status();
  EvalOptions options;
  options.limits = limits;
  return Evaluate(*block, variables, options);
}

inline absl::StatusOr<std::string> RenderVelocity(std::string_view source) {
  boost::json::object variables;
  return RenderVelocity(source, variables);
}

}  // namespace serval::apigateway::vtl
