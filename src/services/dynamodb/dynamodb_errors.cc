#include "services/dynamodb/dynamodb_errors.h"

#include "common/aws_error.h"
#include "protocol/validation.h"

namespace serval::dynamodb {

absl::Status ValidationError(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message);
}

absl::Status TableNotFound(std::string_view table_name) {
  return ResourceNotFound("Requested resource not found: Table: " + std::string(table_name) +
                          " not found");
}

absl::Status ResourceNotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", message);
}

absl::Status ResourceInUse(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "ResourceInUseException", message);
}

absl::Status ConditionalCheckFailed() {
  return AwsError(absl::StatusCode::kFailedPrecondition, "ConditionalCheckFailedException",
                  "The conditional request failed");
}

absl::Status MissingParameter(std::string_view member) { return protocol::MissingMember(member); }

}  // namespace serval::dynamodb
