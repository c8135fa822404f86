#include "services/apigateway/vtl/value.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "fmt/format.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

bool IsNumber(const json::value& value) {
  return value.is_int64() || value.is_uint64() || value.is_double();
}

std::optional<int64_t> AsInteger(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
    return static_cast<int64_t>(value.get_uint64());
  }
  return std::nullopt;
}

std::optional<double> AsDouble(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return std::nullopt;
}

std::string JavaDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  std::string out = value < 0 ? "-" : "";
  double magnitude = std::fabs(value);
  // The shortest digits that read back as the same double, and their decimal exponent.
  char buffer[32];
  auto result =
      std::to_chars(buffer, buffer + sizeof buffer, magnitude, std::chars_format::scientific);
  std::string_view scientific(buffer, result.ptr - buffer);
  size_t e = scientific.find('e');
  std::string digits;
  for (char c : scientific.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::string_view exponent_text = scientific.substr(e + 1);
  if (!exponent_text.empty() && exponent_text[0] == '+') exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out += fmt::format("0.{}{}", std::string(-point, '0'), digits);
    } else if (point >= static_cast<int>(digits.size())) {
      out += fmt::format("{}{}.0", digits, std::string(point - digits.size(), '0'));
    } else {
      out += fmt::format("{}.{}", digits.substr(0, point), digits.substr(point));
    }
    return out;
  }
  out += fmt::format("{}.{}E{}", digits.substr(0, 1), digits.size() > 1 ? digits.substr(1) : "0",
                     exponent);
  return out;
}

namespace {

// How lists, maps and strings are written: Java's toString ([a, b], {k=v}, text as is) or JSON.
struct Notation {
  bool json;
  ListStyle lists;  // when !json: how lists inside are written
};

void AppendJsonString(std::string_view text, std::string& out) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendValue(const json::value& value, Notation notation, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(value.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(value.get_uint64());
      return;
    case json::kind::double_:
      out += JavaDouble(value.get_double());
      return;
    case json::kind::string:
      if (notation.json) {
        AppendJsonString(value.get_string(), out);
      } else {
        out.append(value.get_string().data(), value.get_string().size());
      }
      return;
    case json::kind::array: {
      if (notation.lists == ListStyle::kJson) notation.json = true;
      out += '[';
      const char* separator = "";
      for (const json::value& item : value.get_array()) {
        out += separator;
        AppendValue(item, notation, out);
        separator = notation.json ? "," : ", ";
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      const char* separator = "";
      for (const json::key_value_pair& member : value.get_object()) {
        out += separator;
        if (notation.json) {
          AppendJsonString(member.key(), out);
          out += ':';
        } else {
          out.append(member.key().data(), member.key().size());
          out += '=';
        }
        AppendValue(member.value(), notation, out);
        separator = notation.json ? "," : ", ";
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

void AppendText(const json::value& value, ListStyle lists, std::string& out) {
  AppendValue(value, Notation{false, lists}, out);
}

std::string ToText(const json::value& value, ListStyle lists) {
  std::string out;
  AppendText(value, lists, out);
  return out;
}

void AppendJson(const json::value& value, std::string& out) {
  AppendValue(value, Notation{true, ListStyle::kJson}, out);
}

std::string ToJson(const json::value& value) {
  std::string out;
  AppendJson(value, out);
  return out;
}

bool IsTruthy(const json::value& value) {
  if (value.is_null()) return false;
  if (value.is_bool()) return value.get_bool();
  return true;
}

std::optional<int> CompareNumbers(const json::value& a, const json::value& b) {
  std::optional<int64_t> ia = AsInteger(a);
  std::optional<int64_t> ib = AsInteger(b);
  if (ia && ib) return *ia < *ib ? -1 : (*ia > *ib ? 1 : 0);
  std::optional<double> da = AsDouble(a);
  std::optional<double> db = AsDouble(b);
  if (!da || !db) return std::nullopt;
  return *da < *db ? -1 : (*da > *db ? 1 : 0);
}

bool VelocityEquals(const json::value& a, const json::value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (IsNumber(a) && IsNumber(b)) return CompareNumbers(a, b) == 0;
  if (a.kind() == b.kind()) return a == b;
  return ToText(a, ListStyle::kJava) == ToText(b, ListStyle::kJava);
}

}  // namespace serval::apigateway::vtl
