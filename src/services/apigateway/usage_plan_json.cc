#include <boost/json.hpp>

#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/json_reader.h"
#include "services/apigateway/usage_plan.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

json::object ToJson(const ThrottleSettings& throttle) {
  json::object out;
  if (throttle.burst_limit) out["burstLimit"] = *throttle.burst_limit;
  if (throttle.rate_limit) out["rateLimit"] = *throttle.rate_limit;
  return out;
}

json::object ToJson(const ApiStage& stage) {
  json::object out{{"apiId", stage.api_id}, {"stage", stage.stage}};
  if (!stage.throttle.empty()) {
    json::object throttle;
    for (const auto& [path, settings] : stage.throttle) throttle[path] = ToJson(settings);
    out["throttle"] = std::move(throttle);
  }
  return out;
}

absl::Status FromJson(const json::object& object, ApiStage& out) {
  Reader reader(object);
  reader.Read("apiId", out.api_id);
  reader.Read("stage", out.stage);
  if (const json::object* throttle = reader.Object("throttle")) {
    for (const auto& [path, settings] : *throttle) {
      if (!settings.is_object()) {
        return BadRequest("Invalid value for 'throttle': expected an object of throttle settings.");
      }
      reader.Merge(FromJson(settings.get_object(), out.throttle[path]));
    }
  }
  return reader.status();
}

json::object TagsJson(const std::map<std::string, std::string>& tags) {
  json::object out;
  for (const auto& [key, value] : tags) out[key] = value;
  return out;
}

}  // namespace

json::object ToJson(const ApiKey& key, bool with_value) {
  json::object out{{"id", key.id},
                   {"enabled", key.enabled},
                   {"createdDate", key.created_date},
                   {"lastUpdatedDate", key.last_updated_date}};
  if (with_value) out["value"] = key.value;
  if (!key.name.empty()) out["name"] = key.name;
  if (!key.customer_id.empty()) out["customerId"] = key.customer_id;
  if (!key.description.empty()) out["description"] = key.description;
  json::array stage_keys;
  for (const std::string& stage_key : key.stage_keys) stage_keys.emplace_back(stage_key);
  out["stageKeys"] = std::move(stage_keys);
  if (!key.tags.empty()) out["tags"] = TagsJson(key.tags);
  return out;
}

json::object ToJson(const UsagePlan& plan) {
  json::object out{{"id", plan.id}, {"name", plan.name}};
  if (!plan.description.empty()) out["description"] = plan.description;
  json::array stages;
  for (const ApiStage& stage : plan.api_stages) stages.push_back(ToJson(stage));
  out["apiStages"] = std::move(stages);
  if (plan.throttle) out["throttle"] = ToJson(*plan.throttle);
  if (plan.quota) {
    out["quota"] = json::object{{"limit", plan.quota->limit},
                                {"offset", plan.quota->offset},
                                {"period", plan.quota->period}};
  }
  if (!plan.product_code.empty()) out["productCode"] = plan.product_code;
  if (!plan.tags.empty()) out["tags"] = TagsJson(plan.tags);
  return out;
}

json::object UsagePlanKeyJson(const ApiKey& key) {
  json::object out{{"id", key.id}, {"type", "API_KEY"}, {"value", key.value}};
  if (!key.name.empty()) out["name"] = key.name;
  return out;
}

absl::Status FromJson(const json::object& object, ThrottleSettings& out) {
  Reader reader(object);
  reader.Read("rateLimit", out.rate_limit);
  reader.Read("burstLimit", out.burst_limit);
  return reader.status();
}

absl::Status FromJson(const json::object& object, QuotaSettings& out) {
  Reader reader(object);
  reader.Read("limit", out.limit);
  reader.Read("offset", out.offset);
  reader.Read("period", out.period);
  return reader.status();
}

absl::Status FromJson(const json::object& object, ApiKey& out) {
  Reader reader(object);
  reader.Read("id", out.id);
  reader.Read("value", out.value);
  reader.Read("name", out.name);
  reader.Read("customerId", out.customer_id);
  reader.Read("description", out.description);
  reader.Read("enabled", out.enabled);
  reader.Read("createdDate", out.created_date);
  reader.Read("lastUpdatedDate", out.last_updated_date);
  reader.Read("tags", out.tags);
  if (const json::array* stage_keys = reader.Array("stageKeys")) {
    out.stage_keys.clear();
    for (const json::value& item : *stage_keys) {
      if (item.is_string()) {
        out.stage_keys.emplace_back(item.get_string());
      } else if (item.is_object()) {
        // The request form: {restApiId, stageName}.
        std::string api, stage;
        Reader key_reader(item.get_object());
        key_reader.Read("restApiId", api);
        key_reader.Read("stageName", stage);
        reader.Merge(key_reader.status());
        out.stage_keys.push_back(api + "/" + stage);
      } else {
        return BadRequest("Invalid value for 'stageKeys': expected a list of stage keys.");
      }
    }
  }
  return reader.status();
}

absl::Status FromJson(const json::object& object, UsagePlan& out) {
  Reader reader(object);
  reader.Read("id", out.id);
  reader.Read("name", out.name);
  reader.Read("description", out.description);
  reader.Read("productCode", out.product_code);
  reader.Read("tags", out.tags);
  if (const json::array* stages = reader.Array("apiStages")) {
    out.api_stages.clear();
    for (const json::value& item : *stages) {
      if (!item.is_object()) {
        return BadRequest("Invalid value for 'apiStages': expected a list of API stages.");
      }
      ApiStage stage;
      reader.Merge(FromJson(item.get_object(), stage));
      out.api_stages.push_back(std::move(stage));
    }
  }
  if (const json::object* throttle = reader.Object("throttle")) {
    ThrottleSettings settings;
    reader.Merge(FromJson(*throttle, settings));
    out.throttle = settings;
  }
  if (const json::object* quota = reader.Object("quota")) {
    QuotaSettings settings;
    reader.Merge(FromJson(*quota, settings));
    out.quota = settings;
  }
  std::vector<std::string> key_ids;
  reader.Read("keyIds", key_ids);
  out.key_ids.insert(key_ids.begin(), key_ids.end());
  return reader.status();
}

json::object StoredJson(const ApiKey& key) { return ToJson(key, true); }

json::object StoredJson(const UsagePlan& plan) {
  json::object out = ToJson(plan);
  json::array key_ids;
  for (const std::string& id : plan.key_ids) key_ids.emplace_back(id);
  out["keyIds"] = std::move(key_ids);
  return out;
}

}  // namespace serval::apigateway
