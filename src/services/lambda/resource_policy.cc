#include "services/lambda/resource_policy.h"

#include <boost/json.hpp>

#include "common/text.h"

namespace serval::lambda {
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
  const json::value* named = principal->get_object().if_contains("Service");
  return named && AnyValue(*named, [&](std::string_view value) { return value == service; });
}

// The condition keys Lambda's AddPermission writes; a statement with another operator or key
// grants nothing here, as a condition S3 cannot satisfy.
bool ConditionHolds(const json::value* condition, const ServiceInvocation& invocation) {
  if (condition == nullptr) return true;
  if (!condition->is_object()) return false;
  for (const auto& [op, entries] : condition->get_object()) {
    if (!entries.is_object()) return false;
    for (const auto& [key, values] : entries.get_object()) {
      const std::string name = AsciiToLower(std::string_view(key));
      bool holds = false;
      if ((op == "ArnLike" || op == "ArnEquals") && name == "aws:sourcearn") {
        // Not the binding itself: clang 14 cannot capture a structured binding in a lambda.
        const bool like = op == "ArnLike";
        holds = AnyValue(values, [&](std::string_view pattern) {
          return like ? WildcardMatch(pattern, invocation.source_arn)
                      : pattern == invocation.source_arn;
        });
      } else if (op == "StringEquals" && name == "aws:sourceaccount") {
        holds = AnyValue(
            values, [&](std::string_view value) { return value == invocation.source_account; });
      }
      if (!holds) return false;
    }
  }
  return true;
}

}  // namespace

bool PolicyAllows(const FunctionConfig& latest, const ServiceInvocation& invocation) {
  auto statements = latest.policies.find(std::string(invocation.qualifier));
  if (statements == latest.policies.end()) return false;
  const std::string action = AsciiToLower(invocation.action);
  for (const auto& [sid, text] : statements->second) {
    json::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (ec || !parsed.is_object()) continue;
    const json::object& statement = parsed.get_object();
    const json::value* effect = statement.if_contains("Effect");
    if (!effect || !effect->is_string() || effect->get_string() != "Allow") continue;
    if (!PrincipalMatches(statement.if_contains("Principal"), invocation.service)) continue;
    const json::value* actions = statement.if_contains("Action");
    if (!actions || !AnyValue(*actions, [&](std::string_view pattern) {
          return WildcardMatch(AsciiToLower(pattern), action);
        })) {
      continue;
    }
    if (ConditionHolds(statement.if_contains("Condition"), invocation)) return true;
  }
  return false;
}

}  // namespace serval::lambda
