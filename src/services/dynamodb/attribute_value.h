#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace boost::json {
class value;
class object;
}  // namespace boost::json

// DynamoDB's data model. Items and attribute values stay in their wire form, which is also how
// they are stored (docs/formats.md): an item is a JSON object of name -> value, and a value is an
// object with exactly one type key: {"S": "text"}, {"N": "1.5"}, {"B": "<base64>"},
// {"SS": [...]}, {"NS": [...]}, {"BS": [...]}, {"M": {name: value}}, {"L": [value...]},
// {"NULL": true}, {"BOOL": true|false}. Numbers are kept normalized (NormalizeNumber), so equal
// numbers have equal text. Every function below except the Normalize* ones expects values that
// went through NormalizeItem/NormalizeValue. Thread-compatible free functions.
namespace serval::dynamodb {

enum class AttributeType { kS, kN, kB, kSS, kNS, kBS, kM, kL, kNull, kBool };

// "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL".
std::string_view TypeName(AttributeType type);
std::optional<AttributeType> TypeFromName(std::string_view name);
// The type of a normalized value, and its payload (the JSON under the type key).
AttributeType TypeOf(const boost::json::value& value);
const boost::json::value& Payload(const boost::json::value& value);

// Checks a value or item from a request as DynamoDB does and normalizes it in place (numbers,
// number sets). Errors are ValidationException (common/aws_error.h) with AWS's messages: one
// type key exactly, NULL must be true, sets non-empty with unique elements, numbers within 38
// digits and range, B valid base64, nesting at most 32 levels.
absl::Status NormalizeValue(boost::json::value& value);
absl::Status NormalizeItem(boost::json::object& item);

// Numbers: decimal text ("-1.5e3", "0012.50") to DynamoDB's canonical form (no leading or
// trailing zeros, no exponent unless needed: "-1500", "12.5", "1E+130"), or a ValidationException
// (38 significant digits, magnitude 1E-130 .. 9.99..E+125, not a number).
absl::StatusOr<std::string> NormalizeNumber(std::string_view text);
// Orders two normalized numbers: <0, 0, >0.
int CompareNumbers(std::string_view a, std::string_view b);
// Exact sum and difference of two normalized numbers, normalized; ValidationException when the
// result needs more than 38 digits or leaves the range.
absl::StatusOr<std::string> AddNumbers(std::string_view a, std::string_view b);
absl::StatusOr<std::string> SubtractNumbers(std::string_view a, std::string_view b);

// The order conditions use (<, BETWEEN...): nullopt unless both are S, both N or both B (S by
// UTF-8 bytes, N numerically, B by unsigned decoded bytes).
std::optional<int> CompareScalars(const boost::json::value& a, const boost::json::value& b);
// Deep equality as `=` sees it: same type and value; sets equal regardless of element order.
bool ValuesEqual(const boost::json::value& a, const boost::json::value& b);

// Sizes as DynamoDB counts them for the 400 KB item limit and for capacity: an attribute's name
// bytes plus its value's bytes (S: UTF-8 bytes, N: about 1 byte per 2 significant digits + 1,
// B: raw bytes, sets and lists/maps: their elements plus overhead per element).
size_t ValueSize(const boost::json::value& value);
size_t ItemSize(const boost::json::object& item);

// The bytes a key attribute (S, N or B) is stored under: memcmp order of two encodings of the
// same type is DynamoDB's order of the values (numbers numerically, strings and binary
// bytewise), and equal values encode equally.
std::string EncodeKeyValue(const boost::json::value& value);

}  // namespace serval::dynamodb
