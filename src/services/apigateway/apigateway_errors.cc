#include "services/apigateway/apigateway_errors.h"

#include "common/aws_error.h"

namespace serval::apigateway {

absl::Status BadRequest(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException", message);
}

absl::Status NotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "NotFoundException", message);
}

absl::Status Conflict(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "ConflictException", message);
}

}  // namespace serval::apigateway
