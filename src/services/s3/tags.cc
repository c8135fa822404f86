#include "services/s3/tags.h"

#include <fmt/format.h>

#include "absl/container/flat_hash_set.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "protocol/xml_reader.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"

namespace serval::s3 {
namespace {

absl::Status InvalidTag(std::string_view message) { return S3Error(400, "InvalidTag", message); }

absl::StatusOr<Pairs> Checked(Pairs tags, size_t max_tags) {
  if (tags.size() > max_tags) {
    return S3Error(400, "BadRequest",
                   fmt::format("{} tags cannot be greater than {}",
                               max_tags == kMaxObjectTags ? "Object" : "Bucket", max_tags));
  }
  absl::flat_hash_set<std::string> seen;
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > 128) {
      return InvalidTag("The TagKey you have provided is invalid");
    }
    if (value.size() > 256) return InvalidTag("The TagValue you have provided is invalid");
    if (!seen.insert(key).second) {
      return InvalidTag("Cannot provide multiple Tags with the same key");
    }
  }
  return tags;
}

}  // namespace

absl::StatusOr<Pairs> ParseTaggingXml(std::string_view body, size_t max_tags) {
  auto document = protocol::ParseXml(body);
  if (!document.ok()) return document.status();
  const protocol::XmlElement* tag_set = document->Child("TagSet");
  if (document->name != "Tagging" || tag_set == nullptr) return protocol::MalformedXml();
  Pairs tags;
  for (const protocol::XmlElement* tag : tag_set->Children("Tag")) {
    std::optional<std::string_view> key = tag->ChildText("Key");
    std::optional<std::string_view> value = tag->ChildText("Value");
    if (!key || !value) return protocol::MalformedXml();
    tags.emplace_back(std::string(*key), std::string(*value));
  }
  return Checked(std::move(tags), max_tags);
}

absl::StatusOr<Pairs> ParseTaggingHeader(std::string_view header) {
  Pairs tags;
  if (header.empty()) return tags;
  for (std::string_view pair : SplitOn(header, '&')) {
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    tags.emplace_back(FormDecode(pair.substr(0, equals)),
                      equals == std::string_view::npos ? "" : FormDecode(pair.substr(equals + 1)));
  }
  return Checked(std::move(tags), kMaxObjectTags);
}

protocol::XmlWriter TaggingXml(const Pairs& tags) {
  protocol::XmlWriter xml;
  xml.Declaration().Open("Tagging", kS3Namespace).Open("TagSet");
  for (const auto& [key, value] : tags) {
    xml.Open("Tag").Element("Key", key).Element("Value", value).Close("Tag");
  }
  xml.Close("TagSet").Close("Tagging");
  return xml;
}

}  // namespace serval::s3
