#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/apigateway/vtl/ast.h"
#include "services/apigateway/vtl/host_object.h"
#include "services/apigateway/vtl/value.h"

namespace serval::apigateway::vtl {

// Bounds that keep one render of an untrusted template from hurting the server. Exceeding any
// of them ends the render with ResourceExhausted.
struct Limits {
  size_t max_output_bytes = 10 << 20;  // the output, and any one string a template builds
  // Items one #foreach may visit (API Gateway's quota on #foreach iterations is 1,000).
  int64_t max_loop_iterations = 1000;
  // Work in one render: directives and references rendered, loop iterations, method calls,
  // range elements. Bounds nested loops, which the per-loop cap alone does not.
  int64_t max_steps = 1'000'000;
  int max_depth = 32;  // nested #define expansions and "string" templates
};

struct EvalOptions {
  // A null reference that is not quiet renders as its source text in Velocity; API Gateway
  // renders nothing.
  bool null_renders_empty = false;
  ListStyle lists = ListStyle::kJava;
  Limits limits;
  const HostObjects* hosts = nullptr;  // may be null
};

// Renders `block` with `variables` as the template's variables; #set changes them, so the
// caller sees the assignments afterwards. `block` and `options` are only read. Thread-compatible
// (concurrent renders need their own `variables`).
absl::StatusOr<std::string> Evaluate(const Block& block, boost::json::object& variables,
                                     const EvalOptions& options);

}  // namespace serval::apigateway::vtl
