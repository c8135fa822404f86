// The control plane's request validators and models: what the execute-api endpoint checks a
// request against before its integration runs.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/request_body.h"
#include "services/apigateway/rest_api_json.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

absl::StatusOr<RequestValidator*> FindValidator(RestApi& api, const std::string& id) {
  auto found = api.request_validators.find(id);
  if (found == api.request_validators.end()) {
    return NotFound("Invalid Request Validator identifier specified");
  }
  return &found->second;
}

absl::StatusOr<Model*> FindModel(RestApi& api, const std::string& name) {
  auto found = api.models.find(name);
  if (found == api.models.end()) return NotFound("Invalid model name specified: " + name);
  return &found->second;
}

absl::Status PatchValidator(const std::vector<PatchOperation>& patch, RequestValidator& validator) {
  constexpr std::string_view kReplaceable =
      "/name, /validateRequestParameters, /validateRequestBody";
  for (const PatchOperation& operation : patch) {
    if (operation.op != "replace") return UnsupportedPatch(operation, kReplaceable);
    if (operation.path == "/name") {
      if (operation.value.empty()) return BadRequest("Request Validator name cannot be blank");
      validator.name = operation.value;
    } else if (operation.path == "/validateRequestParameters") {
      validator.validate_request_parameters = operation.value == "true";
    } else if (operation.path == "/validateRequestBody") {
      validator.validate_request_body = operation.value == "true";
    } else {
      return UnsupportedPatch(operation, kReplaceable);
    }
  }
  return absl::OkStatus();
}

// A model's schema: JSON (a JSON Schema draft 4 document) that says something.
absl::Status CheckSchema(const std::string& schema) {
  json::error_code ec;
  const json::value parsed = json::parse(schema, ec);
  if (!schema.empty() && ec) {
    return BadRequest(
        "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model "
        "schema specified]");
  }
  if (schema.empty() || (parsed.is_object() && parsed.get_object().empty())) {
    return BadRequest("Model schema must have at least 1 property or array items defined");
  }
  return absl::OkStatus();
}

absl::Status CheckModelName(const std::string& name) {
  if (name.empty()) return BadRequest("Model name must be non-empty");
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
    return BadRequest("Invalid model name specified: " + name);
  }
  return absl::OkStatus();
}

}  // namespace

void ApiGatewayService::CreateRequestValidator(Call& call) {
  // Recorded: an unknown API is a bad request here, not NotFound.
  if (store_->Find(call.Label("restapi_id")) == nullptr) {
    return call.Fail(BadRequest("Invalid REST API identifier specified"));
  }
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  RequestValidator validator;
  if (absl::Status read = FromJson(*body, validator); !read.ok()) return call.Fail(read);
  EditApi(call, 201, [&](RestApi& api) -> absl::StatusOr<json::object> {
    validator.id = NewId();
    json::object answer = ToJson(validator);
    api.request_validators[validator.id] = std::move(validator);
    return answer;
  });
}

void ApiGatewayService::GetRequestValidator(Call& call) {
  const ApiStore::Entry* entry = store_->Find(call.Label("restapi_id"));
  if (entry == nullptr) {
    return call.Fail(NotFound("Invalid Request Validator identifier specified"));
  }
  auto found = entry->api.request_validators.find(call.Label("requestvalidator_id"));
  if (found == entry->api.request_validators.end()) {
    return call.Fail(NotFound("Invalid Request Validator identifier specified"));
  }
  call.Reply(200, ToJson(found->second));
}

void ApiGatewayService::GetRequestValidators(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  call.Reply(200, ItemsPage((*entry)->api.request_validators, *page,
                            [](const RequestValidator& validator) { return ToJson(validator); }));
}

void ApiGatewayService::UpdateRequestValidator(Call& call) {
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  const std::string id = call.Label("requestvalidator_id");
  EditApi(call, 200, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<RequestValidator*> validator = FindValidator(api, id);
    if (!validator.ok()) return validator.status();
    RequestValidator updated = **validator;
    if (absl::Status patched = PatchValidator(*patch, updated); !patched.ok()) return patched;
    **validator = std::move(updated);
    return ToJson(**validator);
  });
}

void ApiGatewayService::DeleteRequestValidator(Call& call) {
  if (store_->Find(call.Label("restapi_id")) == nullptr) {
    return call.Fail(NotFound("Invalid Request Validator identifier specified"));
  }
  const std::string id = call.Label("requestvalidator_id");
  EditApi(call, 202, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<RequestValidator*> validator = FindValidator(api, id);
    if (!validator.ok()) return validator.status();
    // Methods that named it validate nothing from now on.
    for (auto& [resource_id, resource] : api.resources) {
      for (auto& [verb, method] : resource.methods) {
        if (method.request_validator_id == id) method.request_validator_id.clear();
      }
    }
    api.request_validators.erase(id);
    return json::object();
  });
}

void ApiGatewayService::CreateModel(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  Model model;
  if (absl::Status read = FromJson(*body, model); !read.ok()) return call.Fail(read);
  EditApi(call, 201, [&](RestApi& api) -> absl::StatusOr<json::object> {
    if (absl::Status valid = CheckModelName(model.name); !valid.ok()) return valid;
    if (api.models.contains(model.name)) {
      return Conflict("Model name already exists for this REST API");
    }
    if (absl::Status valid = CheckSchema(model.schema); !valid.ok()) return valid;
    model.id = NewId();
    json::object answer = ToJson(model);
    api.models[model.name] = std::move(model);
    return answer;
  });
}

void ApiGatewayService::GetModel(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const std::string& name = call.Label("model_name");
  auto found = (*entry)->api.models.find(name);
  if (found == (*entry)->api.models.end()) {
    return call.Fail(NotFound("Invalid model name specified: " + name));
  }
  call.Reply(200, ToJson(found->second));
}

void ApiGatewayService::GetModels(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  call.Reply(200, ItemsPage((*entry)->api.models, *page,
                            [](const Model& model) { return ToJson(model); }));
}

void ApiGatewayService::UpdateModel(Call& call) {
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  const std::string name = call.Label("model_name");
  EditApi(call, 200, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Model*> model = FindModel(api, name);
    if (!model.ok()) return model.status();
    for (const PatchOperation& operation : *patch) {
      if (operation.op == "replace" && operation.path == "/description") {
        (*model)->description = operation.value;
      } else if (operation.op == "replace" && operation.path == "/schema") {
        if (absl::Status valid = CheckSchema(operation.value); !valid.ok()) return valid;
        (*model)->schema = operation.value;
      } else {
        return UnsupportedPatch(operation, "/description, /schema");
      }
    }
    return ToJson(**model);
  });
}

void ApiGatewayService::DeleteModel(Call& call) {
  const std::string name = call.Label("model_name");
  EditApi(call, 202, [&](RestApi& api) -> absl::StatusOr<json::object> {
    if (absl::StatusOr<Model*> model = FindModel(api, name); !model.ok()) return model.status();
    for (const auto& [resource_id, resource] : api.resources) {
      for (const auto& [verb, method] : resource.methods) {
        for (const auto& [content_type, used] : method.request_models) {
          if (used == name) {
            return Conflict(
                fmt::format("Cannot delete model '{}', is referenced in method request: {}/{}",
                            name, resource.path, verb));
          }
        }
      }
    }
    api.models.erase(name);
    return json::object();
  });
}

}  // namespace serval::apigateway
