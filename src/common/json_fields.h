#pragma once

#include <boost/json/fwd.hpp>
#include <boost/json/parse_options.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval {

// Small readers and writers for the JSON documents Serval stores and serves. Thread-safe (pure
// functions).

// The member as a string; empty when it is absent or not a string.
std::string StringMember(const boost::json::object& object, std::string_view key);
// The member as an integer; `fallback` when it is absent or not an integer.
int64_t IntMember(const boost::json::object& object, std::string_view key, int64_t fallback);

boost::json::object StringMapToJson(const std::map<std::string, std::string>& map);
// The string members of `value` (an object; anything else gives an empty map).
std::map<std::string, std::string> StringMapFromJson(const boost::json::value* value);

// How deep the JSON Serval parses (requests, stored records) may nest. Boost.JSON's default, 32,
// is too shallow for DynamoDB: an item nests values 32 levels deep, and each level is two JSON
// levels in the wire form ({"M": {"name": {...}}}).
inline constexpr size_t kMaxJsonDepth = 256;
boost::json::parse_options DeepParseOptions();

// Parses a stored record that must be a JSON object (DataLoss otherwise), as deep as
// kMaxJsonDepth.
absl::StatusOr<boost::json::object> ParseStoredObject(std::string_view text);

}  // namespace serval
