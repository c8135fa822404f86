#pragma once

#include <boost/json/fwd.hpp>
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

// Parses a stored record that must be a JSON object (DataLoss otherwise).
absl::StatusOr<boost::json::object> ParseStoredObject(std::string_view text);

}  // namespace serval
