// The control plane's usage plans and their keys: which API stages an API key opens, at what
// rate and for how many requests a period.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/request_body.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// Reads a patch value as a number of type T (int64_t, double).
template <typename T>
absl::StatusOr<T> PatchNumber(const PatchOperation& operation) {
  T parsed{};
  const std::string& value = operation.value;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc() || end != value.data() + value.size() || parsed < 0) {
    return BadRequest(fmt::format("Invalid value '{}' for {}", value, operation.path));
  }
  return parsed;
}

absl::Status CheckQuota(const QuotaSettings& quota) {
  if (quota.period != "DAY" && quota.period != "WEEK" && quota.period != "MONTH") {
    return BadRequest("Invalid quota period specified. Valid options are DAY,WEEK,MONTH");
  }
  if (quota.limit < 0) return BadRequest("Invalid quota limit specified");
  if (quota.offset < 0 || (quota.period == "DAY" && quota.offset != 0) ||
      (quota.period == "WEEK" && quota.offset > 6) ||
      (quota.period == "MONTH" && quota.offset > 27)) {
    return BadRequest("Invalid quota offset specified");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApiGatewayService::CheckApiStages(const UsagePlan& plan) const {
  for (const ApiStage& bound : plan.api_stages) {
    const ApiStore::Entry* entry = store_->Find(bound.api_id);
    if (entry == nullptr || !entry->stages.contains(bound.stage)) {
      return NotFound(
          fmt::format("Invalid API Stage {{api: {}, stage: {}}} specified for usageplan {}",
                      bound.api_id, bound.stage, plan.id));
    }
  }
  if (plan.quota) return CheckQuota(*plan.quota);
  return absl::OkStatus();
}

absl::Status ApiGatewayService::PatchUsagePlan(const std::vector<PatchOperation>& patch,
                                               UsagePlan& plan) const {
  constexpr std::string_view kReplaceable =
      "/name, /description, /productCode, /throttle/rateLimit, /throttle/burstLimit, "
      "/quota/limit, /quota/period, /quota/offset";
  for (const PatchOperation& operation : patch) {
    const std::string& path = operation.path;
    if (path == "/apiStages" && (operation.op == "add" || operation.op == "remove")) {
      // The value is "apiId:stage".
      const size_t colon = operation.value.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == operation.value.size()) {
        return BadRequest("Invalid API Stage specified");
      }
      const ApiStage stage{.api_id = operation.value.substr(0, colon),
                           .stage = operation.value.substr(colon + 1)};
      auto& stages = plan.api_stages;
      std::erase_if(stages, [&](const ApiStage& bound) {
        return bound.api_id == stage.api_id && bound.stage == stage.stage;
      });
      if (operation.op == "add") stages.push_back(stage);
      continue;
    }
    if (operation.op == "remove" && (path == "/throttle" || path == "/quota")) {
      if (path == "/throttle") {
        plan.throttle.reset();
      } else {
        plan.quota.reset();
      }
      continue;
    }
    if (operation.op != "replace" && operation.op != "add") {
      return UnsupportedPatch(operation, kReplaceable);
    }
    if (path == "/name") {
      plan.name = operation.value;
    } else if (path == "/description") {
      plan.description = operation.value;
    } else if (path == "/productCode") {
      plan.product_code = operation.value;
    } else if (path == "/throttle/rateLimit") {
      absl::StatusOr<double> rate = PatchNumber<double>(operation);
      if (!rate.ok()) return rate.status();
      if (!plan.throttle) plan.throttle.emplace();
      plan.throttle->rate_limit = *rate;
    } else if (path == "/throttle/burstLimit") {
      absl::StatusOr<int64_t> burst = PatchNumber<int64_t>(operation);
      if (!burst.ok()) return burst.status();
      if (!plan.throttle) plan.throttle.emplace();
      plan.throttle->burst_limit = *burst;
    } else if (path == "/quota/limit" || path == "/quota/offset") {
      absl::StatusOr<int64_t> number = PatchNumber<int64_t>(operation);
      if (!number.ok()) return number.status();
      if (!plan.quota) plan.quota.emplace(QuotaSettings{.period = "DAY"});
      (path == "/quota/limit" ? plan.quota->limit : plan.quota->offset) = *number;
    } else if (path == "/quota/period") {
      if (!plan.quota) plan.quota.emplace();
      plan.quota->period = operation.value;
    } else {
      return UnsupportedPatch(operation, kReplaceable);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const UsagePlan*> ApiGatewayService::FindPlan(const Call& call) const {
  const UsagePlan* plan = usage_->FindPlan(call.Label("usageplan_id"));
  if (plan == nullptr) return NotFound("Invalid Usage Plan ID specified");
  return plan;
}

void ApiGatewayService::CreateUsagePlan(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  body->erase("keyIds");
  UsagePlan plan;
  if (absl::Status read = FromJson(*body, plan); !read.ok()) return call.Fail(read);
  if (plan.name.empty()) return call.Fail(BadRequest("Invalid usage plan name specified"));
  plan.id = NewId();
  if (absl::Status valid = CheckApiStages(plan); !valid.ok()) return call.Fail(valid);
  json::object answer = ToJson(plan);
  usage_->PutPlan(std::move(plan), call.WhenStored(201, std::move(answer)));
}

void ApiGatewayService::GetUsagePlan(Call& call) {
  absl::StatusOr<const UsagePlan*> plan = FindPlan(call);
  if (!plan.ok()) return call.Fail(plan.status());
  call.Reply(200, ToJson(**plan));
}

void ApiGatewayService::GetUsagePlans(Call& call) {
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  const std::optional<std::string> key_id = call.context.request.QueryParam("keyId");
  std::map<std::string, const UsagePlan*> listed;
  for (const auto& [id, plan] : usage_->plans()) {
    if (!key_id || plan.key_ids.contains(*key_id)) listed[id] = &plan;
  }
  call.Reply(200, ItemsPage(listed, *page, [](const UsagePlan* plan) { return ToJson(*plan); }));
}

void ApiGatewayService::UpdateUsagePlan(Call& call) {
  absl::StatusOr<const UsagePlan*> found = FindPlan(call);
  if (!found.ok()) return call.Fail(found.status());
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  UsagePlan plan = **found;
  if (absl::Status patched = PatchUsagePlan(*patch, plan); !patched.ok()) return call.Fail(patched);
  if (absl::Status valid = CheckApiStages(plan); !valid.ok()) return call.Fail(valid);
  json::object answer = ToJson(plan);
  usage_->PutPlan(std::move(plan), call.WhenStored(200, std::move(answer)));
}

void ApiGatewayService::DeleteUsagePlan(Call& call) {
  absl::StatusOr<const UsagePlan*> plan = FindPlan(call);
  if (!plan.ok()) return call.Fail(plan.status());
  const std::string id = (*plan)->id;
  usage_->RemovePlan(id, call.WhenStored(202, json::object()));
}

void ApiGatewayService::CreateUsagePlanKey(Call& call) {
  absl::StatusOr<const UsagePlan*> found = FindPlan(call);
  if (!found.ok()) return call.Fail(found.status());
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  if (StringMember(*body, "keyType") != "API_KEY") {
    return call.Fail(BadRequest("Invalid key type specified. Valid options are API_KEY"));
  }
  absl::StatusOr<const ApiKey*> key = FindKey(StringMember(*body, "keyId"));
  if (!key.ok()) return call.Fail(key.status());
  if ((*found)->key_ids.contains((*key)->id)) {
    return call.Fail(
        Conflict("Usage Plan " + (*found)->id + " already holds API Key " + (*key)->id));
  }
  UsagePlan plan = **found;
  plan.key_ids.insert((*key)->id);
  json::object answer = UsagePlanKeyJson(**key);
  usage_->PutPlan(std::move(plan), call.WhenStored(201, std::move(answer)));
}

void ApiGatewayService::GetUsagePlanKey(Call& call) {
  absl::StatusOr<const UsagePlan*> plan = FindPlan(call);
  if (!plan.ok()) return call.Fail(plan.status());
  const std::string& key_id = call.Label("key_id");
  const ApiKey* key = usage_->FindKey(key_id);
  if (key == nullptr || !(*plan)->key_ids.contains(key_id)) {
    return call.Fail(NotFound("Invalid Usage Plan Key identifier specified"));
  }
  call.Reply(200, UsagePlanKeyJson(*key));
}

void ApiGatewayService::GetUsagePlanKeys(Call& call) {
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  // Recorded: an unknown plan lists no keys rather than failing.
  const UsagePlan* plan = usage_->FindPlan(call.Label("usageplan_id"));
  const std::string name_query = call.context.request.QueryParam("name").value_or("");
  std::map<std::string, const ApiKey*> listed;
  if (plan != nullptr) {
    for (const std::string& id : plan->key_ids) {
      const ApiKey* key = usage_->FindKey(id);
      if (key != nullptr && key->name.starts_with(name_query)) listed[id] = key;
    }
  }
  call.Reply(200,
             ItemsPage(listed, *page, [](const ApiKey* key) { return UsagePlanKeyJson(*key); }));
}

void ApiGatewayService::DeleteUsagePlanKey(Call& call) {
  absl::StatusOr<const UsagePlan*> found = FindPlan(call);
  if (!found.ok()) return call.Fail(found.status());
  const std::string key_id = call.Label("key_id");
  if (!(*found)->key_ids.contains(key_id)) {
    return call.Fail(NotFound("Invalid Usage Plan Key identifier specified"));
  }
  UsagePlan plan = **found;
  plan.key_ids.erase(key_id);
  usage_->PutPlan(std::move(plan), call.WhenStored(202, json::object()));
}

}  // namespace serval::apigateway
