#include "services/lambda/errors.h"

#include "common/aws_error.h"

namespace serval::lambda {
namespace {

// Lambda marks the errors its callers cause "Type": "User" in the body (botocore shows it as
// response["Type"], the JS SDK as error.Type).
absl::Status UserError(absl::StatusCode code, std::string_view aws_code, std::string_view message) {
  return WithErrorField(AwsError(code, aws_code, message), "Type", "User");
}

}  // namespace

absl::Status ValidationError(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message);
}
absl::Status InvalidParameter(std::string_view message) {
  return UserError(absl::StatusCode::kInvalidArgument, "InvalidParameterValueException", message);
}
absl::Status InvalidRequestContent(std::string_view message) {
  return UserError(absl::StatusCode::kInvalidArgument, "InvalidRequestContentException", message);
}
absl::Status FunctionNotFound(std::string_view qualified_arn) {
  return UserError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                   "Function not found: " + std::string(qualified_arn));
}
absl::Status ResourceConflict(std::string_view message) {
  return UserError(absl::StatusCode::kAlreadyExists, "ResourceConflictException", message);
}
absl::Status RequestTooLarge(std::string_view message) {
  return UserError(absl::StatusCode::kOutOfRange, "RequestEntityTooLargeException", message);
}
absl::Status TooManyRequests(std::string_view reason, std::string_view detail) {
  // The SDKs retry on 429 and read the Reason.
  const std::string message =
      detail.empty() ? "Rate Exceeded." : "Rate Exceeded. " + std::string(detail);
  return WithErrorHeader(WithErrorField(UserError(absl::StatusCode::kResourceExhausted,
                                                  "TooManyRequestsException", message),
                                        "Reason", reason),
                         "Retry-After", "1");
}
absl::Status PreconditionFailed(std::string_view message) {
  return UserError(absl::StatusCode::kFailedPrecondition, "PreconditionFailedException", message);
}

absl::Status RevisionMismatch() {
  return PreconditionFailed(
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
      "GetAlias API to retrieve the latest Revision Id");
}
absl::Status AliasNotFound(std::string_view alias_arn) {
  return UserError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                   "Cannot find alias arn: " + std::string(alias_arn));
}

}  // namespace serval::lambda
