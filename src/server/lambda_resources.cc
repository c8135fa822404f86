// Function and Permission resources (resource_appliers.h), through Lambda's REST API.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "common/crypto.h"
#include "common/json_fields.h"
#include "common/percent_encoding.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kFunctions = "/2015-03-31/functions/";
// Configuration properties, sent as they are to CreateFunction and UpdateFunctionConfiguration.
constexpr std::string_view kConfigurationKeys[] = {
    "Runtime", "Handler", "MemorySize", "Timeout", "Description", "Environment", "Role"};

// Environment compared by its variables: an absent Environment and no variables are the same.
json::value VariablesOf(const json::value* environment) {
  if (environment && environment->is_object()) {
    if (const json::value* variables = environment->get_object().if_contains("Variables")) {
      if (variables->is_object() && !variables->get_object().empty()) return *variables;
    }
  }
  return json::object{};
}

bool SameConfiguration(const json::object& wanted, const json::object& current) {
  for (const auto& [key, value] : wanted) {
    if (key == "Environment") {
      if (VariablesOf(&value) != VariablesOf(current.if_contains("Environment"))) return false;
    } else if (const json::value* now = current.if_contains(key); !now || *now != value) {
      return false;
    }
  }
  return true;
}

// Waits until the function can be invoked and updated again (State Active, no update in
// progress), as the AWS CLI's function-active and function-updated waiters do.
absl::Status WaitActive(const AwsApi& api, const std::string& path, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    auto response = api.Call("lambda", "GET", path + "/configuration");
    if (auto status = Expect2xx("GetFunctionConfiguration " + name, response); !status.ok()) {
      return status;
    }
    auto config = JsonObjectOf(*response, "GetFunctionConfiguration");
    if (!config.ok()) return config.status();
    const std::string state = StringMember(*config, "State");
    const std::string update = StringMember(*config, "LastUpdateStatus");
    if (state == "Failed" || update == "Failed") {
      return absl::FailedPreconditionError(fmt::format(
          "function {} failed: {}", name,
          StringMember(*config, update == "Failed" ? "LastUpdateStatusReason" : "StateReason")));
    }
    if ((state.empty() || state == "Active") && update != "InProgress") return absl::OkStatus();
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          fmt::format("function {} is still {} {}", name, state, update));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The statement `sid` of the function's resource policy, or null.
absl::StatusOr<std::optional<json::object>> PolicyStatement(const AwsApi& api,
                                                            const std::string& function,
                                                            const std::string& sid) {
  auto response =
      api.Call("lambda", "GET", std::string(kFunctions) + PercentEncode(function) + "/policy");
  if (!response.ok()) return response.status();
  if (response->status == 404) return std::nullopt;  // no policy yet (or no function)
  if (response->status / 100 != 2) return CallRefused("GetPolicy " + function, *response);
  auto body = JsonObjectOf(*response, "GetPolicy");
  if (!body.ok()) return body.status();
  auto policy = ParseStoredObject(StringMember(*body, "Policy"));
  if (!policy.ok()) return absl::InternalError("GetPolicy: the Policy is not JSON");
  if (const json::object* statement = FindListedObject(*policy, "Statement", "Sid", sid)) {
    return *statement;
  }
  return std::nullopt;
}

std::string ConditionValue(const json::object& statement, std::string_view op,
                           std::string_view key) {
  const json::value* condition = statement.if_contains("Condition");
  if (!condition || !condition->is_object()) return {};
  const json::value* block = condition->get_object().if_contains(op);
  return block && block->is_object() ? StringMember(block->get_object(), key) : "";
}

// Whether `statement` (as GetPolicy shows it) grants what AddPermission `wanted` asks for.
bool SameGrant(const json::object& statement, const json::object& wanted) {
  const std::string principal = StringMember(wanted, "Principal");
  std::string granted;
  if (const json::value* element = statement.if_contains("Principal")) {
    if (element->is_string()) {
      granted = std::string(element->get_string());
    } else if (element->is_object() && element->get_object().size() == 1) {
      const json::value& only = element->get_object().begin()->value();
      if (only.is_string()) granted = std::string(only.get_string());
    }
  }
  return (granted == principal || granted == "arn:aws:iam::" + principal + ":root") &&
         StringMember(statement, "Action") == StringMember(wanted, "Action") &&
         ConditionValue(statement, "ArnLike", "AWS:SourceArn") ==
             StringMember(wanted, "SourceArn") &&
         ConditionValue(statement, "StringEquals", "AWS:SourceAccount") ==
             StringMember(wanted, "SourceAccount");
}

}  // namespace

