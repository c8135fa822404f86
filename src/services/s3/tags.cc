#include "services/s3/tags.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "common/aws_error.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "protocol/xml_reader.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"

namespace serval::s3 {
namespace {

absl::Status InvalidTag(std::string_view message, std::string_view key,
                        std::optional<std::string_view> value = std::nullopt) {
  absl::Status status = WithErrorField(S3Error(400, "InvalidTag", message), "TagKey", key);
  return value ? WithErrorField(std::move(status), "TagValue", *value) : status;
}

// AWS's tag alphabet: letters, digits and spaces in any script, and _ . : / = + - @. Bytes past
// ASCII (other scripts, in UTF-8) are let through; the ASCII punctuation outside the set is not.
bool IsTagText(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80 || std::isalnum(byte) || c == ' ' || c == '_' || c == '.' || c == ':' ||
           c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
  });
}

absl::StatusOr<Pairs> Checked(Pairs tags, size_t max_tags) {
  const bool object = max_tags == kMaxObjectTags;
  if (tags.size() > max_tags) {
    return S3Error(
        400, "BadRequest",
        fmt::format("{} tags cannot be greater than {}", object ? "Object" : "Bucket", max_tags));
  }
  absl::flat_hash_set<std::string> seen;
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > 128 || !IsTagText(key)) {
      return InvalidTag("The TagKey you have provided is invalid", key);
    }
    if (key.starts_with("aws:")) {
      return InvalidTag(object ? "Your TagKey cannot be prefixed with aws:"
                               : "System tags cannot be added/updated by requester",
                        key, value);
    }
    if (value.size() > 256 || !IsTagText(value)) {
      return InvalidTag("The TagValue you have provided is invalid", key, value);
    }
    if (!seen.insert(key).second) {
      return InvalidTag("Cannot provide multiple Tags with the same key", key);
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
  absl::flat_hash_set<std::string> seen;
  for (std::string_view pair : SplitOn(header, '&')) {
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    tags.emplace_back(FormDecode(pair.substr(0, equals)),
                      equals == std::string_view::npos ? "" : FormDecode(pair.substr(equals + 1)));
    // A header that is not a query string of distinct tags ("a=1,b=2", "a=1&a=2") is refused
    // as a whole, in S3's words.
    const auto& [key, value] = tags.back();
    if (!seen.insert(key).second || key.find(',') != std::string::npos ||
        value.find(',') != std::string::npos) {
      return InvalidArgument(
          "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
          "parameters without tag name duplicates.",
          "x-amz-tagging", header);
    }
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
