#include "services/apigateway/vtl/util_object.h"

#include <boost/json/parse.hpp>
#include <cstdio>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "fmt/format.h"
#include "services/apigateway/vtl/utf16.h"
#include "services/apigateway/vtl/value.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

absl::StatusOr<json::value> ParseJson(const std::string& text) {
  boost::system::error_code error;
  json::value parsed = json::parse(text, error);
  if (error) {
    return absl::InvalidArgumentError(
        fmt::format("$util.parseJson: invalid JSON: {}", error.message()));
  }
  return parsed;
}

absl::StatusOr<json::value> Base64DecodeText(const std::string& text) {
  absl::StatusOr<std::string> decoded = Base64Decode(text);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError("$util.base64Decode: invalid Base64");
  }
  return json::string(*decoded);
}

struct UtilFunction {
  std::string_view name;
  absl::StatusOr<json::value> (*call)(const std::string& text);
};

constexpr UtilFunction kFunctions[] = {
    {"escapeJavaScript",
     [](const std::string& text) -> absl::StatusOr<json::value> {
       return json::string(EscapeJavaScript(text));
     }},
    {"parseJson", ParseJson},
    {"urlEncode",
     [](const std::string& text) -> absl::StatusOr<json::value> {
       return json::string(UrlEncode(text));
     }},
    {"urlDecode",
     [](const std::string& text) -> absl::StatusOr<json::value> {
       return json::string(FormDecode(text));
     }},
    {"base64Encode",
     [](const std::string& text) -> absl::StatusOr<json::value> {
       return json::string(Base64Encode(text));
     }},
    {"base64Decode", Base64DecodeText},
};

}  // namespace

std::string EscapeJavaScript(std::string_view text) {
  std::string out;
  for (char16_t unit : ToUtf16(text)) {
    switch (unit) {
      case u'\'':
        out += "\\'";
        break;
      case u'"':
        out += "\\\"";
        break;
      case u'\\':
        out += "\\\\";
        break;
      case u'/':
        out += "\\/";
        break;
      case u'\b':
        out += "\\b";
        break;
      case u'\f':
        out += "\\f";
        break;
      case u'\n':
        out += "\\n";
        break;
      case u'\r':
        out += "\\r";
        break;
      case u'\t':
        out += "\\t";
        break;
      default:
        if (unit < 0x20 || unit > 0x7f) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(unit));
          out += escape;
        } else {
          out += static_cast<char>(unit);
        }
    }
  }
  return out;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '*' || c == '_';
    if (kept) {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      AppendEncodedByte(byte, &out);
    }
  }
  return out;
}

absl::StatusOr<json::value> UtilObject::Call(std::string_view method,
                                             std::span<const json::value> args) const {
  if (args.size() != 1 || args[0].is_null()) return nullptr;
  std::string text = ToText(args[0], ListStyle::kJson);
  for (const UtilFunction& function : kFunctions) {
    if (function.name == method) return function.call(text);
  }
  return nullptr;
}

}  // namespace serval::apigateway::vtl