absl::StatusOr<Applied> ApplyFunction(ResourceProperties& properties,
                                      const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("FunctionName");
  if (!name.ok()) return name.status();
  auto code = properties.Get("Code");
  if (!code.ok()) return code.status();
  auto zip = context.code_zips->find(json::serialize(**code));
  if (zip == context.code_zips->end()) return absl::InternalError("no package built for " + *name);
  json::object configuration;
  for (std::string_view key : kConfigurationKeys) {
    auto value = properties.Get(key);
    if (!value.ok()) return value.status();
    if (*value) configuration[key] = **value;
  }
  const std::string path = std::string(kFunctions) + PercentEncode(*name);
  auto existing = api.Call("lambda", "GET", path);
  if (!existing.ok()) return existing.status();
  Applied applied{.name = *name, .outcome = "unchanged"};
  if (existing->status == 404) {
    json::object create = configuration;
    create["FunctionName"] = *name;
    create["Code"] = json::object{{"ZipFile", Base64Encode(zip->second)}};
    auto created = api.Call("lambda", "POST", "/2015-03-31/functions", json::serialize(create));
    if (auto status = Expect2xx("CreateFunction " + *name, created); !status.ok()) return status;
    auto body = JsonObjectOf(*created, "CreateFunction");
    if (!body.ok()) return body.status();
    applied.arn = StringMember(*body, "FunctionArn");
    applied.outcome = "created";
  } else {
    if (auto status = Expect2xx("GetFunction " + *name, existing); !status.ok()) return status;
    auto body = JsonObjectOf(*existing, "GetFunction");
    if (!body.ok()) return body.status();
    const json::value* current = body->if_contains("Configuration");
    if (!current || !current->is_object())
      return absl::InternalError("GetFunction: no Configuration");
    applied.arn = StringMember(current->get_object(), "FunctionArn");
    if (StringMember(current->get_object(), "CodeSha256") != Base64Encode(Sha256(zip->second))) {
      if (auto status = WaitActive(api, path, *name); !status.ok()) return status;
      auto updated =
          api.Call("lambda", "PUT", path + "/code",
                   json::serialize(json::object{{"ZipFile", Base64Encode(zip->second)}}));
      if (auto status = Expect2xx("UpdateFunctionCode " + *name, updated); !status.ok()) {
        return status;
      }
      applied.outcome = "updated";
    }
    if (!SameConfiguration(configuration, current->get_object())) {
      if (auto status = WaitActive(api, path, *name); !status.ok()) return status;
      auto updated =
          api.Call("lambda", "PUT", path + "/configuration", json::serialize(configuration));
      if (auto status = Expect2xx("UpdateFunctionConfiguration " + *name, updated); !status.ok()) {
        return status;
      }
      applied.outcome = "updated";
    }
  }
  if (auto status = WaitActive(api, path, *name); !status.ok()) return status;
  return applied;
}

absl::StatusOr<std::string> EnsurePermission(const AwsApi& api, const json::object& wanted) {
  const std::string function = StringMember(wanted, "FunctionName");
  const std::string sid = StringMember(wanted, "StatementId");
  const std::string name = fmt::format("{} {}", function, sid);
  const std::string path = std::string(kFunctions) + PercentEncode(function) + "/policy";
  auto existing = PolicyStatement(api, function, sid);
  if (!existing.ok()) return existing.status();
  std::string outcome = "created";
  if (*existing) {
    if (SameGrant(**existing, wanted)) return std::string("unchanged");
    auto removed = api.Call("lambda", "DELETE", path + "/" + PercentEncode(sid));
    if (auto status = Expect2xx("RemovePermission " + name, removed); !status.ok()) return status;
    outcome = "updated";
  }
  json::object add = wanted;
  add.erase("FunctionName");
  auto added = api.Call("lambda", "POST", path, json::serialize(add));
  if (auto status = Expect2xx("AddPermission " + name, added); !status.ok()) return status;
  return outcome;
}

absl::StatusOr<Applied> ApplyPermission(ResourceProperties& properties,
                                        const DeployContext& context) {
  json::object wanted;
  for (std::string_view key : {"FunctionName", "StatementId", "Action", "Principal"}) {
    auto value = properties.String(key);
    if (!value.ok()) return value.status();
    wanted[key] = *value;
  }
  for (std::string_view key : {"SourceArn", "SourceAccount"}) {
    auto value = properties.Get(key);
    if (!value.ok()) return value.status();
    if (*value) wanted[key] = **value;
  }
  auto outcome = EnsurePermission(*context.api, wanted);
  if (!outcome.ok()) return outcome.status();
  return Applied{.name = fmt::format("{} {}", StringMember(wanted, "FunctionName"),
                                     StringMember(wanted, "StatementId")),
                 .outcome = *outcome};
}

}  // namespace serval::server
