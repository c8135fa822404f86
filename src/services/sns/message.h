#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::sns {

// One message attribute: its DataType ("String", "Number", "Binary", "String.Array", or one of
// those with a custom suffix: "Number.float") and its value (a Binary value as the base64 text
// the client sent). Thread-compatible value type.
struct MessageAttribute {
  std::string data_type;
  std::string value;
  bool binary() const { return data_type.starts_with("Binary"); }
};
using MessageAttributes = std::map<std::string, MessageAttribute>;

// Reads the message attributes of a query request: for prefix "MessageAttributes", the
// parameters MessageAttributes.entry.N.Name, .Value.DataType, .Value.StringValue and
// .Value.BinaryValue, checked as SNS checks them (ParameterValueInvalid with SNS's messages:
// names of letters, digits, "-", "_" and "." without a leading, trailing or doubled ".", at most
// 256 bytes; a type prefix of String, Number or Binary; a non-empty value in the field the type
// needs; a Number that parses; a String.Array that is a JSON array; at most 10 attributes).
absl::StatusOr<MessageAttributes> ParseMessageAttributes(
    const std::map<std::string, std::string>& parameters, std::string_view prefix);

// The bytes a message's attributes count towards the 256 KB limit: each name, type and value.
size_t AttributesSize(const MessageAttributes& attributes);

// A message as Publish accepted it. Thread-compatible value type.
struct Message {
  std::string id;
  std::string topic_arn;
  // The message every protocol gets, or with MessageStructure=json the "default" member.
  std::string body;
  // MessageStructure=json: the string members other than "default", by protocol ("lambda").
  std::map<std::string, std::string> per_protocol;
  std::optional<std::string> subject;
  MessageAttributes attributes;
  int64_t timestamp_millis = 0;
  // FIFO topics.
  std::string group_id;
  std::string deduplication_id;
  std::string sequence_number;

  // What a subscription of `protocol` receives as its Message.
  const std::string& BodyFor(std::string_view protocol) const;
};

// Reads a MessageStructure=json message into `message` (InvalidParameter as SNS words it when the
// text is not a JSON object or has no string "default").
absl::Status ParseStructuredMessage(std::string_view text, Message& message);

// "2019-01-02T12:45:07.000Z", as SNS stamps messages.
std::string SnsTimestamp(int64_t millis);

}  // namespace serval::sns
