#include "services/apigateway/openapi_document.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cmath>
#include <optional>

#include "common/aws_error.h"
#include "common/text.h"

namespace serval::apigateway {

namespace json = boost::json;

namespace {

// YAML aliases let a small text name one node many times; expanding them into the JSON tree
// could multiply it without bound (the "billion laughs"). No honest 6 MB document has more nodes
// than this.
constexpr size_t kMaxYamlNodes = 2'000'000;

absl::Status InvalidInput() {
  return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException",
                  "Invalid OpenAPI input.");
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A YAML 1.2 core-schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsCoreFloat(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  const size_t exponent = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, exponent);
  if (exponent != std::string_view::npos) {
    std::string_view power = text.substr(exponent + 1);
    if (!power.empty() && (power[0] == '-' || power[0] == '+')) power.remove_prefix(1);
    if (!IsDigits(power)) return false;
  }
  const size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) return IsDigits(mantissa);
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view fraction = mantissa.substr(dot + 1);
  if (whole.empty()) return IsDigits(fraction);
  return IsDigits(whole) && (fraction.empty() || IsDigits(fraction));
}

// What a plain (unquoted, untagged) YAML scalar means under the core schema; nullopt for a
// string. Infinities and NaN stay strings: JSON cannot hold them.
std::optional<json::value> ResolvePlainScalar(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return json::value(nullptr);
  }
  if (text == "true" || text == "True" || text == "TRUE") return json::value(true);
  if (text == "false" || text == "False" || text == "FALSE") return json::value(false);
  std::string_view digits = text;
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  if (IsDigits(digits)) {
    int64_t integer = 0;
    if (ParseDecimal(text[0] == '+' ? text.substr(1) : text, &integer)) return json::value(integer);
  }
  if (IsCoreFloat(text)) {
    const double number = std::strtod(std::string(text).c_str(), nullptr);
    if (std::isfinite(number)) return json::value(number);
  }
  return std::nullopt;
}

// YAML 1.1 resolves more plain scalars than the core schema: yes/no/on/off booleans,
// timestamps, sexagesimal and underscored numbers. Anything starting like a number, or one of
// those words, is quoted on output.
bool MightBeYaml11Scalar(std::string_view text) {
  if (text.empty()) return true;
  const char first = text[0];
  if ((first >= '0' && first <= '9') || first == '-' || first == '+' || first == '.') return true;
  const std::string lower = AsciiToLower(text);
  return lower == "y" || lower == "n" || lower == "yes" || lower == "no" || lower == "on" ||
         lower == "off";
}

absl::StatusOr<json::value> FromYaml(const YAML::Node& node, int depth, size_t* nodes) {
  if (depth > kMaxOpenApiDepth || ++*nodes > kMaxYamlNodes) return InvalidInput();
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json::value(nullptr);
    case YAML::NodeType::Scalar: {
      // yaml-cpp tags a plain scalar "?" and a quoted one "!"; an explicit tag is kept as is.
      if (node.Tag() == "?") {
        if (auto resolved = ResolvePlainScalar(node.Scalar())) return *std::move(resolved);
      }
      return json::value(node.Scalar());
    }
    case YAML::NodeType::Sequence: {
      json::array array;
      array.reserve(node.size());
      for (const YAML::Node& item : node) {
        absl::StatusOr<json::value> value = FromYaml(item, depth + 1, nodes);
        if (!value.ok()) return value.status();
        array.push_back(*std::move(value));
      }
      return json::value(std::move(array));
    }
    case YAML::NodeType::Map: {
      json::object object;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) return InvalidInput();
        absl::StatusOr<json::value> value = FromYaml(entry.second, depth + 1, nodes);
        if (!value.ok()) return value.status();
        object[entry.first.Scalar()] = *std::move(value);
      }
      return json::value(std::move(object));
    }
  }
  return InvalidInput();
}

