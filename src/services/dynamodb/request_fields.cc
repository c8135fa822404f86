#include "services/dynamodb/request_fields.h"

#include <boost/json.hpp>
#include <cmath>

#include "common/aws_error.h"
#include "protocol/validation.h"
#include "services/dynamodb/dynamodb_errors.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

constexpr size_t kMaxItemBytes = 400 * 1024;
constexpr size_t kMaxHashKeyBytes = 2048;
constexpr size_t kMaxRangeKeyBytes = 1024;

// Checks one key attribute of `item` named by a key schema: present, of the declared type, not
// empty, small enough. `index_name` is empty for the table's own key.
absl::Status CheckKeyAttribute(const json::object& item, const std::string& name,
                               AttributeType type, size_t max_bytes, std::string_view index_name) {
  const json::value* value = item.if_contains(name);
  if (index_name.empty() && value == nullptr) {
    return ValidationError("One or more parameter values were invalid: Missing the key " + name +
                           " in the item");
  }
  if (value == nullptr) return absl::OkStatus();  // not in a sparse index
  if (TypeOf(*value) != type) {
    if (index_name.empty()) {
      return ValidationError("One or more parameter values were invalid: Type mismatch for key " +
                             name + " expected: " + std::string(TypeName(type)) +
                             " actual: " + std::string(TypeName(TypeOf(*value))));
    }
    return ValidationError(
        "One or more parameter values were invalid: Type mismatch for Index Key " + name +
        " Expected: " + std::string(TypeName(type)) + " Actual: " +
        std::string(TypeName(TypeOf(*value))) + " IndexName: " + std::string(index_name));
  }
  const size_t size = ValueSize(*value);
  if (size == 0) {
    if (index_name.empty()) {
      return ValidationError(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an empty string value. Key: " +
          name);
    }
    return ValidationError(
        "One or more parameter values are not valid. A value specified for a secondary index key "
        "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
        "value. IndexName: " +
        std::string(index_name) + ", IndexKey: " + name);
  }
  if (size > max_bytes) {
    return ValidationError(
        max_bytes == kMaxHashKeyBytes
            ? "One or more parameter values were invalid: Size of hashkey has exceeded the "
              "maximum size limit of2048 bytes"
            : "One or more parameter values were invalid: Aggregated size of all range keys has "
              "exceeded the size limit of 1024 bytes");
  }
  return absl::OkStatus();
}

absl::Status CheckKeySchema(const json::object& item, const KeySchema& key,
                            std::string_view index_name) {
  if (auto status =
          CheckKeyAttribute(item, key.hash_name, key.hash_type, kMaxHashKeyBytes, index_name);
      !status.ok()) {
    return status;
  }
  if (!key.has_range()) return absl::OkStatus();
  return CheckKeyAttribute(item, key.range_name, key.range_type, kMaxRangeKeyBytes, index_name);
}

}  // namespace

absl::StatusOr<std::string> RequiredString(const json::object& input, std::string_view name,
                                           std::string_view wire_name) {
  const json::value* value = input.if_contains(name);
  if (value == nullptr || value->is_null()) return MissingParameter(wire_name);
  if (!value->is_string()) return protocol::WrongMemberType(name);
  return std::string(value->get_string());
}

absl::StatusOr<std::optional<std::string>> OptionalString(const json::object& input,
                                                          std::string_view name) {
  const json::value* value = input.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) return protocol::WrongMemberType(name);
  return std::optional<std::string>(std::string(value->get_string()));
}

absl::StatusOr<bool> OptionalBool(const json::object& input, std::string_view name, bool fallback) {
  const json::value* value = input.if_contains(name);
  if (value == nullptr || value->is_null()) return fallback;
  if (!value->is_bool()) return protocol::WrongMemberType(name);
  return value->get_bool();
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const json::object& input,
                                                   std::string_view name) {
  const json::value* value = input.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (value->is_int64()) return std::optional<int64_t>(value->get_int64());
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX) {
    return std::optional<int64_t>(static_cast<int64_t>(value->get_uint64()));
  }
  return protocol::WrongMemberType(name);
}

absl::StatusOr<std::optional<json::object>> OptionalObject(const json::object& input,
                                                           std::string_view name) {
  const json::value* value = input.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<json::object>();
  if (!value->is_object()) return protocol::WrongMemberType(name);
  return std::optional<json::object>(value->get_object());
}

absl::StatusOr<std::string> EnumMember(const json::object& input, std::string_view name,
                                       std::string_view wire_name,
                                       std::initializer_list<std::string_view> allowed,
                                       std::string_view fallback) {
  auto value = OptionalString(input, name);
  if (!value.ok()) return value.status();
  if (!*value) return std::string(fallback);
  std::string options;
  for (std::string_view option : allowed) {
    if (**value == option) return **value;
    options += (options.empty() ? "" : ", ") + std::string(option);
  }
  return ValidationError(
      "1 validation error detected: Value '" + **value + "' at '" + std::string(wire_name) +
      "' failed to satisfy constraint: Member must satisfy enum value set: [" + options + "]");
}

absl::StatusOr<CheckedKey> CheckKey(const TableSchema& table, json::object key) {
  const auto mismatch = [] {
    return ValidationError("The provided key element does not match the schema");
  };
  const size_t expected = table.key.has_range() ? 2 : 1;
  if (key.size() != expected || !key.contains(table.key.hash_name) ||
      (table.key.has_range() && !key.contains(table.key.range_name))) {
    return mismatch();
  }
  if (auto status = NormalizeItem(key); !status.ok()) return status;
  if (TypeOf(key.at(table.key.hash_name)) != table.key.hash_type ||
      (table.key.has_range() && TypeOf(key.at(table.key.range_name)) != table.key.range_type)) {
    return mismatch();
  }
  if (auto status = CheckKeySchema(key, table.key, ""); !status.ok()) return status;
  ItemKey encoded = KeyOf(table.key, key);
  return CheckedKey{std::move(key), std::move(encoded)};
}

absl::Status CheckItem(const TableSchema& table, json::object& item) {
  if (auto status = NormalizeItem(item); !status.ok()) return status;
  if (auto status = CheckKeySchema(item, table.key, ""); !status.ok()) return status;
  for (const IndexSchema& index : table.indexes) {
    if (auto status = CheckKeySchema(item, index.key, index.name); !status.ok()) return status;
  }
  if (ItemSize(item) > kMaxItemBytes) {
    return ValidationError("Item size has exceeded the maximum allowed size");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ConsumedCapacityMode(const json::object& input) {
  return EnumMember(input, "ReturnConsumedCapacity", "returnConsumedCapacity",
                    {"INDEXES", "TOTAL", "NONE"}, "NONE");
}

}  // namespace serval::dynamodb
