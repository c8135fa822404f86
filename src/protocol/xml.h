#pragma once

#include <string>
#include <string_view>

namespace serval::protocol {

// `text` with &, <, >, " and ' replaced by entities; characters XML 1.0 cannot carry at all
// (controls other than tab, CR and LF) become U+FFFD. Thread-safe.
std::string XmlEscape(std::string_view text);

// Builds an XML document element by element, escaping text. Thread-compatible.
//   XmlWriter xml;
//   xml.Open("Error").Element("Code", code).Close("Error");
class XmlWriter {
 public:
  // Starts the document with the XML declaration (S3 sends it; the query services do not).
  XmlWriter& Declaration();
  // <name> or <name xmlns="namespace_uri">.
  XmlWriter& Open(std::string_view name, std::string_view namespace_uri = {});
  XmlWriter& Close(std::string_view name);
  // <name>escaped text</name>.
  XmlWriter& Element(std::string_view name, std::string_view text);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace serval::protocol
