#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace serval::sns {

// The query protocol's shapes of SNS's maps and lists, as XML inside an <ActionResult>, and
// their decoding from request parameters. Thread-safe (pure functions).

// <name><entry><key>k</key><value>v</value></entry>...</name>
std::string AttributesXml(std::string_view name, const std::map<std::string, std::string>& map);
// <Tags><member><Key>k</Key><Value>v</Value></member>...</Tags>
std::string TagsXml(const std::map<std::string, std::string>& tags);

// The map parameters "<prefix>.entry.N.key"/".value" (Attributes).
std::map<std::string, std::string> ReadAttributeMap(
    const std::map<std::string, std::string>& parameters, std::string_view prefix);
// The list parameters "Tags.member.N.Key"/".Value", checked as SNS checks tags (keys of 1 to 128
// characters, values of at most 256, no key twice).
absl::StatusOr<std::map<std::string, std::string>> ReadTags(
    const std::map<std::string, std::string>& parameters);

}  // namespace serval::sns
