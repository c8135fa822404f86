#include "services/s3/bucket_policy.h"

#include <boost/json.hpp>

#include "common/text.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace json = boost::json;
namespace {

// A policy element that is one string or a list of them.
bool AnyMatches(const json::value* value, std::string_view text, bool case_insensitive) {
  if (value == nullptr) return false;
  auto matches = [&](const json::value& item) {
    if (!item.is_string()) return false;
    std::string pattern(item.as_string());
    if (case_insensitive) {
      return WildcardMatch(AsciiToLower(pattern), AsciiToLower(std::string(text)));
    }
    return WildcardMatch(pattern, text);
  };
  if (value->is_array()) {
    for (const json::value& item : value->as_array()) {
      if (matches(item)) return true;
    }
    return false;
  }
  return matches(*value);
}

bool IsEveryone(const json::value* principal) {
  if (principal == nullptr) return false;
  if (principal->is_string()) return principal->as_string() == "*";
  if (!principal->is_object()) return false;
  const json::value* aws = principal->as_object().if_contains("AWS");
  if (aws == nullptr) return false;
  if (aws->is_string()) return aws->as_string() == "*";
  if (aws->is_array()) {
    for (const json::value& item : aws->as_array()) {
      if (item.is_string() && item.as_string() == "*") return true;
    }
  }
  return false;
}

std::vector<const json::object*> Statements(const json::value& policy) {
  std::vector<const json::object*> statements;
  const json::value* statement = policy.as_object().if_contains("Statement");
  if (statement == nullptr) return statements;
  if (statement->is_object()) {
    statements.push_back(&statement->as_object());
  } else if (statement->is_array()) {
    for (const json::value& item : statement->as_array()) {
      if (item.is_object()) statements.push_back(&item.as_object());
    }
  }
  return statements;
}

}  // namespace

absl::Status ValidateBucketPolicy(std::string_view document) {
  const absl::Status malformed =
      S3Error(400, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'");
  boost::system::error_code error;
  json::value policy = json::parse(document, error);
  if (error || !policy.is_object()) return malformed;
  const json::value* statement = policy.as_object().if_contains("Statement");
  if (statement == nullptr || !(statement->is_array() || statement->is_object())) {
    return S3Error(400, "MalformedPolicy", "Missing required field Statement");
  }
  for (const json::object* entry : Statements(policy)) {
    const json::value* effect = entry->if_contains("Effect");
    if (effect == nullptr || !effect->is_string() ||
        (effect->as_string() != "Allow" && effect->as_string() != "Deny")) {
      return S3Error(400, "MalformedPolicy", "Invalid effect: must be Allow or Deny");
    }
  }
  return absl::OkStatus();
}

bool AllowsAnonymous(std::string_view document, std::string_view action,
                     std::string_view resource) {
  if (document.empty()) return false;
  boost::system::error_code error;
  json::value policy = json::parse(document, error);
  if (error || !policy.is_object()) return false;
  bool allowed = false;
  for (const json::object* statement : Statements(policy)) {
    if (!IsEveryone(statement->if_contains("Principal"))) continue;
    if (!AnyMatches(statement->if_contains("Action"), action, /*case_insensitive=*/true)) continue;
    if (!AnyMatches(statement->if_contains("Resource"), resource, false)) continue;
    const json::value* effect = statement->if_contains("Effect");
    if (effect == nullptr || !effect->is_string()) continue;
    if (effect->as_string() == "Deny") return false;
    allowed = true;
  }
  return allowed;
}

}  // namespace serval::s3
