#include "services/lambda/function_config.h"

#include <boost/json.hpp>

#include "common/time_format.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

json::object StringMap(const std::map<std::string, std::string>& map) {
  json::object object;
  for (const auto& [key, value] : map) object[key] = value;
  return object;
}

json::array StringArray(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& item : strings) array.emplace_back(item);
  return array;
}

std::map<std::string, std::string> StringMapFrom(const json::value* value) {
  std::map<std::string, std::string> map;
  if (!value || !value->is_object()) return map;
  for (const auto& [key, entry] : value->get_object()) {
    if (entry.is_string()) map[std::string(key)] = std::string(entry.get_string());
  }
  return map;
}

}  // namespace

void WriteFunctionConfiguration(const FunctionConfig& config, const AccountContext& account,
                                json::object& out) {
  out["FunctionName"] = config.name;
  out["FunctionArn"] = config.version == kLatest
                           ? LambdaFunctionArn(account, config.name)
                           : LambdaFunctionArn(account, config.name, config.version);
  out["Runtime"] = config.runtime;
  out["Role"] = config.role;
  out["Handler"] = config.handler;
  out["CodeSize"] = config.code_size;
  out["Description"] = config.description;
  out["Timeout"] = config.timeout_seconds;
  out["MemorySize"] = config.memory_mb;
  out["LastModified"] = FormatLambdaTimestamp(config.last_modified_millis);
  out["CodeSha256"] = config.code_sha256;
  out["Version"] = config.version;
  out["Environment"] = json::object{{"Variables", StringMap(config.variables)}};
  out["TracingConfig"] = json::object{{"Mode", "PassThrough"}};
  out["RevisionId"] = config.revision_id;
  out["State"] = "Active";
  out["LastUpdateStatus"] = "Successful";
  out["PackageType"] = "Zip";
  out["Architectures"] = StringArray(config.architectures);
  out["EphemeralStorage"] = json::object{{"Size", config.ephemeral_storage_mb}};
  out["SnapStart"] = json::object{{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
  out["LoggingConfig"] =
      json::object{{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + config.name}};
}

std::string ToStorageJson(const FunctionConfig& config) {
  json::object out;
  out["name"] = config.name;
  out["runtime"] = config.runtime;
  out["role"] = config.role;
  out["handler"] = config.handler;
  out["description"] = config.description;
  out["memory_mb"] = config.memory_mb;
  out["timeout_seconds"] = config.timeout_seconds;
  out["ephemeral_storage_mb"] = config.ephemeral_storage_mb;
  out["variables"] = StringMap(config.variables);
  out["architectures"] = StringArray(config.architectures);
  out["tags"] = StringMap(config.tags);
  json::object policies;
  for (const auto& [qualifier, statements] : config.policies) {
    policies[qualifier] = StringMap(statements);
  }
  out["policies"] = std::move(policies);
  if (config.reserved_concurrency) out["reserved_concurrency"] = *config.reserved_concurrency;
  json::object event_configs;
  for (const auto& [qualifier, event] : config.event_invoke_configs) {
    event_configs[qualifier] =
        json::object{{"maximum_retry_attempts", event.maximum_retry_attempts},
                     {"maximum_event_age_seconds", event.maximum_event_age_seconds},
                     {"on_success", event.on_success_destination},
                     {"on_failure", event.on_failure_destination},
                     {"last_modified_millis", event.last_modified_millis}};
  }
  out["event_invoke_configs"] = std::move(event_configs);
  out["code_sha256"] = config.code_sha256;
  out["code_id"] = config.code_id;
  out["code_size"] = config.code_size;
  out["last_modified_millis"] = config.last_modified_millis;
  out["revision_id"] = config.revision_id;
  out["version"] = config.version;
  out["last_published_version"] = config.last_published_version;
  out["published_revision_id"] = config.published_revision_id;
  return json::serialize(out);
}

namespace {

absl::StatusOr<json::object> ParseStored(std::string_view text) {
  json::error_code ec;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !parsed.is_object()) return absl::DataLossError("stored record is not a JSON object");
  return std::move(parsed.get_object());
}

}  // namespace

absl::StatusOr<FunctionConfig> FromStorageJson(std::string_view text) {
  auto parsed = ParseStored(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  auto text_of = [&in](const char* key) -> std::string {
    const json::value* value = in.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
  };
  auto int_of = [&in](const char* key, int64_t fallback) -> int64_t {
    const json::value* value = in.if_contains(key);
    return value && value->is_int64() ? value->get_int64() : fallback;
  };
  FunctionConfig config;
  config.name = text_of("name");
  config.runtime = text_of("runtime");
  config.role = text_of("role");
  config.handler = text_of("handler");
  config.description = text_of("description");
  config.memory_mb = static_cast<int>(int_of("memory_mb", 128));
  config.timeout_seconds = static_cast<int>(int_of("timeout_seconds", 3));
  config.ephemeral_storage_mb = static_cast<int>(int_of("ephemeral_storage_mb", 512));
  config.variables = StringMapFrom(in.if_contains("variables"));
  config.architectures.clear();
  if (const json::value* list = in.if_contains("architectures"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (item.is_string()) config.architectures.emplace_back(item.get_string());
    }
  }
  if (config.architectures.empty()) config.architectures = {"x86_64"};
  config.tags = StringMapFrom(in.if_contains("tags"));
  if (const json::value* policies = in.if_contains("policies"); policies && policies->is_object()) {
    for (const auto& [qualifier, statements] : policies->get_object()) {
      config.policies[std::string(qualifier)] = StringMapFrom(&statements);
    }
  }
  if (const json::value* configs = in.if_contains("event_invoke_configs");
      configs && configs->is_object()) {
    for (const auto& [qualifier, value] : configs->get_object()) {
      if (!value.is_object()) continue;
      const json::object& stored = value.get_object();
      auto number = [&stored](const char* key, int64_t fallback) {
        const json::value* field = stored.if_contains(key);
        return field && field->is_int64() ? field->get_int64() : fallback;
      };
      auto text = [&stored](const char* key) {
        const json::value* field = stored.if_contains(key);
        return field && field->is_string() ? std::string(field->get_string()) : std::string();
      };
      EventInvokeConfig& event = config.event_invoke_configs[std::string(qualifier)];
      event.maximum_retry_attempts = static_cast<int>(number("maximum_retry_attempts", 2));
      event.maximum_event_age_seconds =
          static_cast<int>(number("maximum_event_age_seconds", 21600));
      event.on_success_destination = text("on_success");
      event.on_failure_destination = text("on_failure");
      event.last_modified_millis = number("last_modified_millis", 0);
    }
  }
  if (const json::value* reserved = in.if_contains("reserved_concurrency");
      reserved && reserved->is_int64()) {
    config.reserved_concurrency = static_cast<int>(reserved->get_int64());
  }
  config.code_sha256 = text_of("code_sha256");
  config.code_id = text_of("code_id");
  config.code_size = int_of("code_size", 0);
  config.last_modified_millis = int_of("last_modified_millis", 0);
  config.revision_id = text_of("revision_id");
  config.version = text_of("version");
  if (config.version.empty()) config.version = kLatest;
  config.last_published_version = static_cast<int>(int_of("last_published_version", 0));
  config.published_revision_id = text_of("published_revision_id");
  if (config.name.empty() || config.code_id.empty()) {
    return absl::DataLossError("stored function lacks a name or code");
  }
  return config;
}

void WriteAliasConfiguration(const AliasConfig& alias, std::string_view function_name,
                             const AccountContext& account, json::object& out) {
  out["AliasArn"] = LambdaFunctionArn(account, function_name, alias.name);
  out["Name"] = alias.name;
  out["FunctionVersion"] = alias.function_version;
  out["Description"] = alias.description;
  out["RevisionId"] = alias.revision_id;
  if (!alias.additional_version_weights.empty()) {
    json::object weights;
    for (const auto& [version, weight] : alias.additional_version_weights)
      weights[version] = weight;
    out["RoutingConfig"] = json::object{{"AdditionalVersionWeights", std::move(weights)}};
  }
}

std::string AliasToStorageJson(const AliasConfig& alias) {
  json::object out;
  out["name"] = alias.name;
  out["function_version"] = alias.function_version;
  out["description"] = alias.description;
  out["revision_id"] = alias.revision_id;
  json::object weights;
  for (const auto& [version, weight] : alias.additional_version_weights) weights[version] = weight;
  out["additional_version_weights"] = std::move(weights);
  return json::serialize(out);
}

absl::StatusOr<AliasConfig> AliasFromStorageJson(std::string_view text) {
  auto parsed = ParseStored(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  AliasConfig alias;
  for (auto [key, field] :
       {std::pair{"name", &alias.name}, std::pair{"function_version", &alias.function_version},
        std::pair{"description", &alias.description},
        std::pair{"revision_id", &alias.revision_id}}) {
    if (const json::value* value = in.if_contains(key); value && value->is_string()) {
      *field = std::string(value->get_string());
    }
  }
  if (const json::value* weights = in.if_contains("additional_version_weights");
      weights && weights->is_object()) {
    for (const auto& [version, weight] : weights->get_object()) {
      if (weight.is_number())
        alias.additional_version_weights[std::string(version)] = weight.to_number<double>();
    }
  }
  if (alias.name.empty() || alias.function_version.empty()) {
    return absl::DataLossError("stored alias lacks a name or version");
  }
  return alias;
}

}  // namespace serval::lambda
