#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/apigateway/vtl/ast.h"

namespace serval::apigateway::vtl {

// What a mapping template sees of one request (or integration response).
struct Bindings {
  std::string_view body;  // $input.body, raw; $input.path/json parse it as JSON
  std::map<std::string, std::string> path_params;  // $input.params().path
  std::map<std::string, std::string> querystring;  // $input.params().querystring
  std::map<std::string, std::string> headers;  // $input.params().header; params('x') ignores case
  // $context: requestId, stage, resourcePath, httpMethod, identity{sourceIp, userAgent, ...},
  // authorizer{...}, requestOverride / responseOverride, ...
  boost::json::object context;
  boost::json::object stage_variables;  // $stageVariables
};

struct Rendered {
  std::string text;
  // $context after rendering: what the template #set under responseOverride (status, header.X)
  // and requestOverride (header, path, querystring) is here.
  boost::json::object context;
};

// An API Gateway mapping template: Velocity Template Language with $input, $util, $context and
// $stageVariables (aws-wire-contracts.md §7.4; README.md in this folder lists what is supported
// and where Serval departs from Velocity and velocityjs). Parse once, at deployment; Render is
// const and may run on many threads at once. Copies share the parsed tree. Thread-safe.
class Template {
 public:
  // InvalidArgument naming the "line:column" of the first syntax error.
  static absl::StatusOr<Template> Parse(std::string_view source);

  // An error when the template fails at run time as AWS's would (invalid JSON given to
  // $util.parseJson, an index out of range, a bad regex) or exceeds a limit: 10 MB of output,
  // 1,000 items in one #foreach, 1,000,000 steps of work (ResourceExhausted).
  absl::StatusOr<Rendered> Render(const Bindings& bindings) const;

 private:
  explicit Template(std::shared_ptr<const Block> block) : block_(std::move(block)) {}

  std::shared_ptr<const Block> block_;
};

}  // namespace serval::apigateway::vtl
