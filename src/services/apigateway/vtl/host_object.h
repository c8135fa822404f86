#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::apigateway::vtl {

// An object a template can call methods on but not assign: API Gateway's $input and $util.
// `$name.method(args)` calls Call(method, args); `$name.property` calls Call(property, {}).
// Implementations are read-only while a render runs. Thread-compatible.
class HostObject {
 public:
  virtual ~HostObject() = default;
  // The result; null when the object has no such method (the reference is then null). An
  // error ends the render.
  virtual absl::StatusOr<boost::json::value> Call(
      std::string_view method, std::span<const boost::json::value> args) const = 0;
};

// Host objects by variable name; they take precedence over variables of the same name.
using HostObjects = std::map<std::string, const HostObject*, std::less<>>;

}  // namespace serval::apigateway::vtl
