#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::apigateway {

// API Gateway's control-plane errors, as statuses carrying the AWS error code (common/
// aws_error.h); protocol::ErrorResponse writes them as restJson1 errors.
absl::Status BadRequest(std::string_view message);  // 400 BadRequestException
absl::Status NotFound(std::string_view message);    // 404 NotFoundException
absl::Status Conflict(std::string_view message);    // 409 ConflictException

}  // namespace serval::apigateway
