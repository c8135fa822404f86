#include "services/sns/query_xml.h"

#include "protocol/query.h"
#include "protocol/xml.h"
#include "services/sns/sns_errors.h"

namespace serval::sns {

std::string AttributesXml(std::string_view name, const std::map<std::string, std::string>& map) {
  protocol::XmlWriter xml;
  xml.Open(name);
  for (const auto& [key, value] : map) {
    xml.Open("entry").Element("key", key).Element("value", value).Close("entry");
  }
  return xml.Close(name).Take();
}

std::string TagsXml(const std::map<std::string, std::string>& tags) {
  protocol::XmlWriter xml;
  xml.Open("Tags");
  for (const auto& [key, value] : tags) {
    xml.Open("member").Element("Key", key).Element("Value", value).Close("member");
  }
  return xml.Close("Tags").Take();
}

std::map<std::string, std::string> ReadAttributeMap(
    const std::map<std::string, std::string>& parameters, std::string_view prefix) {
  std::map<std::string, std::string> map;
  for (auto& [index, fields] : protocol::QueryMembers(parameters, std::string(prefix) + ".entry")) {
    map[fields["key"]] = fields["value"];
  }
  return map;
}

absl::StatusOr<std::map<std::string, std::string>> ReadTags(
    const std::map<std::string, std::string>& parameters) {
  std::map<std::string, std::string> tags;
  for (auto& [index, fields] : protocol::QueryMembers(parameters, "Tags.member")) {
    const std::string& key = fields["Key"];
    if (key.empty() || key.size() > 128) {
      return InvalidParameter("Tags Reason: a tag key must have 1 to 128 characters");
    }
    if (fields["Value"].size() > 256) {
      return InvalidParameter("Tags Reason: a tag value must have at most 256 characters");
    }
    if (!tags.emplace(key, fields["Value"]).second) {
      return InvalidParameter("Duplicated keys are not allowed.");
    }
  }
  return tags;
}

}  // namespace serval::sns
