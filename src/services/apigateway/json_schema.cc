#include "services/apigateway/json_schema.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>

#include <boost/json.hpp>
#include <cmath>

#include "services/apigateway/request_body.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// Deeper than this, a schema is taken to refer to itself without end.
constexpr int kMaxDepth = 64;

absl::Status Violation(std::string_view what) {
  return absl::InvalidArgumentError(std::string(what));
}
absl::Status Unusable(std::string_view what) {
  return absl::FailedPreconditionError(std::string(what));
}

bool IsInteger(const json::value& value) {
  if (value.is_int64() || value.is_uint64()) return true;
  return value.is_double() && std::trunc(value.get_double()) == value.get_double();
}

double NumberOf(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  return value.get_double();
}

bool HasType(const json::value& value, std::string_view type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_bool();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") return IsInteger(value);
  return false;
}

// JSON equality where 1 and 1.0 are the same number, as JSON Schema compares for enum and
// uniqueItems.
bool SameJson(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return NumberOf(a) == NumberOf(b);
  if (a.is_array() && b.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameJson(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [key, value] : x) {
      const json::value* other = y.if_contains(key);
      if (other == nullptr || !SameJson(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

size_t CodePoints(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Whether `pattern` (ECMA 262 in the standard; PCRE2 reads the subset schemas use) matches
// anywhere in `text`.
absl::StatusOr<bool> PatternFinds(std::string_view pattern, std::string_view text) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (code == nullptr) return Unusable(fmt::format("pattern {} does not compile", pattern));
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
  const int result = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                                 data, nullptr);
  pcre2_match_data_free(data);
  pcre2_code_free(code);
  return result >= 0;
}

// One validation: the root schema (for "#/..." references) and the resolver of the others.
class Validator {
 public:
  explicit Validator(const SchemaResolver& resolve) : resolve_(resolve) {}

  absl::Status Check(const json::value& instance, const json::value& schema, int depth);

 private:
  // The schema `ref` names, relative to `root`.
  absl::StatusOr<const json::value*> Resolve(std::string_view ref, const json::value& root);
  absl::Status CheckObject(const json::object& instance, const json::object& schema, int depth);
  absl::Status CheckArray(const json::array& instance, const json::object& schema, int depth);
  absl::Status CheckNumber(const json::value& instance, const json::object& schema);
  absl::Status CheckString(std::string_view instance, const json::object& schema);
  absl::Status CheckCombinators(const json::value& instance, const json::object& schema, int depth);

  const SchemaResolver& resolve_;
  std::vector<const json::value*> roots_;  // the document each nesting level's refs start from
};

absl::StatusOr<const json::value*> Validator::Resolve(std::string_view ref,
                                                      const json::value& root) {
  if (ref.starts_with("#")) {
    ref.remove_prefix(1);
    const json::value* at = &root;
    while (!ref.empty()) {
      if (!ref.starts_with('/') || !at->is_object()) return Unusable("bad $ref");
      ref.remove_prefix(1);
      const size_t slash = ref.find('/');
      const std::string key = UnescapePointer(ref.substr(0, slash));
      ref = slash == std::string_view::npos ? std::string_view() : ref.substr(slash);
      at = at->get_object().if_contains(key);
      if (at == nullptr) return Unusable("unknown $ref");
    }
    return at;
  }
  const json::value* other = resolve_ ? resolve_(ref) : nullptr;
  if (other == nullptr) return Unusable(fmt::format("unknown $ref {}", ref));
  return other;
}

absl::Status Validator::Check(const json::value& instance, const json::value& schema_value,
                              int depth) {
  if (depth > kMaxDepth) return Unusable("the schema nests too deep");
  if (schema_value.is_bool()) {
    return schema_value.get_bool() ? absl::OkStatus() : Violation("the schema is false");
  }
  if (!schema_value.is_object()) return absl::OkStatus();
  const json::object& schema = schema_value.get_object();
  if (roots_.empty()) roots_.push_back(&schema_value);
  if (const json::value* ref = schema.if_contains("$ref"); ref && ref->is_string()) {
    absl::StatusOr<const json::value*> target = Resolve(ref->get_string(), *roots_.back());
    if (!target.ok()) return target.status();
    // Another model's own "#/..." references start from that model.
    const bool other_document = !ref->get_string().starts_with("#");
    if (other_document) roots_.push_back(*target);
    absl::Status checked = Check(instance, **target, depth + 1);
    if (other_document) roots_.pop_back();
    return checked;  // draft 4: $ref replaces its siblings
  }
  if (const json::value* type = schema.if_contains("type")) {
    bool any = false;
    if (type->is_string()) {
      any = HasType(instance, type->get_string());
    } else if (type->is_array()) {
      for (const json::value& one : type->get_array()) {
        any |= one.is_string() && HasType(instance, one.get_string());
      }
    }
    if (!any)
      return Violation(fmt::format("instance type does not match {}", json::serialize(*type)));
  }
  if (const json::value* options = schema.if_contains("enum"); options && options->is_array()) {
    bool found = false;
    for (const json::value& option : options->get_array()) found |= SameJson(option, instance);
    if (!found) return Violation("instance is not one of the enum values");
  }
  absl::Status status;
  if (instance.is_object()) {
    status = CheckObject(instance.get_object(), schema, depth);
  } else if (instance.is_array()) {
    status = CheckArray(instance.get_array(), schema, depth);
  } else if (instance.is_number()) {
    status = CheckNumber(instance, schema);
  } else if (instance.is_string()) {
    status = CheckString(instance.get_string(), schema);
  }
  if (!status.ok()) return status;
  return CheckCombinators(instance, schema, depth);
}

absl::Status Validator::CheckObject(const json::object& instance, const json::object& schema,
                                    int depth) {
  if (const json::value* required = schema.if_contains("required");
      required && required->is_array()) {
    for (const json::value& name : required->get_array()) {
      if (name.is_string() && !instance.contains(name.get_string())) {
        return Violation(fmt::format("object has missing required property {}",
                                     std::string_view(name.get_string())));
      }
    }
  }
  const int64_t size = static_cast<int64_t>(instance.size());
  if (const json::value* min = schema.if_contains("minProperties");
      min && min->is_number() && size < NumberOf(*min)) {
    return Violation("object has too few properties");
  }
  if (const json::value* max = schema.if_contains("maxProperties");
      max && max->is_number() && size > NumberOf(*max)) {
    return Violation("object has too many properties");
  }
  const json::value* properties = schema.if_contains("properties");
  const json::value* patterns = schema.if_contains("patternProperties");
  const json::value* additional = schema.if_contains("additionalProperties");
  for (const auto& [key, value] : instance) {
    bool declared = false;
    if (properties && properties->is_object()) {
      if (const json::value* sub = properties->get_object().if_contains(key)) {
        declared = true;
        if (absl::Status checked = Check(value, *sub, depth + 1); !checked.ok()) return checked;
      }
    }
    if (patterns && patterns->is_object()) {
      for (const auto& [pattern, sub] : patterns->get_object()) {
        absl::StatusOr<bool> found = PatternFinds(pattern, key);
        if (!found.ok()) return found.status();
        if (!*found) continue;
        declared = true;
        if (absl::Status checked = Check(value, sub, depth + 1); !checked.ok()) return checked;
      }
    }
    if (!declared && additional != nullptr) {
      if (absl::Status checked = Check(value, *additional, depth + 1); !checked.ok()) {
        return additional->is_bool() ? Violation(fmt::format("object has an additional property {}",
                                                             std::string_view(key)))
                                     : checked;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckArray(const json::array& instance, const json::object& schema,
                                   int depth) {
  const int64_t size = static_cast<int64_t>(instance.size());
  if (const json::value* min = schema.if_contains("minItems");
      min && min->is_number() && size < NumberOf(*min)) {
    return Violation("array is too short");
  }
  if (const json::value* max = schema.if_contains("maxItems");
      max && max->is_number() && size > NumberOf(*max)) {
    return Violation("array is too long");
  }
  if (const json::value* unique = schema.if_contains("uniqueItems");
      unique && unique->is_bool() && unique->get_bool()) {
    for (size_t i = 0; i < instance.size(); ++i) {
      for (size_t j = i + 1; j < instance.size(); ++j) {
        if (SameJson(instance[i], instance[j])) return Violation("array items are not unique");
      }
    }
  }
  const json::value* items = schema.if_contains("items");
  if (items == nullptr) return absl::OkStatus();
  if (!items->is_array()) {
    for (const json::value& item : instance) {
      if (absl::Status checked = Check(item, *items, depth + 1); !checked.ok()) return checked;
    }
    return absl::OkStatus();
  }
  const json::array& tuple = items->get_array();
  const json::value* additional = schema.if_contains("additionalItems");
  for (size_t i = 0; i < instance.size(); ++i) {
    const json::value* sub = i < tuple.size() ? &tuple[i] : additional;
    if (sub == nullptr) continue;
    if (absl::Status checked = Check(instance[i], *sub, depth + 1); !checked.ok()) return checked;
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckNumber(const json::value& instance, const json::object& schema) {
  const double number = NumberOf(instance);
  auto flag = [&](std::string_view key) {
    const json::value* value = schema.if_contains(key);
    return value != nullptr && value->is_bool() && value->get_bool();
  };
  if (const json::value* min = schema.if_contains("minimum"); min && min->is_number()) {
    const double bound = NumberOf(*min);
    if (number < bound || (flag("exclusiveMinimum") && number == bound)) {
      return Violation("number is below the minimum");
    }
  }
  if (const json::value* max = schema.if_contains("maximum"); max && max->is_number()) {
    const double bound = NumberOf(*max);
    if (number > bound || (flag("exclusiveMaximum") && number == bound)) {
      return Violation("number is above the maximum");
    }
  }
  if (const json::value* factor = schema.if_contains("multipleOf");
      factor && factor->is_number() && NumberOf(*factor) > 0) {
    const double quotient = number / NumberOf(*factor);
    if (std::abs(quotient - std::round(quotient)) > 1e-9) {
      return Violation("number is not a multiple of multipleOf");
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckString(std::string_view instance, const json::object& schema) {
  const auto length = static_cast<double>(CodePoints(instance));
  if (const json::value* min = schema.if_contains("minLength");
      min && min->is_number() && length < NumberOf(*min)) {
    return Violation("string is too short");
  }
  if (const json::value* max = schema.if_contains("maxLength");
      max && max->is_number() && length > NumberOf(*max)) {
    return Violation("string is too long");
  }
  if (const json::value* pattern = schema.if_contains("pattern"); pattern && pattern->is_string()) {
    absl::StatusOr<bool> found = PatternFinds(pattern->get_string(), instance);
    if (!found.ok()) return found.status();
    if (!*found) return Violation("string does not match the pattern");
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckCombinators(const json::value& instance, const json::object& schema,
                                         int depth) {
  // How many of the schemas `key` lists the instance satisfies; an unusable schema stops all.
  auto satisfied = [&](std::string_view key) -> absl::StatusOr<std::pair<size_t, size_t>> {
    const json::value* list = schema.if_contains(key);
    if (list == nullptr || !list->is_array()) return std::pair<size_t, size_t>(0, 0);
    size_t passed = 0;
    for (const json::value& sub : list->get_array()) {
      absl::Status checked = Check(instance, sub, depth + 1);
      if (absl::IsFailedPrecondition(checked)) return checked;
      passed += checked.ok();
    }
    return std::pair(passed, list->get_array().size());
  };
  absl::StatusOr<std::pair<size_t, size_t>> all = satisfied("allOf");
  if (!all.ok()) return all.status();
  if (all->first != all->second) return Violation("instance fails a schema of allOf");
  absl::StatusOr<std::pair<size_t, size_t>> any = satisfied("anyOf");
  if (!any.ok()) return any.status();
  if (any->second > 0 && any->first == 0) return Violation("instance fails every schema of anyOf");
  absl::StatusOr<std::pair<size_t, size_t>> one = satisfied("oneOf");
  if (!one.ok()) return one.status();
  if (one->second > 0 && one->first != 1) {
    return Violation("instance does not satisfy exactly one schema of oneOf");
  }
  if (const json::value* negated = schema.if_contains("not")) {
    absl::Status checked = Check(instance, *negated, depth + 1);
    if (absl::IsFailedPrecondition(checked)) return checked;
    if (checked.ok()) return Violation("instance satisfies the schema of not");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateJson(const json::value& instance, const json::value& schema,
                          const SchemaResolver& resolve) {
  return Validator(resolve).Check(instance, schema, 0);
}

}  // namespace serval::apigateway
