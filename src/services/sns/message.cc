#include "services/sns/message.h"

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "common/time_format.h"
#include "fmt/format.h"
#include "protocol/query.h"
#include "services/sns/sns_errors.h"

namespace serval::sns {
namespace {

namespace json = boost::json;

bool IsNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

absl::Status CheckAttributeName(std::string_view name) {
  if (name.empty()) return ParameterValueInvalid("The message attribute name can not be empty.");
  if (name.size() > 256) {
    return ParameterValueInvalid("Length of message attribute name must be less than 256 bytes.");
  }
  if (name.front() == '.') {
    return ParameterValueInvalid(
        "Invalid message attribute name starting with character '.' was found.");
  }
  if (name.back() == '.') {
    return ParameterValueInvalid(
        "Invalid message attribute name ending with character '.' was found.");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameCharacter(name[i])) {
      return ParameterValueInvalid(
          fmt::format("Invalid non-alphanumeric character '#x{:X}' was found in the message "
                      "attribute name. Can only include alphanumeric characters, hyphens, "
                      "underscores, or dots.",
                      static_cast<unsigned char>(name[i])));
    }
    if (name[i] == '.' && i > 0 && name[i - 1] == '.') {
      return ParameterValueInvalid("Message attribute name can not have successive '.' character.");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAttribute(const std::string& name, const MessageAttribute& attribute,
                            bool has_string, bool has_binary) {
  const std::string_view type = attribute.data_type;
  const std::string_view prefix = type.substr(0, type.find('.'));
  if (prefix != "String" && prefix != "Number" && prefix != "Binary") {
    return ParameterValueInvalid(
        fmt::format("The message attribute '{}' has an invalid message attribute type, the set of "
                    "supported type prefixes is Binary, Number, and String.",
                    name));
  }
  const bool needs_binary = prefix == "Binary";
  if (needs_binary ? !has_binary : !has_string) {
    return ParameterValueInvalid(
        fmt::format("The message attribute '{}' with type '{}' must use field '{}'.", name, type,
                    needs_binary ? "Binary" : "String"));
  }
  if (attribute.value.empty()) {
    return ParameterValueInvalid(
        fmt::format("The message attribute '{}' must contain non-empty message attribute value "
                    "for message attribute type '{}'.",
                    name, type));
  }
  double number = 0;
  if (prefix == "Number" && !absl::SimpleAtod(attribute.value, &number)) {
    return ParameterValueInvalid(
        fmt::format("Could not cast message attribute '{}' value to number.", name));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MessageAttributes> ParseMessageAttributes(
    const std::map<std::string, std::string>& parameters, std::string_view prefix) {
  MessageAttributes attributes;
  for (auto& [index, fields] : protocol::QueryMembers(parameters, std::string(prefix) + ".entry")) {
    const std::string name = fields["Name"];
    if (absl::Status status = CheckAttributeName(name); !status.ok()) return status;
    const bool has_string = fields.contains("Value.StringValue");
    const bool has_binary = fields.contains("Value.BinaryValue");
    MessageAttribute attribute{
        .data_type = fields["Value.DataType"],
        .value = has_binary ? fields["Value.BinaryValue"] : fields["Value.StringValue"]};
    if (attribute.data_type.empty()) {
      return ParameterValueInvalid(fmt::format(
          "The message attribute '{}' must contain non-empty message attribute type.", name));
    }
    if (absl::Status status = CheckAttribute(name, attribute, has_string, has_binary);
        !status.ok()) {
      return status;
    }
    attributes[name] = std::move(attribute);
  }
  return attributes;
}

size_t AttributesSize(const MessageAttributes& attributes) {
  size_t size = 0;
  for (const auto& [name, attribute] : attributes) {
    size += name.size() + attribute.data_type.size() + attribute.value.size();
  }
  return size;
}

const std::string& Message::BodyFor(std::string_view protocol) const {
  auto found = per_protocol.find(std::string(protocol));
  return found == per_protocol.end() ? body : found->second;
}

absl::Status ParseStructuredMessage(std::string_view text, Message& message) {
  boost::system::error_code error;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), error);
  if (error || !parsed.is_object()) {
    return InvalidParameter("Message Structure - JSON message body failed to parse");
  }
  const json::value* fallback = parsed.as_object().if_contains("default");
  if (fallback == nullptr || !fallback->is_string()) {
    return InvalidParameter("Message Structure - No default entry in JSON message body");
  }
  message.body = std::string(fallback->as_string());
  // Members that are not strings are ignored, as SNS ignores them.
  for (const auto& member : parsed.as_object()) {
    if (member.key() == "default" || !member.value().is_string()) continue;
    message.per_protocol[std::string(member.key())] = std::string(member.value().as_string());
  }
  return absl::OkStatus();
}

std::string SnsTimestamp(int64_t millis) { return FormatIso8601Millis(millis); }

}  // namespace serval::sns
