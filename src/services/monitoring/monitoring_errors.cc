#include "services/monitoring/monitoring_errors.h"

#include <fmt/format.h>

#include "common/aws_error.h"
#include "protocol/protocol.h"

namespace serval::monitoring {
namespace {

absl::Status Error(absl::StatusCode status, std::string_view code, std::string_view json_type,
                   std::string_view message) {
  return protocol::WithQueryCompatibleType(AwsError(status, code, message), json_type);
}

}  // namespace

absl::Status InvalidParameterValue(std::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
               "InvalidParameterValueException", message);
}

absl::Status InvalidValue(std::string_view parameter, std::string_view value) {
  return InvalidParameterValue(
      fmt::format("The value {} for parameter {} is invalid.", value, parameter));
}

absl::Status MissingParameter(std::string_view parameter) {
  return Error(absl::StatusCode::kInvalidArgument, "MissingParameter",
               "MissingRequiredParameterException",
               fmt::format("The parameter {} is required.", parameter));
}

absl::Status InvalidParameterCombination(std::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "InvalidParameterCombination",
               "InvalidParameterCombinationException", message);
}

absl::Status AccessDenied(absl::Status denied) {
  return WithHttpStatus(
      protocol::WithQueryCompatibleType(std::move(denied), "AccessDeniedException"), 403);
}

absl::Status InvalidNextToken() {
  return Error(absl::StatusCode::kInvalidArgument, "InvalidNextToken", "InvalidNextToken",
               "The service couldn't process the NextToken.");
}

absl::Status InternalServiceError(std::string_view message) {
  return Error(absl::StatusCode::kInternal, "InternalServiceError", "InternalServiceFault",
               message);
}

}  // namespace serval::monitoring
