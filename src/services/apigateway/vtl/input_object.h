#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "services/apigateway/vtl/host_object.h"

namespace serval::apigateway::vtl {

using ParamMap = std::map<std::string, std::string>;

// API Gateway's $input for one request or integration response (aws-wire-contracts.md §7.4):
//   body             the payload as text; an empty payload reads as "{}"
//   json('$.x')      the JSONPath result as JSON text; nothing found (or a body that is not
//                    JSON) gives "" (the two quote characters)
//   path('$.x')      the JSONPath result as a value; null when nothing is found or the body is
//                    not JSON (LocalStack's AWS-validated behaviour)
//   params()         {"path": {...}, "querystring": {...}, "header": {...}}
//   params('x')      x from the path, else the query string, else the headers (any case); ""
// The body is parsed once, on first use. Lives for one render. Thread-compatible.
class InputObject : public HostObject {
 public:
  // The referenced strings and maps must outlive the object.
  InputObject(std::string_view body, const ParamMap& path, const ParamMap& querystring,
              const ParamMap& headers);

  absl::StatusOr<boost::json::value> Call(std::string_view method,
                                          std::span<const boost::json::value> args) const override;

 private:
  // The body as JSON, or null when it is not JSON.
  const boost::json::value& Document() const;
  absl::StatusOr<boost::json::value> Path(std::span<const boost::json::value> args) const;
  boost::json::value Params(std::span<const boost::json::value> args) const;

  std::string_view body_;
  const ParamMap& path_;
  const ParamMap& querystring_;
  const ParamMap& headers_;
  mutable std::optional<boost::json::value> document_;
};

}  // namespace serval::apigateway::vtl
