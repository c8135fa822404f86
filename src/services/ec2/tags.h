#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::ec2 {

// EC2's tags as requests carry them ("Tag.N.Key", "Tag.N.Value" under a prefix) and the limits
// EC2 holds them to. Thread-safe (pure functions).

// At most 50 tags per resource.
inline constexpr size_t kMaxTagsPerResource = 50;

// The tags "<prefix>Tag.N.Key"/".Value" of `parameters` ("" for CreateTags' own parameters,
// "TagSpecification.1." inside RunInstances'), checked: keys of 1 to 128 characters not
// starting with "aws:", values of at most 256, at most 50. A tag without a Value has the value "".
absl::StatusOr<std::map<std::string, std::string>> ReadTags(
    const std::map<std::string, std::string>& parameters, std::string_view prefix);
// DeleteTags' "Tag.N.Key"/".Value": a key, and the value the tag must have to go (nullopt: any).
absl::StatusOr<std::map<std::string, std::optional<std::string>>> ReadTagKeys(
    const std::map<std::string, std::string>& parameters);

// TagLimitExceeded when `count` tags are more than a resource may have.
absl::Status CheckTagCount(size_t count);

}  // namespace serval::ec2
