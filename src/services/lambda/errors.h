#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace serval::lambda {

// Lambda's service errors, as statuses carrying the AWS error code (see common/aws_error.h);
// protocol::ErrorResponse writes them.
absl::Status ValidationError(std::string_view message);         // 400 ValidationException
absl::Status InvalidParameter(std::string_view message);        // 400 InvalidParameterValue..
absl::Status InvalidRequestContent(std::string_view message);   // 400 InvalidRequestContent..
absl::Status FunctionNotFound(std::string_view qualified_arn);  // 404 ResourceNotFound..
absl::Status ResourceConflict(std::string_view message);        // 409 ResourceConflict..
absl::Status RequestTooLarge(std::string_view message);         // 413 RequestEntityTooLarge..
// 429 TooManyRequestsException "Rate Exceeded.", `reason` in its Reason field and Retry-After: 1.
// 429 with AWS's "Rate Exceeded." message, followed by `detail` when there is one.
absl::Status TooManyRequests(std::string_view reason, std::string_view detail = "");
absl::Status PreconditionFailed(std::string_view message);  // 412 PreconditionFailed..
absl::Status RevisionMismatch();                            // 412, RevisionId is stale
absl::Status AliasNotFound(std::string_view alias_arn);     // 404 ResourceNotFound..

}  // namespace serval::lambda
