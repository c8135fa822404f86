// The control plane's deployments and stages: what the execute-api endpoint serves.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/compiled_api.h"
#include "services/apigateway/request_body.h"
#include "services/apigateway/rest_api_json.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// Stage variable names and values as API Gateway admits them.
absl::Status CheckVariables(const StringMap& variables) {
  for (const auto& [name, value] : variables) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        })) {
      return BadRequest("Stage variable name contains invalid characters: " + name);
    }
    constexpr std::string_view kValueSpecials = "-._~:/?#&=,";
    if (value.size() > 512 || !std::all_of(value.begin(), value.end(), [&](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) ||
                 kValueSpecials.find(c) != std::string_view::npos;
        })) {
      return BadRequest("Stage variable value contains invalid characters: " + name);
    }
  }
  return absl::OkStatus();
}

// Applies one "/{resourcePath}/{METHOD}/{setting}" patch to the stage's method settings.
absl::Status PatchMethodSetting(const PatchOperation& operation, Stage& stage) {
  // "/*/*/throttling/rateLimit" or "/~1pets/GET/throttling/burstLimit".
  std::vector<std::string> parts;
  for (size_t start = 1; start <= operation.path.size();) {
    size_t end = operation.path.find('/', start);
    if (end == std::string::npos) end = operation.path.size();
    parts.push_back(UnescapePointer(std::string_view(operation.path).substr(start, end - start)));
    start = end + 1;
  }
  if (parts.size() != 4) {
    return BadRequest(fmt::format("Invalid method setting path: {}", operation.path));
  }
  const std::string key = parts[0] + "/" + parts[1];
  if (operation.op == "remove") {
    stage.method_settings.erase(key);
    return absl::OkStatus();
  }
  MethodSetting& setting = stage.method_settings[key];
  const std::string setting_path = parts[2] + "/" + parts[3];
  const std::string& value = operation.value;
  auto number = [&](auto& out) -> absl::Status {
    typename std::decay_t<decltype(out)>::value_type parsed{};
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (error != std::errc() || end != value.data() + value.size() || parsed < 0) {
      return BadRequest(fmt::format("Invalid value '{}' for {}", value, operation.path));
    }
    out = parsed;
    return absl::OkStatus();
  };
  if (setting_path == "throttling/rateLimit") return number(setting.throttling_rate_limit);
  if (setting_path == "throttling/burstLimit") return number(setting.throttling_burst_limit);
  if (setting_path == "metrics/enabled") {
    setting.metrics_enabled = value == "true";
  } else if (setting_path == "logging/loglevel") {
    setting.logging_level = value;
  } else if (setting_path == "logging/dataTrace") {
    setting.data_trace_enabled = value == "true";
  } else if (setting_path == "caching/enabled") {
    setting.caching_enabled = value == "true";
  } else {
    return BadRequest(fmt::format("Invalid method setting path: {}", operation.path));
  }
  return absl::OkStatus();
}

// Applies UpdateStage's patch operations to `stage` of `entry`.
absl::Status PatchStage(const std::vector<PatchOperation>& patch, const ApiStore::Entry& entry,
                        Stage& stage) {
  for (const PatchOperation& operation : patch) {
    const std::string& path = operation.path;
    if (path.starts_with("/variables/")) {
      const std::string name = UnescapePointer(std::string_view(path).substr(11));
      if (operation.op == "remove") {
        stage.variables.erase(name);
      } else {
        StringMap variable{{name, operation.value}};
        if (absl::Status valid = CheckVariables(variable); !valid.ok()) return valid;
        stage.variables[name] = operation.value;
      }
    } else if (path == "/deploymentId") {
      if (!entry.deployments.contains(operation.value)) {
        return BadRequest("Invalid deployment identifier specified");
      }
      stage.deployment_id = operation.value;
    } else if (path == "/description") {
      stage.description = operation.value;
    } else if (path == "/tracingEnabled") {
      stage.tracing_enabled = operation.value == "true";
    } else if (path == "/cacheClusterEnabled") {
      stage.cache_cluster_enabled = operation.value == "true";
    } else if (std::count(path.begin(), path.end(), '/') == 4) {
      if (absl::Status patched = PatchMethodSetting(operation, stage); !patched.ok()) {
        return patched;
      }
    } else {
      return BadRequest(
          fmt::format("Invalid patch path '{}' specified for op '{}'.", path, operation.op));
    }
  }
  return absl::OkStatus();
}

// The "stageName" of a request, checked as API Gateway checks it.
absl::Status CheckStageName(const std::string& name) {
  if (name.empty() || name.size() > 128 || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) {
    return BadRequest("Stage name only allows a-zA-Z0-9_");
  }
  return absl::OkStatus();
}

}  // namespace

