#include "services/apigateway/vtl/input_object.h"

#include <boost/json/parse.hpp>

#include "common/text.h"
#include "services/apigateway/vtl/jsonpath.h"
#include "services/apigateway/vtl/value.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

// API Gateway reads an empty payload as an empty JSON object.
constexpr std::string_view kEmptyBody = "{}";

json::object ToObject(const ParamMap& params) {
  json::object out;
  for (const auto& [name, value] : params) out[name] = value;
  return out;
}

}  // namespace

InputObject::InputObject(std::string_view body, const ParamMap& path, const ParamMap& querystring,
                         const ParamMap& headers)
    : body_(body.empty() ? kEmptyBody : body),
      path_(path),
      querystring_(querystring),
      headers_(headers) {}

const json::value& InputObject::Document() const {
  if (!document_) {
    boost::system::error_code error;
    json::value parsed = json::parse(body_, error);
    document_ = error ? json::value() : std::move(parsed);
  }
  return *document_;
}

absl::StatusOr<json::value> InputObject::Path(std::span<const json::value> args) const {
  if (args.size() != 1 || !args[0].is_string()) return nullptr;
  if (Document().is_null()) return nullptr;
  return EvaluateJsonPath(Document(), args[0].get_string());
}

json::value InputObject::Params(std::span<const json::value> args) const {
  if (args.empty()) {
    return json::object{{"path", ToObject(path_)},
                        {"querystring", ToObject(querystring_)},
                        {"header", ToObject(headers_)}};
  }
  if (!args[0].is_string()) return json::string();
  std::string name(args[0].get_string());
  for (const ParamMap* params : {&path_, &querystring_}) {
    if (auto found = params->find(name); found != params->end()) return json::string(found->second);
  }
  for (const auto& [header, value] : headers_) {
    if (EqualsIgnoreCase(header, name)) return json::string(value);
  }
  return json::string();
}

absl::StatusOr<json::value> InputObject::Call(std::string_view method,
                                              std::span<const json::value> args) const {
  if (method == "body" && args.empty()) return json::string(body_);
  if (method == "params" && args.size() <= 1) return Params(args);
  if (method == "path") return Path(args);
  if (method == "json") {
    absl::StatusOr<json::value> found = Path(args);
    if (!found.ok()) return found;
    return json::string(found->is_null() ? "\"\"" : ToJson(*found));
  }
  return nullptr;
}

}  // namespace serval::apigateway::vtl
