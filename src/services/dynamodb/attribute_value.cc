#include "services/dynamodb/attribute_value.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "common/aws_error.h"
#include "common/crypto.h"
#include "services/dynamodb/decimal.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

constexpr int kMaxDigits = 38;
constexpr int kMaxMagnitude = 125;   // 9.99..E+125
constexpr int kMinMagnitude = -130;  // 1E-130
constexpr int kMaxNesting = 32;

constexpr std::array<std::pair<std::string_view, AttributeType>, 10> kTypeNames = {{
    {"S", AttributeType::kS},
    {"N", AttributeType::kN},
    {"B", AttributeType::kB},
    {"SS", AttributeType::kSS},
    {"NS", AttributeType::kNS},
    {"BS", AttributeType::kBS},
    {"M", AttributeType::kM},
    {"L", AttributeType::kL},
    {"NULL", AttributeType::kNull},
    {"BOOL", AttributeType::kBool},
}};

absl::Status Invalid(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message);
}

// A JSON member of the wrong kind: the service's deserializer fails before validation does.
absl::Status Unreadable(std::string_view type) {
  return AwsError(
      absl::StatusCode::kInvalidArgument, "SerializationException",
      "Unexpected value type in payload for attribute value of type " + std::string(type));
}

Decimal ParseNormalized(std::string_view number) {
  auto parsed = Decimal::Parse(number);
  return parsed.ok() ? *std::move(parsed) : Decimal{};  // normalized input always parses
}

absl::StatusOr<std::string> Checked(const Decimal& number) {
  if (number.IsZero()) return std::string("0");
  if (number.Magnitude() > kMaxMagnitude) {
    return Invalid(
        "Number overflow. Attempting to store a number with magnitude larger than supported "
        "range");
  }
  if (number.Magnitude() < kMinMagnitude) {
    return Invalid(
        "Number underflow. Attempting to store a number with magnitude smaller than supported "
        "range");
  }
  if (static_cast<int>(number.digits.size()) > kMaxDigits) {
    return Invalid("Attempting to store more than 38 significant digits in a Number");
  }
  return number.Format();
}

// Sets: every element of the right JSON kind, normalized, none twice, at least one.
absl::Status NormalizeSet(AttributeType type, json::value& payload) {
  json::array* elements = payload.if_array();
  if (elements == nullptr) return Unreadable(TypeName(type));
  if (elements->empty()) {
    const std::string_view kind = type == AttributeType::kSS   ? "string"
                                  : type == AttributeType::kNS ? "number"
                                                               : "binary";
    // AWS's text, with its article and its double space.
    return Invalid("One or more parameter values were invalid: An " + std::string(kind) +
                   " set  may not be empty");
  }
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> texts;
  for (json::value& element : *elements) {
    const json::string* text = element.if_string();
    if (text == nullptr) return Unreadable(TypeName(type));
    std::string identity(text->begin(), text->end());
    texts.push_back(identity);  // as sent, for the message
    if (type == AttributeType::kNS) {
      auto number = NormalizeNumber(identity);
      if (!number.ok()) return number.status();
      element = json::string(*number);
      identity = *number;
    } else if (type == AttributeType::kBS) {
      auto bytes = Base64Decode(identity);
      if (!bytes.ok()) return Unreadable("BS");
      identity = *bytes;
    }
    if (!seen.insert(identity).second) {
      return Invalid("One or more parameter values were invalid: Input collection [" +
                     absl::StrJoin(texts, ", ") + "] of type " + std::string(TypeName(type)) +
                     " contains duplicates.");
    }
  }
  return absl::OkStatus();
}

