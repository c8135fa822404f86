#include "services/s3/post_policy.h"

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/text.h"
#include "common/time_format.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace {

absl::Status InvalidPolicy(std::string_view detail) {
  return S3Error(400, "InvalidPolicyDocument", "Invalid Policy: " + std::string(detail));
}

absl::Status PolicyRefused(std::string_view detail) {
  return S3Error(403, "AccessDenied", "Invalid according to Policy: " + std::string(detail));
}

// "2026-12-02T18:00:00Z" or "2026-12-02T18:00:00.000Z", as botocore and the JS SDK write it.
bool ParseExpiration(std::string_view text, int64_t* millis) {
  if (text.size() != 20 && !(text.size() == 24 && text[19] == '.')) return false;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z') {
    return false;
  }
  int fraction = 0;
  if (text.size() == 24 && !ParseDigits(text.substr(20, 3), &fraction)) return false;
  const std::string amz_date = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) +
                               std::string(text.substr(8, 2)) + "T" +
                               std::string(text.substr(11, 2)) + std::string(text.substr(14, 2)) +
                               std::string(text.substr(17, 2)) + "Z";
  int64_t seconds = 0;
  if (!ParseAmzDate(amz_date, &seconds)) return false;
  *millis = seconds * 1000 + fraction;
  return true;
}

// A condition's value as text: strings as they are, numbers written out; nullopt otherwise.
std::optional<std::string> TextOf(const boost::json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  return std::nullopt;
}

std::optional<uint64_t> SizeOf(const boost::json::value& value) {
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<uint64_t>(value.get_int64());
  if (value.is_uint64()) return value.get_uint64();
  uint64_t size = 0;
  if (value.is_string() && ParseDecimal(std::string_view(value.get_string()), &size)) return size;
  return std::nullopt;
}

std::string Quoted(std::string_view text) { return boost::json::serialize(boost::json::string(text)); }

absl::StatusOr<PostCondition> ParseCondition(const boost::json::value& entry) {
  PostCondition condition;
  if (entry.is_object()) {
    const boost::json::object& object = entry.get_object();
    if (object.size() != 1) {
      return InvalidPolicy(
          "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
          "specified.");
    }
    const auto& [name, value] = *object.begin();
    std::optional<std::string> text = TextOf(value);
    if (!text) return InvalidPolicy("Invalid Simple-Condition: value must be a string.");
    condition.field = AsciiToLower(std::string_view(name));
    condition.value = *std::move(text);
    condition.text = "[\"eq\", " + Quoted("$" + std::string(std::string_view(name))) + ", " +
                     Quoted(condition.value) + "]";
    return condition;
  }
  if (!entry.is_array() || entry.get_array().size() != 3 || !entry.get_array()[0].is_string()) {
    return InvalidPolicy("Invalid Condition: conditions must be objects or arrays of three.");
  }
  const boost::json::array& array = entry.get_array();
  condition.text = "[";
  for (size_t i = 0; i < array.size(); ++i) {
    condition.text += (i ? ", " : "") + boost::json::serialize(array[i]);
  }
  condition.text += "]";
  const std::string operation = AsciiToLower(std::string_view(array[0].get_string()));
  if (operation == "content-length-range") {
    condition.kind = PostCondition::Kind::kContentLengthRange;
    std::optional<uint64_t> min = SizeOf(array[1]);
    std::optional<uint64_t> max = SizeOf(array[2]);
    condition.bounds_valid = min && max;
    condition.min = min.value_or(0);
    condition.max = max.value_or(0);
    return condition;
  }
  if (operation != "eq" && operation != "starts-with") {
    return InvalidPolicy("Invalid Condition: unknown operation '" + operation + "'.");
  }
  condition.kind =
      operation == "eq" ? PostCondition::Kind::kEquals : PostCondition::Kind::kStartsWith;
  std::optional<std::string> name = TextOf(array[1]);
  std::optional<std::string> value = TextOf(array[2]);
  if (!name || !value) return InvalidPolicy("Invalid Condition: values must be strings.");
  // A name without its '$' names no field: the condition can never hold.
  condition.field = name->starts_with('$') ? AsciiToLower(name->substr(1)) : "";
  condition.value = *std::move(value);
  return condition;
}

