#include "protocol/xml_reader.h"

#include <expat.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "common/aws_error.h"

namespace serval::protocol {
namespace {

// Expat reports a namespaced name as "uri|local"; '|' cannot occur in a local name.
constexpr char kNamespaceSeparator = '|';

std::string_view LocalName(const XML_Char* name) {
  std::string_view full(name);
  size_t separator = full.rfind(kNamespaceSeparator);
  return separator == std::string_view::npos ? full : full.substr(separator + 1);
}

// Builds the tree from expat's callbacks. The elements on `open` stay put while they are open:
// each is the last child of its parent, and its parent's children grow only after it closes.
struct Builder {
  XML_Parser parser;
  const XmlLimits& limits;
  XmlElement root;
  std::vector<XmlElement*> open;
  size_t elements = 0;
  // Expat may still deliver an event or two after XML_StopParser (the end of an empty element
  // refused in its start handler); they must not touch `open`.
  bool stopped = false;

  void Stop() {
    stopped = true;
    XML_StopParser(parser, XML_FALSE);
  }
};

void OnStart(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* builder = static_cast<Builder*>(data);
  if (builder->stopped) return;
  if (++builder->elements > builder->limits.max_elements ||
      builder->open.size() >= static_cast<size_t>(std::max(builder->limits.max_depth, 0))) {
    return builder->Stop();
  }
  XmlElement* element = &builder->root;
  if (!builder->open.empty()) element = &builder->open.back()->children.emplace_back();
  element->name = LocalName(name);
  for (const XML_Char** attribute = attributes; *attribute != nullptr; attribute += 2) {
    element->attributes.emplace_back(LocalName(attribute[0]), attribute[1]);
  }
  builder->open.push_back(element);
}

void OnEnd(void* data, const XML_Char* /*name*/) {
  auto* builder = static_cast<Builder*>(data);
  if (!builder->stopped) builder->open.pop_back();
}

void OnText(void* data, const XML_Char* text, int length) {
  auto* builder = static_cast<Builder*>(data);
  if (builder->stopped || builder->open.empty()) return;
  builder->open.back()->text.append(text, static_cast<size_t>(length));
}

// Any DOCTYPE stops the parse before its internal subset is read, so no entity is ever declared:
// no billion laughs, no external entities.
void OnDoctype(void* data, const XML_Char* /*name*/, const XML_Char* /*sysid*/,
               const XML_Char* /*pubid*/, int /*has_internal_subset*/) {
  static_cast<Builder*>(data)->Stop();
}

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const XmlElement& child : children) {
    if (child.name == child_name) found.push_back(&child);
  }
  return found;
}

std::optional<std::string_view> XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  if (child == nullptr) return std::nullopt;
  return child->text;
}

std::optional<std::string_view> XmlElement::Attribute(std::string_view attribute_name) const {
  for (const auto& [key, value] : attributes) {
    if (key == attribute_name) return value;
  }
  return std::nullopt;
}

absl::Status MalformedXml() {
  return AwsError(absl::StatusCode::kInvalidArgument, "MalformedXML",
                  "The XML you provided was not well-formed or did not validate against our "
                  "published schema");
}

absl::StatusOr<XmlElement> ParseXml(std::string_view document, const XmlLimits& limits) {
  if (document.size() > limits.max_bytes) {
    return AwsError(absl::StatusCode::kInvalidArgument, "MaxMessageLengthExceeded",
                    "Your request was too big.");
  }
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser(
      XML_ParserCreateNS(nullptr, kNamespaceSeparator));
  if (parser == nullptr) return absl::ResourceExhaustedError("cannot allocate an XML parser");
  Builder builder{.parser = parser.get(), .limits = limits};
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

  // XML_Parse takes an int length; feed a document past INT_MAX bytes in pieces.
  constexpr size_t kMaxChunk = INT_MAX;
  do {
    size_t chunk = std::min(document.size(), kMaxChunk);
    bool last = chunk == document.size();
    if (XML_Parse(parser.get(), document.data(), static_cast<int>(chunk),
                  last ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
      return MalformedXml();
    }
    document.remove_prefix(chunk);
  } while (!document.empty());
  return std::move(builder.root);
}

}  // namespace serval::protocol
