#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace serval::protocol {

// What becomes of the characters XML 1.0 cannot carry (controls other than tab, LF and CR).
enum class XmlControls {
  // U+FFFD: the document stays well-formed, the text is changed.
  kReplace,
  // A character reference, "&#x1;": S3's choice for object keys. The text survives, but XML 1.0
  // forbids the reference, so strict parsers (botocore's among them) refuse the document; S3
  // clients that meet such keys ask for encoding-type=url instead.
  kReference,
};

// `text` with &, <, >, " and ' replaced by entities and CR by "&#xD;" (a parser would turn a
// literal CR into LF); controls per `controls`. Thread-safe.
std::string XmlEscape(std::string_view text, XmlControls controls = XmlControls::kReplace);

// Builds an XML document element by element, escaping text and attribute values.
// Thread-compatible.
//   XmlWriter xml;
//   xml.Open("Error").Element("Code", code).Close("Error");
class XmlWriter {
 public:
  explicit XmlWriter(XmlControls controls = XmlControls::kReplace) : controls_(controls) {}

  // Starts the document with the XML declaration (S3 sends it; the query services do not).
  XmlWriter& Declaration();
  // <name> or <name xmlns="namespace_uri">.
  XmlWriter& Open(std::string_view name, std::string_view namespace_uri = {});
  // <name a="v" ...>, attributes in the order given, values escaped (tab and LF too, which a
  // parser would otherwise turn into spaces). For S3's
  //   <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">.
  XmlWriter& OpenWithAttributes(
      std::string_view name,
      std::initializer_list<std::pair<std::string_view, std::string_view>> attributes);
  XmlWriter& Close(std::string_view name);
  // Escaped text inside the element last opened (S3's GetBucketLocation answers
  // <LocationConstraint xmlns="...">region</LocationConstraint>).
  XmlWriter& Text(std::string_view text);
  // <name>escaped text</name>.
  XmlWriter& Element(std::string_view name, std::string_view text);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  XmlControls controls_;
  std::string out_;
};

}  // namespace serval::protocol