void ApiGatewayService::CreateDeployment(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  Stage stage;
  if (absl::Status read = FromJson(*body, stage); !read.ok()) return call.Fail(read);
  Deployment deployment{.id = NewId(),
                        .description = StringMember(*body, "description"),
                        .created_date = clock_->NowMillis() / 1000,
                        .snapshot = (*entry)->api};
  if (auto deployable = CompiledApi::Build(deployment.snapshot); !deployable.ok()) {
    return call.Fail(deployable.status());
  }
  if (absl::Status valid = CheckVariables(stage.variables); !valid.ok()) return call.Fail(valid);
  const std::string api_id = call.Label("restapi_id");
  json::object answer = ToJson(deployment);
  std::optional<Stage> repointed;
  if (!stage.name.empty()) {
    if (absl::Status valid = CheckStageName(stage.name); !valid.ok()) return call.Fail(valid);
    auto existing = (*entry)->stages.find(stage.name);
    Stage updated = existing != (*entry)->stages.end()
                        ? existing->second
                        : Stage{.name = stage.name, .created_date = deployment.created_date};
    updated.deployment_id = deployment.id;
    updated.last_updated_date = deployment.created_date;
    if (const std::string description = StringMember(*body, "stageDescription");
        !description.empty()) {
      updated.description = description;
    }
    for (const auto& [name, value] : stage.variables) updated.variables[name] = value;
    repointed = std::move(updated);
  }
  store_->PutDeployment(api_id, std::move(deployment),
                        [this, call = std::move(call), api_id, repointed = std::move(repointed),
                         answer = std::move(answer)](absl::Status stored) mutable {
                          if (!stored.ok()) return call.Fail(stored);
                          if (!repointed) return call.Reply(201, answer);
                          store_->PutStage(
                              api_id, *std::move(repointed),
                              [call = std::move(call), answer](absl::Status stored) mutable {
                                if (!stored.ok()) return call.Fail(stored);
                                call.Reply(201, answer);
                              });
                        });
}

void ApiGatewayService::GetDeployment(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  auto found = (*entry)->deployments.find(call.Label("deployment_id"));
  if (found == (*entry)->deployments.end()) {
    return call.Fail(NotFound("Invalid Deployment identifier specified"));
  }
  call.Reply(200, ToJson(found->second));
}

void ApiGatewayService::GetDeployments(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  call.Reply(200, ItemsPage((*entry)->deployments, *page,
                            [](const Deployment& deployment) { return ToJson(deployment); }));
}

void ApiGatewayService::DeleteDeployment(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const std::string deployment_id = call.Label("deployment_id");
  if (!(*entry)->deployments.contains(deployment_id)) {
    return call.Fail(NotFound("Invalid Deployment identifier specified"));
  }
  for (const auto& [name, stage] : (*entry)->stages) {
    if (stage.deployment_id == deployment_id) {
      return call.Fail(
          BadRequest("Active stages pointing to this deployment must be moved or deleted"));
    }
  }
  // The id is copied first: the callback takes `call` over.
  const std::string api_id = call.Label("restapi_id");
  store_->RemoveDeployment(api_id, deployment_id,
                           [call = std::move(call)](absl::Status stored) mutable {
                             if (!stored.ok()) return call.Fail(stored);
                             call.ReplyEmpty(202);
                           });
}

void ApiGatewayService::CreateStage(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  Stage stage;
  body->erase("methodSettings");
  if (absl::Status read = FromJson(*body, stage); !read.ok()) return call.Fail(read);
  if (absl::Status valid = CheckStageName(stage.name); !valid.ok()) return call.Fail(valid);
  if (absl::Status valid = CheckVariables(stage.variables); !valid.ok()) return call.Fail(valid);
  if (!(*entry)->deployments.contains(stage.deployment_id)) {
    return call.Fail(NotFound("Invalid Deployment identifier specified"));
  }
  if ((*entry)->stages.contains(stage.name)) return call.Fail(Conflict("Stage already exists"));
  stage.created_date = stage.last_updated_date = clock_->NowMillis() / 1000;
  json::object answer = ToJson(stage);
  const std::string api_id = call.Label("restapi_id");  // copied before `call` moves
  store_->PutStage(
      api_id, std::move(stage),
      [call = std::move(call), answer = std::move(answer)](absl::Status stored) mutable {
        if (!stored.ok()) return call.Fail(stored);
        call.Reply(201, answer);
      });
}

void ApiGatewayService::GetStage(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  auto found = (*entry)->stages.find(call.Label("stage_name"));
  if (found == (*entry)->stages.end()) {
    return call.Fail(NotFound("Invalid Stage identifier specified"));
  }
  call.Reply(200, ToJson(found->second));
}

void ApiGatewayService::GetStages(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const std::optional<std::string> deployment = call.context.request.QueryParam("deploymentId");
  json::array items;
  for (const auto& [name, stage] : (*entry)->stages) {
    if (!deployment || stage.deployment_id == *deployment) items.push_back(ToJson(stage));
  }
  call.Reply(200, json::object{{"item", std::move(items)}});
}

void ApiGatewayService::UpdateStage(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  auto found = (*entry)->stages.find(call.Label("stage_name"));
  if (found == (*entry)->stages.end()) {
    return call.Fail(NotFound("Invalid Stage identifier specified"));
  }
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  Stage stage = found->second;
  if (absl::Status patched = PatchStage(*patch, **entry, stage); !patched.ok()) {
    return call.Fail(patched);
  }
  stage.last_updated_date = clock_->NowMillis() / 1000;
  json::object answer = ToJson(stage);
  const std::string api_id = call.Label("restapi_id");  // copied before `call` moves
  store_->PutStage(
      api_id, std::move(stage),
      [call = std::move(call), answer = std::move(answer)](absl::Status stored) mutable {
        if (!stored.ok()) return call.Fail(stored);
        call.Reply(200, answer);
      });
}

void ApiGatewayService::DeleteStage(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const std::string name = call.Label("stage_name");
  if (!(*entry)->stages.contains(name)) {
    return call.Fail(NotFound("Invalid Stage identifier specified"));
  }
  const std::string api_id = call.Label("restapi_id");  // copied before `call` moves
  store_->RemoveStage(api_id, name, [call = std::move(call)](absl::Status stored) mutable {
    if (!stored.ok()) return call.Fail(stored);
    call.ReplyEmpty(202);
  });
}

}  // namespace serval::apigateway
