#include "services/events/request_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/aws_error.h"
#include "protocol/validation.h"

namespace serval::events {

namespace json = boost::json;

absl::Status Validation(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message);
}

absl::Status NotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", message);
}

namespace {
bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}
}  // namespace

absl::Status CheckName(std::string_view value, std::string_view field) {
  if (value.empty() || value.size() > 64 || !std::all_of(value.begin(), value.end(), IsNameChar)) {
    return protocol::ValidationFailed(
        value, field,
        "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length "
        "between 1 and 64");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> OptionalString(const json::object& body, const char* key) {
  const json::value* value = body.if_contains(key);
  if (!value || value->is_null()) return std::string();
  if (!value->is_string()) {
    return AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                    fmt::format("Start of structure or map found where not expected ({})", key));
  }
  return std::string(value->get_string());
}

absl::StatusOr<std::string> RequiredString(const json::object& body, const char* key) {
  auto value = OptionalString(body, key);
  if (value.ok() && value->empty()) {
    return protocol::MissingMember(key);
  }
  return value;
}

absl::StatusOr<ListRequest> ReadListRequest(const json::object& body) {
  auto prefix = OptionalString(body, "NamePrefix");
  auto token = OptionalString(body, "NextToken");
  if (!prefix.ok()) return prefix.status();
  if (!token.ok()) return token.status();
  ListRequest request{.prefix = *std::move(prefix), .token = *std::move(token)};
  if (const json::value* value = body.if_contains("Limit"); value && !value->is_null()) {
    if (!value->is_int64() || value->get_int64() < 1 || value->get_int64() > request.limit) {
      return protocol::ValidationFailed(json::serialize(*value), "limit",
                                        "Member must have value between 1 and 100");
    }
    request.limit = static_cast<int>(value->get_int64());
  }
  return request;
}

absl::StatusOr<std::map<std::string, std::string>> ReadTags(const json::object& body) {
  std::map<std::string, std::string> tags;
  const json::value* list = body.if_contains("Tags");
  if (!list || list->is_null()) return tags;
  if (!list->is_array()) return Validation("Tags must be a list of {Key, Value}");
  for (const json::value& item : list->get_array()) {
    const json::object* tag = item.if_object();
    const json::value* key = tag ? tag->if_contains("Key") : nullptr;
    const json::value* value = tag ? tag->if_contains("Value") : nullptr;
    if (!key || !key->is_string() || !value || !value->is_string() || key->get_string().empty()) {
      return Validation("Each tag needs a string Key and Value");
    }
    tags[std::string(key->get_string())] = std::string(value->get_string());
  }
  return tags;
}

json::array TagList(const std::map<std::string, std::string>& tags) {
  json::array list;
  for (const auto& [key, value] : tags)
    list.push_back(json::object{{"Key", key}, {"Value", value}});
  return list;
}

TargetInputSpec InputSpecOf(const Target& target) {
  TargetInputSpec spec;
  if (!target.input.empty()) spec.input = target.input;
  if (!target.input_path.empty()) spec.input_path = target.input_path;
  if (target.has_transformer) {
    spec.input_transformer = InputTransformer{.input_paths_map = target.transformer.input_paths_map,
                                              .input_template = target.transformer.input_template};
  }
  return spec;
}

}  // namespace serval::events
