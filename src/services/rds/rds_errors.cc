#include "services/rds/rds_errors.h"

#include <fmt/format.h>

#include "common/aws_error.h"

namespace serval::rds {

absl::Status DbInstanceNotFound(std::string_view identifier) {
  return AwsError(absl::StatusCode::kNotFound, "DBInstanceNotFound",
                  fmt::format("DBInstance {} not found.", identifier));
}

absl::Status DbInstanceAlreadyExists() {
  return WithHttpStatus(AwsError(absl::StatusCode::kAlreadyExists, "DBInstanceAlreadyExists",
                                 "DB instance already exists"),
                        400);
}

absl::Status InvalidDbInstanceState(std::string_view message) {
  return WithHttpStatus(
      AwsError(absl::StatusCode::kFailedPrecondition, "InvalidDBInstanceState", message), 400);
}

absl::Status InvalidParameterValue(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue", message);
}

absl::Status InvalidParameterCombination(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterCombination", message);
}

absl::Status MissingParameter(std::string_view name) {
  return AwsError(absl::StatusCode::kInvalidArgument, "MissingParameter",
                  fmt::format("The request must contain the parameter {}", name));
}

}  // namespace serval::rds
