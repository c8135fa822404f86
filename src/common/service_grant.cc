#include "common/service_grant.h"

#include <boost/json.hpp>
#include <string>

#include "common/text.h"

namespace serval {
namespace {

namespace json = boost::json;

// A condition value: one string or a list of them, any of which may match.
template <typename Match>
bool AnyValue(const json::value& values, Match match) {
  if (values.is_string()) return match(std::string_view(values.get_string()));
  if (!values.is_array()) return false;
  for (const json::value& value : values.get_array()) {
    if (value.is_string() && match(std::string_view(value.get_string()))) return true;
  }
  return false;
}

bool PrincipalMatches(const json::value* principal, std::string_view service) {
  if (principal == nullptr) return false;
  if (principal->is_string()) return principal->get_string() == "*";
  if (!principal->is_object()) return false;
  if (const json::value* anyone = principal->get_object().if_contains("AWS")) {
    if (AnyValue(*anyone, [](std::string_view value) { return value == "*"; })) return true;
  }
  const json::value* named = principal->get_object().if_contains("Service");
  return named && AnyValue(*named, [&](std::string_view value) { return value == service; });
}

bool ConditionHolds(const json::value* condition, const ServiceRequest& request) {
  if (condition == nullptr) return true;
  if (!condition->is_object()) return false;
  for (const auto& [op, entries] : condition->get_object()) {
    if (!entries.is_object()) return false;
    // Not the binding itself: clang 14 cannot capture a structured binding in a lambda.
    const bool like = op == "ArnLike" || op == "StringLike";
    const bool equals = op == "ArnEquals" || op == "StringEquals";
    const bool arn_operator = op.starts_with("Arn");
    for (const auto& [key, values] : entries.get_object()) {
      const std::string name = AsciiToLower(std::string_view(key));
      std::string_view actual;
      if (name == "aws:sourcearn") {
        actual = request.source_arn;
      } else if (!arn_operator && name == "aws:sourceaccount") {
        actual = request.source_account;
      } else if (!arn_operator && name == "aws:sourceowner") {
        actual = request.source_owner;
      } else if (!arn_operator && name == "lambda:functionurlauthtype") {
        actual = request.function_url_auth_type;
      } else {
        return false;
      }
      if (actual.empty()) return false;
      if (!like && !equals) return false;
      const bool holds = AnyValue(values, [&](std::string_view pattern) {
        return like ? WildcardMatch(pattern, actual) : pattern == actual;
      });
      if (!holds) return false;
    }
  }
  return true;
}

// Whether `statement` applies to the request, whatever its Effect.
bool StatementMatches(const json::object& statement, const ServiceRequest& request) {
  if (!PrincipalMatches(statement.if_contains("Principal"), request.service)) return false;
  const std::string action = AsciiToLower(request.action);
  const json::value* actions = statement.if_contains("Action");
  if (!actions || !AnyValue(*actions, [&](std::string_view pattern) {
        return WildcardMatch(AsciiToLower(pattern), action);
      })) {
    return false;
  }
  return ConditionHolds(statement.if_contains("Condition"), request);
}

std::string_view EffectOf(const json::object& statement) {
  const json::value* effect = statement.if_contains("Effect");
  return effect && effect->is_string() ? std::string_view(effect->get_string()) : "";
}

}  // namespace

bool StatementAllows(const json::object& statement, const ServiceRequest& request) {
  return EffectOf(statement) == "Allow" && StatementMatches(statement, request);
}

bool PolicyAllowsService(std::string_view policy, const ServiceRequest& request) {
  json::error_code ec;
  json::value parsed = json::parse(json::string_view(policy.data(), policy.size()), ec);
  if (ec || !parsed.is_object()) return false;
  json::array single;
  const json::array* statements = &single;
  if (const json::value* list = parsed.get_object().if_contains("Statement")) {
    if (list->is_array()) {
      statements = &list->get_array();
    } else {
      single.push_back(*list);
    }
  } else {
    single.push_back(parsed);
  }
  bool allowed = false;
  for (const json::value& item : *statements) {
    if (!item.is_object()) continue;
    const json::object& statement = item.get_object();
    if (!StatementMatches(statement, request)) continue;
    if (EffectOf(statement) == "Deny") return false;
    if (EffectOf(statement) == "Allow") allowed = true;
  }
  return allowed;
}

}  // namespace serval
