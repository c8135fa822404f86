#include "services/lambda/function_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>

#include "common/json_fields.h"
#include "protocol/validation.h"
#include "services/lambda/errors.h"

namespace serval::lambda {
namespace json = boost::json;

namespace {

absl::Status NotParsable(std::string_view member) {
  return InvalidRequestContent(
      fmt::format("Could not parse request body into json: {} is not valid", member));
}

// The block `name` of the request as an object: null when absent; InvalidRequestContent when
// it is not an object.
absl::StatusOr<const json::object*> Block(const json::object& body, std::string_view name) {
  const json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null()) return nullptr;
  if (!value->is_object()) return NotParsable(name);
  return &value->get_object();
}

// An optional string member of a block, held to `allowed` (when not empty) as an enum the model
// declares: ValidationException naming `field`.
absl::Status ReadEnum(const json::object& block, std::string_view member, std::string_view field,
                      std::initializer_list<std::string_view> allowed, std::string& out) {
  const json::value* value = block.if_contains(member);
  if (value == nullptr || value->is_null()) return absl::OkStatus();
  if (!value->is_string()) return NotParsable(field);
  const std::string text(value->get_string());
  if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    std::string set;
    for (std::string_view name : allowed) set += (set.empty() ? "" : ", ") + std::string(name);
    return protocol::ValidationFailed(text, field,
                                      "Member must satisfy enum value set: [" + set + "]");
  }
  out = text;
  return absl::OkStatus();
}

absl::Status ReadLogging(const json::object& block, FunctionSettings& settings) {
  FunctionSettings next = settings;
  if (auto s = ReadEnum(block, "LogFormat", "loggingConfig.logFormat", {"JSON", "Text"},
                        next.log_format);
      !s.ok()) {
    return s;
  }
  std::string application, system;
  if (auto s = ReadEnum(block, "ApplicationLogLevel", "loggingConfig.applicationLogLevel",
                        {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}, application);
      !s.ok()) {
    return s;
  }
  if (auto s = ReadEnum(block, "SystemLogLevel", "loggingConfig.systemLogLevel",
                        {"DEBUG", "INFO", "WARN"}, system);
      !s.ok()) {
    return s;
  }
  std::string group;
  if (auto s = ReadEnum(block, "LogGroup", "loggingConfig.logGroup", {}, group); !s.ok()) return s;
  if (block.contains("LogGroup")) {
    const bool valid = !group.empty() && group.size() <= 512 &&
                       std::all_of(group.begin(), group.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) ||
                                std::string_view("._-/#").find(c) != std::string_view::npos;
                       });
    if (!valid) {
      return protocol::ValidationFailed(
          group, "loggingConfig.logGroup",
          "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
    }
    next.log_group = group;
  }
  if (next.log_format == "Text" && (!application.empty() || !system.empty())) {
    return InvalidParameter(
        "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your "
        "request or change the LogFormat to \"JSON\" and try again.");
  }
  if (next.log_format == "JSON") {
    // JSON logs have levels: INFO unless named.
    if (!application.empty()) next.application_log_level = application;
    if (!system.empty()) next.system_log_level = system;
    if (next.application_log_level.empty()) next.application_log_level = "INFO";
    if (next.system_log_level.empty()) next.system_log_level = "INFO";
  } else {
    next.application_log_level.clear();
    next.system_log_level.clear();
  }
  settings = std::move(next);
  return absl::OkStatus();
}

absl::Status ReadDeadLetter(const json::object& block, FunctionSettings& settings) {
  std::string target;
  if (auto s = ReadEnum(block, "TargetArn", "deadLetterConfig.targetArn", {}, target); !s.ok()) {
    return s;
  }
  // An empty TargetArn removes the dead-letter queue.
  if (!target.empty() && !target.starts_with("arn:aws:sns:")) {
    return InvalidParameter(fmt::format(
        "The provided target ARN {} is not supported: Serval delivers dead-letter events to SNS "
        "topics only",
        target));
  }
  settings.dead_letter_target = target;
  return absl::OkStatus();
}

// A block kept as given (VpcConfig, FileSystemConfigs): its JSON text.
template <typename Check>
absl::Status ReadKept(const json::object& body, std::string_view member, Check check,
                      std::string& out) {
  const json::value* value = body.if_contains(member);
  if (value == nullptr || value->is_null()) return absl::OkStatus();
  if (!check(*value)) return NotParsable(member);
  out = json::serialize(*value);
  return absl::OkStatus();
}

void PutIfSet(json::object& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

}  // namespace

