#include "services/lambda/function_config.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

json::array StringArray(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& item : strings) array.emplace_back(item);
  return array;
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
  out["Environment"] = json::object{{"Variables", StringMapToJson(config.variables)}};
  out["RevisionId"] = config.revision_id;
  out["State"] = "Active";
  out["LastUpdateStatus"] = "Successful";
  out["PackageType"] = "Zip";
  out["Architectures"] = StringArray(config.architectures);
  out["EphemeralStorage"] = json::object{{"Size", config.ephemeral_storage_mb}};
  WriteFunctionSettings(config.settings, config.name, out);
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
  out["variables"] = StringMapToJson(config.variables);
  out["architectures"] = StringArray(config.architectures);
  if (json::object settings = FunctionSettingsToStorage(config.settings); !settings.empty()) {
    out["settings"] = std::move(settings);
  }
  out["tags"] = StringMapToJson(config.tags);
  json::object policies;
  for (const auto& [qualifier, statements] : config.policies) {
    json::object stored;  // in order: JSON objects keep their members' order
    for (const auto& [sid, text] : statements) stored[sid] = text;
    policies[qualifier] = std::move(stored);
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
  json::object urls;
  for (const auto& [qualifier, url] : config.function_urls) {
    json::object stored{{"url_id", url.url_id},
                        {"auth_type", url.auth_type},
                        {"invoke_mode", url.invoke_mode},
                        {"creation_millis", url.creation_millis},
                        {"last_modified_millis", url.last_modified_millis}};
    if (url.cors)
      stored["cors"] = apigatewayv2::CorsToJson(*url.cors, apigatewayv2::CorsNaming::kPascal);
    urls[qualifier] = std::move(stored);
  }
  out["function_urls"] = std::move(urls);
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

absl::StatusOr<FunctionConfig> FromStorageJson(std::string_view text) {
  auto parsed = ParseStoredObject(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  FunctionConfig config;
  config.name = StringMember(in, "name");
  config.runtime = StringMember(in, "runtime");
  config.role = StringMember(in, "role");
  config.handler = StringMember(in, "handler");
  config.description = StringMember(in, "description");
  config.memory_mb = static_cast<int>(IntMember(in, "memory_mb", 128));
  config.timeout_seconds = static_cast<int>(IntMember(in, "timeout_seconds", 3));
  config.ephemeral_storage_mb = static_cast<int>(IntMember(in, "ephemeral_storage_mb", 512));
  config.variables = StringMapFromJson(in.if_contains("variables"));
  config.architectures.clear();
  if (const json::value* list = in.if_contains("architectures"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (item.is_string()) config.architectures.emplace_back(item.get_string());
    }
  }
  if (config.architectures.empty()) config.architectures = {"x86_64"};
  if (const json::value* settings = in.if_contains("settings"); settings && settings->is_object()) {
    config.settings = FunctionSettingsFromStorage(&settings->get_object());
  }
  config.tags = StringMapFromJson(in.if_contains("tags"));
  if (const json::value* policies = in.if_contains("policies"); policies && policies->is_object()) {
    for (const auto& [qualifier, statements] : policies->get_object()) {
      if (!statements.is_object()) continue;
      PolicyStatements& kept = config.policies[std::string(qualifier)];
      for (const auto& [sid, text] : statements.get_object()) {
        if (text.is_string()) kept.Put(std::string(sid), std::string(text.get_string()));
      }
    }
  }
  if (const json::value* configs = in.if_contains("event_invoke_configs");
      configs && configs->is_object()) {
    for (const auto& [qualifier, value] : configs->get_object()) {
      if (!value.is_object()) continue;
      const json::object& stored = value.get_object();
      EventInvokeConfig& event = config.event_invoke_configs[std::string(qualifier)];
      event.maximum_retry_attempts =
          static_cast<int>(IntMember(stored, "maximum_retry_attempts", 2));
      event.maximum_event_age_seconds =
          static_cast<int>(IntMember(stored, "maximum_event_age_seconds", 21600));
      event.on_success_destination = StringMember(stored, "on_success");
      event.on_failure_destination = StringMember(stored, "on_failure");
      event.last_modified_millis = IntMember(stored, "last_modified_millis", 0);
    }
  }
  if (const json::value* urls = in.if_contains("function_urls"); urls && urls->is_object()) {
    for (const auto& [qualifier, value] : urls->get_object()) {
      if (!value.is_object()) continue;
      const json::object& stored = value.get_object();
      FunctionUrlConfig& url = config.function_urls[std::string(qualifier)];
      url.url_id = StringMember(stored, "url_id");
      url.auth_type = StringMember(stored, "auth_type");
      url.invoke_mode = StringMember(stored, "invoke_mode");
      url.creation_millis = IntMember(stored, "creation_millis", 0);
      url.last_modified_millis = IntMember(stored, "last_modified_millis", 0);
      if (const json::value* cors = stored.if_contains("cors")) {
        auto parsed = apigatewayv2::ParseCors(*cors, apigatewayv2::CorsNaming::kPascal, 0);
        if (!parsed.ok()) return absl::DataLossError("stored function URL has a bad Cors");
        url.cors = *std::move(parsed);
      }
    }
  }
  if (const json::value* reserved = in.if_contains("reserved_concurrency");
      reserved && reserved->is_int64()) {
    config.reserved_concurrency = static_cast<int>(reserved->get_int64());
  }
  config.code_sha256 = StringMember(in, "code_sha256");
  config.code_id = StringMember(in, "code_id");
  config.code_size = IntMember(in, "code_size", 0);
  config.last_modified_millis = IntMember(in, "last_modified_millis", 0);
  config.revision_id = StringMember(in, "revision_id");
  config.version = StringMember(in, "version");
  if (config.version.empty()) config.version = kLatest;
  config.last_published_version = static_cast<int>(IntMember(in, "last_published_version", 0));
  config.published_revision_id = StringMember(in, "published_revision_id");
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
  auto parsed = ParseStoredObject(text);
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

const std::string* PolicyStatements::Find(std::string_view sid) const {
  for (const auto& [name, text] : entries_) {
    if (name == sid) return &text;
  }
  return nullptr;
}

void PolicyStatements::Put(std::string sid, std::string text) {
  for (auto& [name, existing] : entries_) {
    if (name == sid) {
      existing = std::move(text);
      return;
    }
  }
  entries_.emplace_back(std::move(sid), std::move(text));
}

void PolicyStatements::Remove(std::string_view sid) {
  std::erase_if(entries_, [sid](const auto& entry) { return entry.first == sid; });
}

std::string FunctionPolicyText(const PolicyStatements& statements) {
  std::string text = R"({"Version":"2012-10-17","Id":"default","Statement":[)";
  const char* separator = "";
  for (const auto& [sid, statement] : statements) {
    text.append(separator).append(statement);
    separator = ",";
  }
  return text.append("]}");
}

}  // namespace serval::lambda
