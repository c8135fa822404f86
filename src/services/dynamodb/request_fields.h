#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/dynamodb/item_store.h"
#include "services/dynamodb/table_schema.h"

// Reading and checking the members of DynamoDB requests, with AWS's messages. Pure functions.
namespace serval::dynamodb {

// A string member; MissingParameter(`wire_name`) when required and absent, SerializationException
// when it is not a string.
absl::StatusOr<std::string> RequiredString(const boost::json::object& input, std::string_view name,
                                           std::string_view wire_name);
absl::StatusOr<std::optional<std::string>> OptionalString(const boost::json::object& input,
                                                          std::string_view name);
absl::StatusOr<bool> OptionalBool(const boost::json::object& input, std::string_view name,
                                  bool fallback);
absl::StatusOr<std::optional<int64_t>> OptionalInt(const boost::json::object& input,
                                                   std::string_view name);
// An object member (Key, Item, ExclusiveStartKey...), copied; nullopt when absent.
absl::StatusOr<std::optional<boost::json::object>> OptionalObject(const boost::json::object& input,
                                                                  std::string_view name);
// An enum member: its value, `fallback` when absent, or "1 validation error detected: Value 'x'
// at '<wire_name>' failed to satisfy constraint: Member must satisfy enum value set: [...]".
absl::StatusOr<std::string> EnumMember(const boost::json::object& input, std::string_view name,
                                       std::string_view wire_name,
                                       std::initializer_list<std::string_view> allowed,
                                       std::string_view fallback);

// Checks a Key (exactly the key attributes, of the right types, not empty, within size limits)
// and returns it normalized with its encoding.
struct CheckedKey {
  boost::json::object attributes;
  ItemKey key;
};
absl::StatusOr<CheckedKey> CheckKey(const TableSchema& table, boost::json::object key);
// Checks a whole item to be stored: normalized values, the table's and every index's key
// attributes of the right types and not empty, key and item sizes.
absl::Status CheckItem(const TableSchema& table, boost::json::object& item);

// ReturnConsumedCapacity: NONE (the default), TOTAL or INDEXES (capacity.h reports them).
absl::StatusOr<std::string> ConsumedCapacityMode(const boost::json::object& input);

}  // namespace serval::dynamodb
