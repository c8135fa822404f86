#include "common/json_fields.h"

#include <boost/json.hpp>

namespace serval {

namespace json = boost::json;

std::string StringMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(json::string_view(key.data(), key.size()));
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

int64_t IntMember(const json::object& object, std::string_view key, int64_t fallback) {
  const json::value* value = object.if_contains(json::string_view(key.data(), key.size()));
  return value && value->is_int64() ? value->get_int64() : fallback;
}

json::object StringMapToJson(const std::map<std::string, std::string>& map) {
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

std::map<std::string, std::string> StringMapFromJson(const json::value* value) {
  std::map<std::string, std::string> map;
  if (!value || !value->is_object()) return map;
  for (const auto& [key, entry] : value->get_object()) {
    if (entry.is_string()) map[std::string(key)] = std::string(entry.get_string());
  }
  return map;
}

json::parse_options DeepParseOptions() {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return options;
}

absl::StatusOr<json::object> ParseStoredObject(std::string_view text) {
  json::error_code ec;
  json::value parsed =
      json::parse(json::string_view(text.data(), text.size()), ec, {}, DeepParseOptions());
  if (ec || !parsed.is_object()) return absl::DataLossError("stored record is not a JSON object");
  return std::move(parsed.get_object());
}

}  // namespace serval
