#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::monitoring {

// CloudWatch's errors, each with its query code and the awsJson shape it maps to
// (protocol::WithQueryCompatibleType), 400 unless said otherwise. Thread-safe.

// InvalidParameterValue / InvalidParameterValueException.
absl::Status InvalidParameterValue(std::string_view message);
// "The value <value> for parameter <parameter> is invalid."
absl::Status InvalidValue(std::string_view parameter, std::string_view value);
// MissingParameter / MissingRequiredParameterException: "The parameter <name> is required."
absl::Status MissingParameter(std::string_view parameter);
// InvalidParameterCombination / InvalidParameterCombinationException.
absl::Status InvalidParameterCombination(std::string_view message);
// InvalidNextToken (the same in both protocols).
absl::Status InvalidNextToken();
// The authorizer's denial (services/access_check.h, code AccessDenied) in CloudWatch's shape:
// 403 AccessDenied / AccessDeniedException.
absl::Status AccessDenied(absl::Status denied);
// 500 InternalServiceError / InternalServiceFault.
absl::Status InternalServiceError(std::string_view message);

}  // namespace serval::monitoring