absl::Status ReadFunctionSettings(const json::object& body, FunctionSettings& settings) {
  FunctionSettings next = settings;
  auto tracing = Block(body, "TracingConfig");
  if (!tracing.ok()) return tracing.status();
  if (*tracing) {
    if (auto s = ReadEnum(**tracing, "Mode", "tracingConfig.mode", {"Active", "PassThrough"},
                          next.tracing_mode);
        !s.ok()) {
      return s;
    }
  }
  auto logging = Block(body, "LoggingConfig");
  if (!logging.ok()) return logging.status();
  if (*logging) {
    if (auto s = ReadLogging(**logging, next); !s.ok()) return s;
  }
  auto dead_letter = Block(body, "DeadLetterConfig");
  if (!dead_letter.ok()) return dead_letter.status();
  if (*dead_letter) {
    if (auto s = ReadDeadLetter(**dead_letter, next); !s.ok()) return s;
  }
  auto snap_start = Block(body, "SnapStart");
  if (!snap_start.ok()) return snap_start.status();
  if (*snap_start) {
    if (auto s = ReadEnum(**snap_start, "ApplyOn", "snapStart.applyOn",
                          {"PublishedVersions", "None"}, next.snap_start_apply_on);
        !s.ok()) {
      return s;
    }
  }
  if (const json::value* kms = body.if_contains("KMSKeyArn"); kms && !kms->is_null()) {
    if (!kms->is_string()) return NotParsable("KMSKeyArn");
    next.kms_key_arn = std::string(kms->get_string());
  }
  auto is_vpc = [](const json::value& value) {
    if (!value.is_object()) return false;
    for (std::string_view list : {"SubnetIds", "SecurityGroupIds"}) {
      const json::value* ids = value.get_object().if_contains(list);
      if (ids && !ids->is_null() &&
          (!ids->is_array() || !std::all_of(ids->get_array().begin(), ids->get_array().end(),
                                            [](const json::value& id) { return id.is_string(); }))) {
        return false;
      }
    }
    return true;
  };
  if (auto s = ReadKept(body, "VpcConfig", is_vpc, next.vpc_config); !s.ok()) return s;
  auto is_file_systems = [](const json::value& value) {
    return value.is_array() &&
           std::all_of(value.get_array().begin(), value.get_array().end(),
                       [](const json::value& entry) {
                         return entry.is_object() && entry.get_object().contains("Arn") &&
                                entry.get_object().contains("LocalMountPath");
                       });
  };
  if (auto s = ReadKept(body, "FileSystemConfigs", is_file_systems, next.file_system_configs);
      !s.ok()) {
    return s;
  }
  settings = std::move(next);
  return absl::OkStatus();
}

void WriteFunctionSettings(const FunctionSettings& settings, const std::string& name,
                           json::object& out) {
  out["TracingConfig"] = json::object{{"Mode", settings.tracing_mode}};
  json::object logging{{"LogFormat", settings.log_format}};
  PutIfSet(logging, "ApplicationLogLevel", settings.application_log_level);
  PutIfSet(logging, "SystemLogLevel", settings.system_log_level);
  logging["LogGroup"] = settings.log_group.empty() ? "/aws/lambda/" + name : settings.log_group;
  out["LoggingConfig"] = std::move(logging);
  out["SnapStart"] =
      json::object{{"ApplyOn", settings.snap_start_apply_on}, {"OptimizationStatus", "Off"}};
  if (!settings.dead_letter_target.empty()) {
    out["DeadLetterConfig"] = json::object{{"TargetArn", settings.dead_letter_target}};
  }
  PutIfSet(out, "KMSKeyArn", settings.kms_key_arn);
  boost::system::error_code error;
  if (json::value kept = json::parse(settings.vpc_config, error); !error && kept.is_object()) {
    json::object vpc = std::move(kept.get_object());
    for (std::string_view list : {"SubnetIds", "SecurityGroupIds"}) {
      if (!vpc.contains(list)) vpc[list] = json::array();
    }
    vpc["VpcId"] = "";  // Serval has no VPCs to name
    out["VpcConfig"] = std::move(vpc);
  }
  if (json::value kept = json::parse(settings.file_system_configs, error); !error) {
    out["FileSystemConfigs"] = std::move(kept);
  }
}

json::object FunctionSettingsToStorage(const FunctionSettings& settings) {
  const FunctionSettings defaults;
  json::object out;
  auto keep = [&](std::string_view key, const std::string& value, const std::string& fallback) {
    if (value != fallback) out[key] = value;
  };
  keep("tracing_mode", settings.tracing_mode, defaults.tracing_mode);
  keep("log_format", settings.log_format, defaults.log_format);
  keep("application_log_level", settings.application_log_level, "");
  keep("system_log_level", settings.system_log_level, "");
  keep("log_group", settings.log_group, "");
  keep("dead_letter_target", settings.dead_letter_target, "");
  keep("kms_key_arn", settings.kms_key_arn, "");
  keep("snap_start_apply_on", settings.snap_start_apply_on, defaults.snap_start_apply_on);
  keep("vpc_config", settings.vpc_config, "");
  keep("file_system_configs", settings.file_system_configs, "");
  return out;
}

FunctionSettings FunctionSettingsFromStorage(const json::object* stored) {
  FunctionSettings settings;
  if (stored == nullptr) return settings;
  auto load = [&](std::string_view key, std::string& field) {
    if (std::string value = StringMember(*stored, key); !value.empty()) field = std::move(value);
  };
  load("tracing_mode", settings.tracing_mode);
  load("log_format", settings.log_format);
  load("application_log_level", settings.application_log_level);
  load("system_log_level", settings.system_log_level);
  load("log_group", settings.log_group);
  load("dead_letter_target", settings.dead_letter_target);
  load("kms_key_arn", settings.kms_key_arn);
  load("snap_start_apply_on", settings.snap_start_apply_on);
  load("vpc_config", settings.vpc_config);
  load("file_system_configs", settings.file_system_configs);
  return settings;
}

}  // namespace serval::lambda
