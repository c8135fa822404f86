#include "services/ec2/tags.h"

#include "fmt/format.h"
#include "protocol/query.h"
#include "services/ec2/ec2_errors.h"

namespace serval::ec2 {
namespace {

constexpr size_t kMaxKeyLength = 128;
constexpr size_t kMaxValueLength = 256;

absl::Status CheckKey(std::string_view key) {
  if (key.empty()) {
    return InvalidParameterValue("Tag key must not be empty");
  }
  if (key.size() > kMaxKeyLength) {
    return InvalidParameterValue(fmt::format(
        "Value ( {} ) for parameter key is invalid. Length exceeds maximum of {} characters", key,
        kMaxKeyLength));
  }
  if (key.starts_with("aws:")) {
    return InvalidParameterValue(fmt::format(
        "Value ( {} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved "
        "for internal use",
        key));
  }
  return absl::OkStatus();
}

absl::Status CheckValue(std::string_view value) {
  if (value.size() <= kMaxValueLength) return absl::OkStatus();
  return InvalidParameterValue(
      fmt::format("Value ( {} ) for parameter value is invalid. Length exceeds maximum of {} "
                  "characters",
                  value, kMaxValueLength));
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ReadTags(
    const std::map<std::string, std::string>& parameters, std::string_view prefix) {
  std::map<std::string, std::string> tags;
  const std::string list = std::string(prefix) + "Tag";
  for (auto& [index, fields] : protocol::QueryMembers(parameters, list)) {
    auto key = fields.find("Key");
    if (key == fields.end()) return MissingParameter(fmt::format("{}.{}.Key", list, index));
    const std::string& value = fields["Value"];
    if (absl::Status checked = CheckKey(key->second); !checked.ok()) return checked;
    if (absl::Status checked = CheckValue(value); !checked.ok()) return checked;
    tags[key->second] = value;
  }
  if (absl::Status counted = CheckTagCount(tags.size()); !counted.ok()) return counted;
  return tags;
}

absl::StatusOr<std::map<std::string, std::optional<std::string>>> ReadTagKeys(
    const std::map<std::string, std::string>& parameters) {
  std::map<std::string, std::optional<std::string>> keys;
  for (auto& [index, fields] : protocol::QueryMembers(parameters, "Tag")) {
    auto key = fields.find("Key");
    if (key == fields.end()) return MissingParameter(fmt::format("Tag.{}.Key", index));
    auto value = fields.find("Value");
    keys[key->second] =
        value == fields.end() ? std::nullopt : std::optional<std::string>(value->second);
  }
  return keys;
}

absl::Status CheckTagCount(size_t count) {
  if (count <= kMaxTagsPerResource) return absl::OkStatus();
  return ClientError("TagLimitExceeded",
                     "The maximum number of Tags for a resource has been reached.");
}

}  // namespace serval::ec2
