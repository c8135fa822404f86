#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "http/message.h"

namespace serval::lambda {

// Lambda's service errors, as statuses carrying the AWS error code (see common/aws_error.h).
absl::Status ValidationError(std::string_view message);         // 400 ValidationException
absl::Status InvalidParameter(std::string_view message);        // 400 InvalidParameterValue..
absl::Status InvalidRequestContent(std::string_view message);   // 400 InvalidRequestContent..
absl::Status FunctionNotFound(std::string_view qualified_arn);  // 404 ResourceNotFound..
absl::Status ResourceConflict(std::string_view message);        // 409 ResourceConflict..
absl::Status RequestTooLarge(std::string_view message);         // 413 RequestEntityTooLarge..
absl::Status TooManyRequests(std::string_view reason);          // 429 TooManyRequests..
absl::Status PreconditionFailed(std::string_view message);      // 412 PreconditionFailed..
absl::Status RevisionMismatch();                                // 412, RevisionId is stale
absl::Status AliasNotFound(std::string_view alias_arn);         // 404 ResourceNotFound..

// The one place a Status becomes Lambda's rest-json error: status code, x-amzn-ErrorType header
// and a {"Type","message"} body that botocore and the JS SDK v3 both parse.
http::Response ErrorResponse(const absl::Status& status, std::string_view request_id);

}  // namespace serval::lambda
