#include "services/iam/iam_errors.h"

#include "common/aws_error.h"

namespace serval::iam_api {

absl::Status NoSuchEntity(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "NoSuchEntity", message);
}

absl::Status EntityAlreadyExists(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "EntityAlreadyExists", message);
}

absl::Status DeleteConflict(std::string_view message) {
  return WithHttpStatus(
      AwsError(absl::StatusCode::kFailedPrecondition, "DeleteConflict", message), 409);
}

absl::Status LimitExceeded(std::string_view message) {
  return WithHttpStatus(
      AwsError(absl::StatusCode::kResourceExhausted, "LimitExceeded", message), 409);
}

absl::Status MalformedPolicyDocument(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "MalformedPolicyDocument", message);
}

absl::Status InvalidInput(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidInput", message);
}

absl::Status UnmodifiableEntity(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "UnmodifiableEntity", message);
}

}  // namespace serval::iam_api