absl::StatusOr<json::object> ParseYaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception&) {  // syntax errors, and yaml-cpp's own recursion guard
    return InvalidInput();
  }
  size_t nodes = 0;
  absl::StatusOr<json::value> value = FromYaml(root, 0, &nodes);
  if (!value.ok()) return value.status();
  if (!value->is_object()) return InvalidInput();
  return std::move(value->get_object());
}

void WriteJson(const json::value& value, int indent, std::string* out) {
  const auto newline = [&](int level) {
    out->push_back('\n');
    out->append(static_cast<size_t>(level) * 2, ' ');
  };
  if (value.is_object() && !value.get_object().empty()) {
    out->push_back('{');
    bool first = true;
    for (const auto& [key, member] : value.get_object()) {
      if (!first) out->push_back(',');
      first = false;
      newline(indent + 1);
      out->append(json::serialize(json::value(key)));
      out->append(" : ");
      WriteJson(member, indent + 1, out);
    }
    newline(indent);
    out->push_back('}');
  } else if (value.is_array() && !value.get_array().empty()) {
    out->push_back('[');
    bool first = true;
    for (const json::value& item : value.get_array()) {
      if (!first) out->push_back(',');
      first = false;
      newline(indent + 1);
      WriteJson(item, indent + 1, out);
    }
    newline(indent);
    out->push_back(']');
  } else if (value.is_double()) {
    out->append(ScalarText(value));
  } else {
    out->append(json::serialize(value));
  }
}

void EmitYaml(const json::value& value, YAML::Emitter* out) {
  switch (value.kind()) {
    case json::kind::object:
      *out << YAML::BeginMap;
      for (const auto& [key, member] : value.get_object()) {
        *out << YAML::Key;
        EmitYaml(json::value(key), out);
        *out << YAML::Value;
        EmitYaml(member, out);
      }
      *out << YAML::EndMap;
      return;
    case json::kind::array:
      *out << YAML::BeginSeq;
      for (const json::value& item : value.get_array()) EmitYaml(item, out);
      *out << YAML::EndSeq;
      return;
    case json::kind::string: {
      const std::string text(value.get_string());
      // A string a reader would take for null, a boolean or a number must be quoted; so must
      // one a YAML 1.1 reader (AWS's, say) might take for a boolean, a date or a number.
      if (ResolvePlainScalar(text) || MightBeYaml11Scalar(text)) {
        *out << YAML::DoubleQuoted << text;
      } else {
        *out << text;
      }
      return;
    }
    case json::kind::null:
      *out << YAML::Null;
      return;
    default:
      *out << ScalarText(value);
      return;
  }
}

}  // namespace

absl::StatusOr<json::object> ParseOpenApiDocument(std::string_view text) {
  if (text.size() > kMaxOpenApiDocumentBytes) return InvalidInput();
  json::parse_options options;
  options.max_depth = kMaxOpenApiDepth;
  json::error_code ec;
  json::value parsed =
      json::parse(json::string_view(text.data(), text.size()), ec, json::storage_ptr(), options);
  if (!ec && parsed.is_object()) return std::move(parsed.get_object());
  return ParseYaml(text);
}

std::string WriteOpenApiDocument(const json::object& document, bool yaml) {
  if (yaml) {
    YAML::Emitter out;
    EmitYaml(json::value(document), &out);
    return std::string(out.c_str()) + "\n";
  }
  std::string out;
  WriteJson(json::value(document), 0, &out);
  return out;
}

std::string ScalarText(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return std::string(value.get_string());
    case json::kind::int64:
      return std::to_string(value.get_int64());
    case json::kind::uint64:
      return std::to_string(value.get_uint64());
    case json::kind::double_: {
      const double number = value.get_double();
      // Keep a whole number's ".0": "version: 1.0" means "1.0", not "1".
      if (std::isfinite(number) && number == std::trunc(number) && std::fabs(number) < 1e15) {
        return fmt::format("{:.1f}", number);
      }
      return fmt::format("{}", number);
    }
    case json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    default:
      return "";
  }
}

}  // namespace serval::apigateway