bool Holds(const PostCondition& condition, std::string_view value) {
  if (condition.kind == PostCondition::Kind::kEquals) return value == condition.value;
  if (condition.field != "content-type") return value.starts_with(condition.value);
  // A Content-Type naming several types (comma-separated) meets the condition only if each does.
  for (std::string_view type : SplitOn(value, ',')) {
    if (!TrimBlanks(type).starts_with(condition.value)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<PostPolicy> ParsePostPolicy(std::string_view base64_policy) {
  absl::StatusOr<std::string> text = Base64Decode(TrimBlanks(base64_policy));
  if (!text.ok()) return InvalidPolicy("Invalid JSON.");
  boost::system::error_code error;
  boost::json::value document = boost::json::parse(*text, error);
  if (error || !document.is_object()) return InvalidPolicy("Invalid JSON.");
  const boost::json::object& object = document.get_object();
  PostPolicy policy;
  const boost::json::value* expiration = object.if_contains("expiration");
  if (expiration == nullptr) return InvalidPolicy("Policy missing expiration.");
  if (!expiration->is_string() ||
      !ParseExpiration(std::string_view(expiration->get_string()), &policy.expiration_millis)) {
    return InvalidPolicy("Invalid 'expiration' value: '" +
                         (expiration->is_string() ? std::string(expiration->get_string())
                                                  : boost::json::serialize(*expiration)) +
                         "'");
  }
  const boost::json::value* conditions = object.if_contains("conditions");
  if (conditions == nullptr) return InvalidPolicy("Policy missing conditions.");
  if (!conditions->is_array()) return InvalidPolicy("Invalid 'conditions' value: not an array.");
  for (const boost::json::value& entry : conditions->get_array()) {
    absl::StatusOr<PostCondition> condition = ParseCondition(entry);
    if (!condition.ok()) return condition.status();
    policy.conditions.push_back(*std::move(condition));
  }
  return policy;
}

absl::Status CheckPostPolicy(const PostPolicy& policy, const PostFields& fields,
                             std::string_view bucket, int64_t now_millis,
                             const std::vector<std::string_view>& exempt) {
  if (now_millis >= policy.expiration_millis) return PolicyRefused("Policy expired.");
  for (const PostCondition& condition : policy.conditions) {
    if (condition.kind == PostCondition::Kind::kContentLengthRange) {
      if (condition.bounds_valid) continue;
      return PolicyRefused("Policy Condition failed: " + condition.text);
    }
    std::optional<std::string_view> value;
    if (condition.field == "bucket") {
      value = bucket;
    } else if (auto found = fields.find(condition.field); found != fields.end()) {
      value = found->second;
    }
    if (!value || !Holds(condition, *value)) {
      return PolicyRefused("Policy Condition failed: " + condition.text);
    }
  }
  for (const auto& field : fields) {
    const std::string& name = field.first;  // a binding clang 14 can capture
    if (name.starts_with("x-ignore-") ||
        std::find(exempt.begin(), exempt.end(), name) != exempt.end()) {
      continue;
    }
    const bool covered = std::any_of(
        policy.conditions.begin(), policy.conditions.end(), [&name](const PostCondition& c) {
          return c.kind != PostCondition::Kind::kContentLengthRange && c.field == name;
        });
    if (!covered) return PolicyRefused("Extra input fields: " + name);
  }
  return absl::OkStatus();
}

absl::Status CheckPostContentLength(const PostPolicy& policy, uint64_t size) {
  for (const PostCondition& condition : policy.conditions) {
    if (condition.kind != PostCondition::Kind::kContentLengthRange) continue;
    if (size > condition.max) return EntityTooLarge(size, condition.max);
    if (size < condition.min) {
      return WithErrorField(
          WithErrorField(S3Error(400, "EntityTooSmall",
                                 "Your proposed upload is smaller than the minimum allowed size"),
                         "ProposedSize", std::to_string(size)),
          "MinSizeAllowed", std::to_string(condition.min));
    }
  }
  return absl::OkStatus();
}

}  // namespace serval::s3
