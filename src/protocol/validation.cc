#include "protocol/validation.h"

#include <fmt/format.h>

#include "absl/strings/str_join.h"
#include "common/aws_error.h"

namespace serval::protocol {

ValidationErrors& ValidationErrors::Add(std::optional<std::string_view> value,
                                        std::string_view member, std::string_view constraint) {
  violations_.push_back(fmt::format("Value {} at '{}' failed to satisfy constraint: {}",
                                    value ? fmt::format("'{}'", *value) : "null", member,
                                    constraint));
  return *this;
}

ValidationErrors& ValidationErrors::AddMissing(std::string_view member) {
  return Add(std::nullopt, member, "Member must not be null");
}

absl::Status ValidationErrors::ToStatus(std::string_view aws_code) const {
  if (violations_.empty()) return absl::OkStatus();
  const size_t count = violations_.size();
  return AwsError(absl::StatusCode::kInvalidArgument, aws_code,
                  fmt::format("{} validation error{} detected: {}", count, count == 1 ? "" : "s",
                              absl::StrJoin(violations_, "; ")));
}

absl::Status ValidationFailed(std::optional<std::string_view> value, std::string_view member,
                              std::string_view constraint) {
  return ValidationErrors().Add(value, member, constraint).ToStatus();
}

absl::Status CheckValueRange(int64_t value, std::string_view member, int64_t low, int64_t high) {
  if (value < low) {
    return ValidationFailed(
        std::to_string(value), member,
        "Member must have value greater than or equal to " + std::to_string(low));
  }
  if (value > high) {
    return ValidationFailed(std::to_string(value), member,
                            "Member must have value less than or equal to " + std::to_string(high));
  }
  return absl::OkStatus();
}

absl::Status MissingMember(std::string_view member) {
  return ValidationErrors().AddMissing(member).ToStatus();
}

absl::Status WrongMemberType(std::string_view member) {
  return AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                  "Unexpected value type for member " + std::string(member));
}

}  // namespace serval::protocol
