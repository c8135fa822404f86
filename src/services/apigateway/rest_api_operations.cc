// The REST API operations of the control plane: create, get, list, update, delete (import and
// put are in import_operations.cc).

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/request_body.h"
#include "services/apigateway/rest_api_json.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// Reads CreateRestApi's members into `api`.
absl::Status ReadCreateRequest(const json::object& body, RestApi& api) {
  auto string_member = [&](std::string_view key, std::string& out) -> absl::Status {
    const json::value* value = body.if_contains(key);
    if (value == nullptr || value->is_null()) return absl::OkStatus();
    if (!value->is_string()) return BadRequest(fmt::format("Invalid value for '{}'.", key));
    out = value->get_string();
    return absl::OkStatus();
  };
  for (auto [key, field] :
       {std::pair{"name", &api.name}, std::pair{"description", &api.description},
        std::pair{"version", &api.version}, std::pair{"apiKeySource", &api.api_key_source},
        std::pair{"policy", &api.policy}}) {
    if (absl::Status read = string_member(key, *field); !read.ok()) return read;
  }
  if (api.name.empty()) return BadRequest("Invalid REST API name specified");
  if (api.api_key_source != "HEADER" && api.api_key_source != "AUTHORIZER") {
    return BadRequest("Invalid API Key Source specified: " + api.api_key_source);
  }
  // The list and map members share the stored form's reader.
  json::object rest;
  for (std::string_view key : {"binaryMediaTypes", "tags", "minimumCompressionSize",
                               "disableExecuteApiEndpoint", "endpointConfiguration"}) {
    if (const json::value* value = body.if_contains(key)) rest[key] = *value;
  }
  rest["id"] = api.id;
  absl::StatusOr<RestApi> parsed = RestApiFromStored(rest);
  if (!parsed.ok()) return BadRequest(std::string(parsed.status().message()));
  api.binary_media_types = parsed->binary_media_types;
  api.tags = parsed->tags;
  api.minimum_compression_size = parsed->minimum_compression_size;
  api.disable_execute_api_endpoint = parsed->disable_execute_api_endpoint;
  if (body.contains("endpointConfiguration")) api.endpoint_types = parsed->endpoint_types;
  for (const std::string& type : api.endpoint_types) {
    if (type != "EDGE" && type != "REGIONAL" && type != "PRIVATE") {
      return BadRequest("Invalid endpoint configuration type: " + type);
    }
  }
  return absl::OkStatus();
}

// Applies UpdateRestApi's patch operations to `api`.
absl::Status PatchRestApi(const std::vector<PatchOperation>& patch, RestApi& api) {
  for (const PatchOperation& operation : patch) {
    const std::string& path = operation.path;
    if (path.starts_with("/binaryMediaTypes/")) {
      const std::string type =
          UnescapePointer(path.substr(std::string_view("/binaryMediaTypes/").size()));
      auto& types = api.binary_media_types;
      std::erase(types, type);
      if (operation.op == "add" || operation.op == "replace") types.push_back(type);
      continue;
    }
    if (operation.op != "replace") {
      return BadRequest(
          fmt::format("Invalid patch operation specified. Must be 'replace' for "
                      "path: '{}'",
                      path));
    }
    if (path == "/name") {
      api.name = operation.value;
    } else if (path == "/description") {
      api.description = operation.value;
    } else if (path == "/version") {
      api.version = operation.value;
    } else if (path == "/policy") {
      api.policy = operation.value;
    } else if (path == "/apiKeySource") {
      if (operation.value != "HEADER" && operation.value != "AUTHORIZER") {
        return BadRequest("Invalid API Key Source specified: " + operation.value);
      }
      api.api_key_source = operation.value;
    } else if (path == "/disableExecuteApiEndpoint") {
      api.disable_execute_api_endpoint = operation.value == "true";
    } else if (path == "/minimumCompressionSize") {
      if (operation.value.empty()) {
        api.minimum_compression_size.reset();
        continue;
      }
      int64_t size = 0;
      auto [end, error] = std::from_chars(operation.value.data(),
                                          operation.value.data() + operation.value.size(), size);
      if (error != std::errc() || end != operation.value.data() + operation.value.size() ||
          size < 0 || size > 10485760) {
        return BadRequest("Invalid minimum compression size: " + operation.value);
      }
      api.minimum_compression_size = size;
    } else if (path.starts_with("/endpointConfiguration/types/")) {
      api.endpoint_types = {operation.value};
    } else {
      return BadRequest(
          fmt::format("Invalid patch path '{}' specified for op '{}'.", path, operation.op));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ApiGatewayService::CreateRestApi(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  RestApi api{.id = NewId(), .created_date = clock_->NowMillis() / 1000};
  if (absl::Status read = ReadCreateRequest(*body, api); !read.ok()) return call.Fail(read);
  api.root_resource_id = NewId();
  api.resources[api.root_resource_id] = Resource{.id = api.root_resource_id, .path = "/"};
  json::object answer = ToJson(api);
  store_->PutApi(std::move(api),
                 [call = std::move(call), answer = std::move(answer)](absl::Status stored) mutable {
                   if (!stored.ok()) return call.Fail(stored);
                   call.Reply(201, answer);
                 });
}

void ApiGatewayService::GetRestApi(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  call.Reply(200, ToJson((*entry)->api));
}

void ApiGatewayService::GetRestApis(Call& call) {
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  call.Reply(200, ItemsPage(store_->apis(), *page,
                            [](const ApiStore::Entry& entry) { return ToJson(entry.api); }));
}

void ApiGatewayService::UpdateRestApi(Call& call) {
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  EditApi(call, 200, [&](RestApi& api) -> absl::StatusOr<json::object> {
    if (absl::Status patched = PatchRestApi(*patch, api); !patched.ok()) return patched;
    return ToJson(api);
  });
}

void ApiGatewayService::DeleteRestApi(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const std::string api_id = call.Label("restapi_id");  // copied before `call` moves
  store_->RemoveApi(api_id, [call = std::move(call)](absl::Status stored) mutable {
    if (!stored.ok()) return call.Fail(stored);
    call.ReplyEmpty(202);
  });
}

}  // namespace serval::apigateway
