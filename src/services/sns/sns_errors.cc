#include "services/sns/sns_errors.h"

#include <string>

#include "common/aws_error.h"

namespace serval::sns {

absl::Status InvalidParameter(std::string_view reason) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameter",
                  "Invalid parameter: " + std::string(reason));
}

absl::Status ParameterValueInvalid(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ParameterValueInvalid", message);
}

absl::Status TopicNotFound() {
  return AwsError(absl::StatusCode::kNotFound, "NotFound", "Topic does not exist");
}

absl::Status SubscriptionNotFound() {
  return AwsError(absl::StatusCode::kNotFound, "NotFound", "Subscription does not exist");
}

absl::Status ResourceNotFound() {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFound", "Resource does not exist");
}

absl::Status AuthorizationError(std::string_view message) {
  return AwsError(absl::StatusCode::kPermissionDenied, "AuthorizationError", message);
}

absl::Status ClientError(std::string_view code, std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, code, message);
}

}  // namespace serval::sns
