#include "services/apigateway/request_validation.h"

#include <boost/json.hpp>

#include "services/apigateway/custom_integration.h"
#include "services/apigateway/gateway_response.h"
#include "services/apigateway/json_schema.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kModelUrl = "https://apigateway.amazonaws.com/restapis/";

// Whether the request carries the parameter a "method.request.{where}.{name}" key names.
bool HasParameter(std::string_view key, const http::Request& request,
                  const std::map<std::string, std::string>& path_parameters, std::string* name) {
  constexpr std::string_view kPrefix = "method.request.";
  if (!key.starts_with(kPrefix)) return true;
  key.remove_prefix(kPrefix.size());
  const size_t dot = key.find('.');
  if (dot == std::string_view::npos) return true;
  const std::string_view where = key.substr(0, dot);
  *name = std::string(key.substr(dot + 1));
  if (where == "header") return request.HasHeader(*name);
  if (where == "querystring" || where == "multivaluequerystring") {
    return request.QueryParam(*name).has_value();
  }
  if (where == "path") {
    auto found = path_parameters.find(*name);
    return found != path_parameters.end() && !found->second.empty();
  }
  return true;
}

// The model a method validates a body of `request` against, or nullptr.
const Model* ModelFor(const RestApi& api, const Method& method, const http::Request& request) {
  const std::string_view content_type = request.Header("Content-Type");
  const std::string type = content_type.empty() ? "application/json" : MediaType(content_type);
  auto named = method.request_models.find(type);
  if (named == method.request_models.end()) named = method.request_models.find("$default");
  if (named == method.request_models.end()) return nullptr;
  auto model = api.models.find(named->second);
  return model == api.models.end() ? nullptr : &model->second;
}

// Whether `body` satisfies `model`'s schema; a schema that is unusable lets the body through,
// as a model the control plane admitted cannot be held against the caller.
bool BodySatisfies(const RestApi& api, const Model& model, std::string_view body) {
  json::error_code ec;
  const json::value schema = json::parse(model.schema, ec);
  if (ec) return true;
  const json::value instance = json::parse(body, ec);
  if (ec) return false;
  // Other models, parsed once each per request, by name.
  std::map<std::string, json::value, std::less<>> others;
  const SchemaResolver resolve = [&](std::string_view ref) -> const json::value* {
    if (!ref.starts_with(kModelUrl)) return nullptr;
    const std::string_view name = ref.substr(ref.rfind('/') + 1);
    if (auto parsed = others.find(name); parsed != others.end()) return &parsed->second;
    auto found = api.models.find(std::string(name));
    if (found == api.models.end()) return nullptr;
    json::error_code model_ec;
    json::value parsed = json::parse(found->second.schema, model_ec);
    if (model_ec) return nullptr;
    return &others.emplace(std::string(name), std::move(parsed)).first->second;
  };
  const absl::Status valid = ValidateJson(instance, schema, resolve);
  return valid.ok() || absl::IsFailedPrecondition(valid);
}

}  // namespace

std::optional<http::Response> ValidateRequest(
    const RestApi& api, const Method& method, const http::Request& request,
    const std::map<std::string, std::string>& path_parameters) {
  auto validator = api.request_validators.find(method.request_validator_id);
  if (validator == api.request_validators.end()) return std::nullopt;
  if (validator->second.validate_request_parameters) {
    std::string missing;
    for (const auto& [key, required] : method.request_parameters) {
      std::string name;
      if (required && !HasParameter(key, request, path_parameters, &name)) {
        missing += (missing.empty() ? "" : ", ") + name;
      }
    }
    if (!missing.empty()) {
      return GatewayResponse(400, "Missing required request parameters: [" + missing + "]",
                             "BadRequestException");
    }
  }
  if (validator->second.validate_request_body) {
    const Model* model = ModelFor(api, method, request);
    if (model != nullptr && !BodySatisfies(api, *model, request.body)) {
      return GatewayResponse(400, "Invalid request body", "BadRequestException");
    }
  }
  return std::nullopt;
}

}  // namespace serval::apigateway
