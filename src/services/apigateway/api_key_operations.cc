// The control plane's API keys: account-level, metered through usage plans.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/ids.h"
#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/request_body.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr size_t kMinValue = 20;
constexpr size_t kMaxValue = 128;
constexpr size_t kMaxName = 1024;
constexpr size_t kMaxDescription = 125;

absl::Status CheckKey(const ApiKey& key) {
  if (key.name.size() > kMaxName) {
    return BadRequest("Invalid API Key name, can be at most 1024 characters.");
  }
  if (key.description.size() > kMaxDescription) {
    return BadRequest("Invalid API Key description specified.");
  }
  if (key.value.size() < kMinValue) {
    return BadRequest("API Key value should be at least 20 characters");
  }
  if (key.value.size() > kMaxValue) {
    return BadRequest("API Key value exceeds maximum size of 128 characters");
  }
  return absl::OkStatus();
}

// A value as API Gateway generates them: 40 letters and digits.
std::string GeneratedValue() {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string value;
  for (int i = 0; i < 40; ++i) {
    value += kAlphabet[static_cast<size_t>(RandomUnit() * kAlphabet.size()) % kAlphabet.size()];
  }
  return value;
}

absl::Status PatchKey(const std::vector<PatchOperation>& patch, ApiKey& key) {
  constexpr std::string_view kReplaceable = "/description, /enabled, /name, /customerId";
  for (const PatchOperation& operation : patch) {
    if (operation.path == "/stages" && (operation.op == "add" || operation.op == "remove")) {
      auto& stages = key.stage_keys;
      stages.erase(std::remove(stages.begin(), stages.end(), operation.value), stages.end());
      if (operation.op == "add") stages.push_back(operation.value);
      continue;
    }
    if (operation.op != "replace") return UnsupportedPatch(operation, kReplaceable);
    if (operation.path == "/enabled") {
      key.enabled = operation.value == "true";
    } else if (operation.path == "/name") {
      key.name = operation.value;
    } else if (operation.path == "/description") {
      key.description = operation.value;
    } else if (operation.path == "/customerId") {
      key.customer_id = operation.value;
    } else {
      return UnsupportedPatch(operation, kReplaceable);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<const ApiKey*> ApiGatewayService::FindKey(const std::string& id) const {
  const ApiKey* key = usage_->FindKey(id);
  if (key == nullptr) return NotFound("Invalid API Key identifier specified");
  return key;
}

void ApiGatewayService::CreateApiKey(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  ApiKey key;
  if (absl::Status read = FromJson(*body, key); !read.ok()) return call.Fail(read);
  if (key.value.empty()) key.value = GeneratedValue();
  if (absl::Status valid = CheckKey(key); !valid.ok()) return call.Fail(valid);
  if (usage_->FindKeyByValue(key.value) != nullptr) {
    return call.Fail(Conflict("API Key already exists"));
  }
  key.id = NewId();
  key.created_date = key.last_updated_date = clock_->NowMillis() / 1000;
  json::object answer = ToJson(key, true);
  usage_->PutKey(std::move(key), call.WhenStored(201, std::move(answer)));
}

void ApiGatewayService::GetApiKey(Call& call) {
  absl::StatusOr<const ApiKey*> key = FindKey(call.Label("api_key"));
  if (!key.ok()) return call.Fail(key.status());
  call.Reply(200, ToJson(**key, call.context.request.QueryParam("includeValue") == "true"));
}

void ApiGatewayService::GetApiKeys(Call& call) {
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  const http::Request& request = call.context.request;
  const std::string name_query = request.QueryParam("name").value_or("");
  const std::optional<std::string> customer = request.QueryParam("customerId");
  const bool values = request.QueryParam("includeValues") == "true";
  std::map<std::string, const ApiKey*> listed;
  for (const auto& [id, key] : usage_->keys()) {
    if (!key.name.starts_with(name_query)) continue;
    if (customer && key.customer_id != *customer) continue;
    listed[id] = &key;
  }
  call.Reply(200,
             ItemsPage(listed, *page, [&](const ApiKey* key) { return ToJson(*key, values); }));
}

void ApiGatewayService::UpdateApiKey(Call& call) {
  absl::StatusOr<const ApiKey*> found = FindKey(call.Label("api_key"));
  if (!found.ok()) return call.Fail(found.status());
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  ApiKey key = **found;
  if (absl::Status patched = PatchKey(*patch, key); !patched.ok()) return call.Fail(patched);
  if (absl::Status valid = CheckKey(key); !valid.ok()) return call.Fail(valid);
  key.last_updated_date = clock_->NowMillis() / 1000;
  json::object answer = ToJson(key, false);
  usage_->PutKey(std::move(key), call.WhenStored(200, std::move(answer)));
}

void ApiGatewayService::DeleteApiKey(Call& call) {
  absl::StatusOr<const ApiKey*> key = FindKey(call.Label("api_key"));
  if (!key.ok()) return call.Fail(key.status());
  const std::string id = (*key)->id;
  usage_->RemoveKey(id, call.WhenStored(202, json::object()));
}

}  // namespace serval::apigateway