absl::Status NormalizeAt(json::value& value, int depth) {
  if (depth > kMaxNesting) return Invalid("Nesting Levels have exceeded supported limits");
  json::object* object = value.if_object();
  if (object == nullptr) return Unreadable("AttributeValue");
  if (object->empty()) {
    return Invalid(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  if (object->size() > 1) {
    return Invalid(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
        "supported datatypes");
  }
  auto& [key, payload] = *object->begin();
  const std::optional<AttributeType> type = TypeFromName(key);
  if (!type) {
    return Invalid(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  switch (*type) {
    case AttributeType::kS:
      if (!payload.is_string()) return Unreadable("S");
      return absl::OkStatus();
    case AttributeType::kN: {
      if (!payload.is_string()) return Unreadable("N");
      auto number = NormalizeNumber(payload.get_string());
      if (!number.ok()) return number.status();
      payload = json::string(*number);
      return absl::OkStatus();
    }
    case AttributeType::kB:
      if (!payload.is_string() || !Base64Decode(payload.get_string()).ok()) return Unreadable("B");
      return absl::OkStatus();
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS:
      return NormalizeSet(*type, payload);
    case AttributeType::kM: {
      json::object* members = payload.if_object();
      if (members == nullptr) return Unreadable("M");
      for (auto& member : *members) {
        if (auto status = NormalizeAt(member.value(), depth + 1); !status.ok()) return status;
      }
      return absl::OkStatus();
    }
    case AttributeType::kL: {
      json::array* elements = payload.if_array();
      if (elements == nullptr) return Unreadable("L");
      for (json::value& element : *elements) {
        if (auto status = NormalizeAt(element, depth + 1); !status.ok()) return status;
      }
      return absl::OkStatus();
    }
    case AttributeType::kNull:
      if (!payload.is_bool()) return Unreadable("NULL");
      if (!payload.get_bool()) {
        return Invalid(
            "One or more parameter values were invalid: Null attribute value types must have "
            "the value of true");
      }
      return absl::OkStatus();
    case AttributeType::kBool:
      if (!payload.is_bool()) return Unreadable("BOOL");
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

std::string_view Text(const json::value& payload) {
  const json::string* text = payload.if_string();
  return text ? std::string_view(*text) : std::string_view();
}

std::string DecodedBytes(const json::value& payload) {
  auto bytes = Base64Decode(Text(payload));
  return bytes.ok() ? *std::move(bytes) : std::string();
}

size_t Base64DecodedSize(std::string_view text) {
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  return text.size() / 4 * 3 - padding;
}

// A number's stored size: one byte per two significant digits, plus one.
size_t NumberSize(std::string_view number) {
  const Decimal decimal = ParseNormalized(number);
  return (decimal.digits.size() + 1) / 2 + 1;
}

// The identity of a set element (numbers are normalized, binary is compared decoded).
std::string SetElementKey(AttributeType type, const json::value& element) {
  return type == AttributeType::kBS ? DecodedBytes(element) : std::string(Text(element));
}

}  // namespace

std::string_view TypeName(AttributeType type) {
  for (const auto& [name, value] : kTypeNames) {
    if (value == type) return name;
  }
  return "";
}

std::optional<AttributeType> TypeFromName(std::string_view name) {
  for (const auto& [type_name, value] : kTypeNames) {
    if (type_name == name) return value;
  }
  return std::nullopt;
}

AttributeType TypeOf(const json::value& value) {
  const json::object& object = value.get_object();
  return TypeFromName(object.begin()->key()).value_or(AttributeType::kNull);
}

const json::value& Payload(const json::value& value) { return value.get_object().begin()->value(); }

absl::Status NormalizeValue(json::value& value) { return NormalizeAt(value, 0); }

absl::Status NormalizeItem(json::object& item) {
  for (auto& attribute : item) {
    if (auto status = NormalizeAt(attribute.value(), 0); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeNumber(std::string_view text) {
  auto decimal = Decimal::Parse(text);
  if (!decimal.ok()) return Invalid("A value provided cannot be converted into a number");
  return Checked(*decimal);
}

int CompareNumbers(std::string_view a, std::string_view b) {
  return Compare(ParseNormalized(a), ParseNormalized(b));
}

absl::StatusOr<std::string> AddNumbers(std::string_view a, std::string_view b) {
  return Checked(Add(ParseNormalized(a), ParseNormalized(b)));
}

absl::StatusOr<std::string> SubtractNumbers(std::string_view a, std::string_view b) {
  return Checked(Add(ParseNormalized(a), Negate(ParseNormalized(b))));
}

std::optional<int> CompareScalars(const json::value& a, const json::value& b) {
  const AttributeType type = TypeOf(a);
  if (type != TypeOf(b)) return std::nullopt;
  switch (type) {
    case AttributeType::kS: {
      const int c = Text(Payload(a)).compare(Text(Payload(b)));  // char_traits: unsigned bytes
      return c < 0 ? -1 : (c == 0 ? 0 : 1);
    }
    case AttributeType::kN:
      return CompareNumbers(Text(Payload(a)), Text(Payload(b)));
    case AttributeType::kB: {
      const int c = DecodedBytes(Payload(a)).compare(DecodedBytes(Payload(b)));
      return c < 0 ? -1 : (c == 0 ? 0 : 1);
    }
    default:
      return std::nullopt;
  }
}

bool ValuesEqual(const json::value& a, const json::value& b) {
  const AttributeType type = TypeOf(a);
  if (type != TypeOf(b)) return false;
  const json::value& x = Payload(a);
  const json::value& y = Payload(b);
  switch (type) {
    case AttributeType::kB:
      return DecodedBytes(x) == DecodedBytes(y);
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS: {
      const json::array& left = x.get_array();
      const json::array& right = y.get_array();
      if (left.size() != right.size()) return false;
      absl::flat_hash_set<std::string> elements;
      for (const json::value& element : left) elements.insert(SetElementKey(type, element));
      return std::all_of(right.begin(), right.end(), [&](const json::value& element) {
        return elements.contains(SetElementKey(type, element));
      });
    }
    case AttributeType::kL: {
      const json::array& left = x.get_array();
      const json::array& right = y.get_array();
      if (left.size() != right.size()) return false;
      for (size_t i = 0; i < left.size(); ++i) {
        if (!ValuesEqual(left[i], right[i])) return false;
      }
      return true;
    }
    case AttributeType::kM: {
      const json::object& left = x.get_object();
      const json::object& right = y.get_object();
      if (left.size() != right.size()) return false;
      for (const auto& member : left) {
        const json::value* other = right.if_contains(member.key());
        if (other == nullptr || !ValuesEqual(member.value(), *other)) return false;
      }
      return true;
    }
    default:  // S, N (normalized), NULL, BOOL
      return x == y;
  }
}

size_t ValueSize(const json::value& value) {
  const json::value& payload = Payload(value);
  switch (TypeOf(value)) {
    case AttributeType::kS:
      return Text(payload).size();
    case AttributeType::kN:
      return NumberSize(Text(payload));
    case AttributeType::kB:
      return Base64DecodedSize(Text(payload));
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS: {
      size_t size = 0;
      for (const json::value& element : payload.get_array()) {
        const AttributeType type = TypeOf(value);
        size += type == AttributeType::kSS   ? Text(element).size()
                : type == AttributeType::kNS ? NumberSize(Text(element))
                                             : Base64DecodedSize(Text(element));
      }
      return size;
    }
    case AttributeType::kL: {  // 3 bytes, plus 1 per element
      size_t size = 3;
      for (const json::value& element : payload.get_array()) size += 1 + ValueSize(element);
      return size;
    }
    case AttributeType::kM: {
      size_t size = 3;
      for (const auto& member : payload.get_object()) {
        size += 1 + member.key().size() + ValueSize(member.value());
      }
      return size;
    }
    case AttributeType::kNull:
    case AttributeType::kBool:
      return 1;
  }
  return 0;
}

size_t ItemSize(const json::object& item) {
  size_t size = 0;
  for (const auto& attribute : item) size += attribute.key().size() + ValueSize(attribute.value());
  return size;
}

std::string EncodeKeyValue(const json::value& value) {
  const json::value& payload = Payload(value);
  switch (TypeOf(value)) {
    case AttributeType::kS:
      return std::string(Text(payload));
    case AttributeType::kB:
      return DecodedBytes(payload);
    case AttributeType::kN: {
      // A sign class byte (negative < zero < positive), then the leading power of ten and the
      // digits; for negatives both inverted and the digits closed by 0xFF, so that a longer
      // digit string (a larger magnitude) sorts first.
      const Decimal number = ParseNormalized(Text(payload));
      if (number.IsZero()) return std::string(1, '\x80');
      const auto magnitude = static_cast<unsigned char>(number.Magnitude() + 140);
      std::string encoded;
      if (!number.negative) {
        encoded.push_back('\xC0');
        encoded.push_back(static_cast<char>(magnitude));
        encoded += number.digits;
        return encoded;
      }
      encoded.push_back('\x40');
      encoded.push_back(static_cast<char>(255 - magnitude));
      for (char digit : number.digits) encoded.push_back(static_cast<char>('0' + ('9' - digit)));
      encoded.push_back('\xFF');
      return encoded;
    }
    default:
      return std::string();
  }
}

}  // namespace serval::dynamodb
