#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace serval {

// An absl::Status that also names the AWS error code clients should see ("ValidationException").
// The status code stays meaningful on its own; each service turns both into its protocol's error
// shape in one place. Thread-safe (pure functions).
absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message);

// The AWS error code attached by AwsError, or empty.
std::string AwsErrorCode(const absl::Status& status);

}  // namespace serval
