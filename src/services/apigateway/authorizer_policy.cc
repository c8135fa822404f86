#include "services/apigateway/authorizer_policy.h"

#include <boost/json.hpp>

#include "common/text.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// A policy member that may be one string or a list of strings ("Action", "Resource").
absl::StatusOr<std::vector<std::string>> Strings(const json::object& statement,
                                                 std::string_view key) {
  const json::value* value = statement.if_contains(key);
  if (value == nullptr) return std::vector<std::string>();
  if (value->is_string()) return std::vector<std::string>{std::string(value->get_string())};
  if (!value->is_array()) return absl::InvalidArgumentError(std::string(key) + " is malformed");
  std::vector<std::string> out;
  for (const json::value& item : value->get_array()) {
    if (!item.is_string()) return absl::InvalidArgumentError(std::string(key) + " is malformed");
    out.emplace_back(item.get_string());
  }
  return out;
}

// The member as API Gateway stringifies it: strings as they are, numbers and booleans as text.
absl::StatusOr<std::string> Stringified(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_bool()) return std::string(value.get_bool() ? "true" : "false");
  if (value.is_number()) return json::serialize(value);
  return absl::InvalidArgumentError("a context value is not a string, number or boolean");
}

bool Matches(const AuthorizerOutput::Statement& statement, std::string_view method_arn) {
  bool action = false;
  for (const std::string& pattern : statement.actions) {
    action |= WildcardMatch(AsciiToLower(pattern), "execute-api:invoke");
  }
  if (!action) return false;
  for (const std::string& pattern : statement.resources) {
    if (WildcardMatch(pattern, method_arn)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<AuthorizerOutput> ParseAuthorizerOutput(std::string_view payload,
                                                       ContextValues values) {
  json::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) return absl::InvalidArgumentError("not a JSON object");
  const json::object& object = parsed.get_object();
  AuthorizerOutput output;
  if (const json::value* principal = object.if_contains("principalId"); principal != nullptr) {
    absl::StatusOr<std::string> text = Stringified(*principal);
    if (!text.ok()) return text.status();
    output.principal_id = *std::move(text);
  }
  const json::value* policy = object.if_contains("policyDocument");
  if (policy == nullptr || !policy->is_object()) {
    return absl::InvalidArgumentError("policyDocument is missing");
  }
  const json::value* statements = policy->get_object().if_contains("Statement");
  if (statements == nullptr) return absl::InvalidArgumentError("Statement is missing");
  json::array listed;
  if (statements->is_object()) {
    listed.push_back(*statements);
  } else if (statements->is_array()) {
    listed = statements->get_array();
  } else {
    return absl::InvalidArgumentError("Statement is malformed");
  }
  for (const json::value& item : listed) {
    if (!item.is_object()) return absl::InvalidArgumentError("a statement is not an object");
    const json::object& statement = item.get_object();
    const std::string effect =
        AsciiToLower(statement.contains("Effect") && statement.at("Effect").is_string()
                         ? std::string_view(statement.at("Effect").get_string())
                         : std::string_view());
    if (effect != "allow" && effect != "deny") {
      return absl::InvalidArgumentError("a statement's Effect is neither Allow nor Deny");
    }
    absl::StatusOr<std::vector<std::string>> actions = Strings(statement, "Action");
    if (!actions.ok()) return actions.status();
    absl::StatusOr<std::vector<std::string>> resources = Strings(statement, "Resource");
    if (!resources.ok()) return resources.status();
    output.statements.push_back({.allow = effect == "allow",
                                 .actions = *std::move(actions),
                                 .resources = *std::move(resources)});
  }
  if (const json::value* context = object.if_contains("context");
      context != nullptr && !context->is_null()) {
    if (!context->is_object()) return absl::InvalidArgumentError("context is not an object");
    if (values == ContextValues::kAsGiven) {
      output.context = context->get_object();
    } else {
      for (const auto& [key, value] : context->get_object()) {
        absl::StatusOr<std::string> text = Stringified(value);
        if (!text.ok()) return text.status();
        output.context[key] = *std::move(text);
      }
    }
  }
  if (const json::value* key = object.if_contains("usageIdentifierKey");
      key != nullptr && key->is_string()) {
    output.usage_identifier_key = key->get_string();
  }
  return output;
}

PolicyDecision EvaluatePolicy(const AuthorizerOutput& output, std::string_view method_arn) {
  bool allowed = false;
  for (const AuthorizerOutput::Statement& statement : output.statements) {
    if (!Matches(statement, method_arn)) continue;
    if (!statement.allow) return PolicyDecision::kExplicitDeny;
    allowed = true;
  }
  return allowed ? PolicyDecision::kAllow : PolicyDecision::kImplicitDeny;
}

}  // namespace serval::apigateway
