#include "protocol/xml.h"

#include <fmt/format.h>

#include <iterator>

namespace serval::protocol {
namespace {

// Appends `text` escaped. In an attribute value, tab and LF become references too: a parser
// normalizes them (and CR, everywhere) to what the writer did not mean.
void AppendEscaped(std::string_view text, XmlControls controls, bool attribute, std::string& out) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      case '\n':
        out += attribute ? "&#xA;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#x9;" : "\t";
        break;
      default:
        if (byte >= 0x20) {
          out += c;
        } else if (controls == XmlControls::kReference) {
          fmt::format_to(std::back_inserter(out), "&#x{:X};", byte);
        } else {
          out += "\xEF\xBF\xBD";
        }
    }
  }
}

}  // namespace

std::string XmlEscape(std::string_view text, XmlControls controls) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(text, controls, /*attribute=*/false, out);
  return out;
}

XmlWriter& XmlWriter::Declaration() {
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  return *this;
}

XmlWriter& XmlWriter::Open(std::string_view name, std::string_view namespace_uri) {
  if (namespace_uri.empty()) return OpenWithAttributes(name, {});
  return OpenWithAttributes(name, {{"xmlns", namespace_uri}});
}

XmlWriter& XmlWriter::OpenWithAttributes(
    std::string_view name,
    std::initializer_list<std::pair<std::string_view, std::string_view>> attributes) {
  out_ += '<';
  out_ += name;
  for (const auto& [key, value] : attributes) {
    out_ += ' ';
    out_ += key;
    out_ += "=\"";
    AppendEscaped(value, controls_, /*attribute=*/true, out_);
    out_ += '"';
  }
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Text(std::string_view text) {
  AppendEscaped(text, controls_, /*attribute=*/false, out_);
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  return Open(name).Text(text).Close(name);
}

}  // namespace serval::protocol
