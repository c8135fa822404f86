#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::protocol {

// One element of a parsed XML document. Names are local names: the namespace (S3 clients send
// xmlns="http://s3.amazonaws.com/doc/2006-03-01/") and any prefix are dropped, for attributes
// too (S3's <Grantee xsi:type="Group"> has the attribute "type"). Thread-compatible value.
struct XmlElement {
  std::string name;
  // The character data directly inside this element, concatenated across its children and
  // untrimmed: entities and CDATA sections resolved, line ends normalized to \n as XML requires
  // (a \r survives only as &#13;). Whitespace between child elements is kept here too.
  std::string text;
  std::vector<std::pair<std::string, std::string>> attributes;  // document order
  std::vector<XmlElement> children;                             // document order

  // The first child named `name`, or null.
  const XmlElement* Child(std::string_view name) const;
  // Every child named `name`, in document order.
  std::vector<const XmlElement*> Children(std::string_view name) const;
  // The text of the first child named `name`, or nullopt when there is no such child.
  std::optional<std::string_view> ChildText(std::string_view name) const;
  // The value of the first attribute named `name`, or nullopt.
  std::optional<std::string_view> Attribute(std::string_view name) const;
};

// Bounds on what ParseXml accepts from an untrusted body.
struct XmlLimits {
  size_t max_bytes = size_t{8} << 20;  // DeleteObjects: 1,000 keys of up to 1,024 bytes, escaped
  int max_depth = 64;                  // S3's deepest requests (lifecycle, replication) nest 6
  size_t max_elements = 100'000;       // CompleteMultipartUpload: 10,000 parts x 3 elements
};

// Parses a whole XML document (UTF-8, or any encoding its declaration names that expat knows)
// into its root element. Thread-safe.
//
// Refuses with S3's errors, as AwsError statuses (kInvalidArgument, so 400):
//  - MalformedXML: not well-formed (an empty body, two roots, an unclosed tag, garbage), any
//    DOCTYPE (so no DTD, no entity declarations, no external entities: nothing expands beyond
//    the predefined entities and character references, and nothing is fetched), or deeper
//    than limits.max_depth, or more elements than limits.max_elements;
//  - MaxMessageLengthExceeded: longer than limits.max_bytes.
absl::StatusOr<XmlElement> ParseXml(std::string_view document, const XmlLimits& limits = {});

// The MalformedXML status ParseXml returns, for the services' own schema checks (a missing
// <Part>, an unknown <Status>), which S3 answers with the same error.
absl::Status MalformedXml();

}  // namespace serval::protocol
