#include "services/lambda/errors.h"

#include <boost/json.hpp>

#include "common/aws_error.h"

namespace serval::lambda {
namespace {

int HttpStatusFor(std::string_view aws_code, absl::StatusCode code) {
  if (aws_code == "ResourceNotFoundException") return 404;
  if (aws_code == "ResourceConflictException") return 409;
  if (aws_code == "RequestEntityTooLargeException") return 413;
  if (aws_code == "TooManyRequestsException") return 429;
  if (aws_code == "PreconditionFailedException") return 412;
  if (aws_code == "UnknownOperationException") return 404;
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

absl::Status ValidationError(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message);
}
absl::Status InvalidParameter(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValueException", message);
}
absl::Status InvalidRequestContent(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequestContentException", message);
}
absl::Status FunctionNotFound(std::string_view qualified_arn) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                  "Function not found: " + std::string(qualified_arn));
}
absl::Status ResourceConflict(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "ResourceConflictException", message);
}
absl::Status RequestTooLarge(std::string_view message) {
  return AwsError(absl::StatusCode::kOutOfRange, "RequestEntityTooLargeException", message);
}
absl::Status TooManyRequests(std::string_view reason) {
  return AwsError(absl::StatusCode::kResourceExhausted, "TooManyRequestsException", reason);
}
absl::Status PreconditionFailed(std::string_view message) {
  return AwsError(absl::StatusCode::kFailedPrecondition, "PreconditionFailedException", message);
}

absl::Status RevisionMismatch() {
  return PreconditionFailed(
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
      "GetAlias API to retrieve the latest Revision Id");
}
absl::Status AliasNotFound(std::string_view alias_arn) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                  "Cannot find alias arn: " + std::string(alias_arn));
}

http::Response ErrorResponse(const absl::Status& status, std::string_view request_id) {
  std::string aws_code = AwsErrorCode(status);
  if (aws_code.empty()) aws_code = "ServiceException";
  const int http_status = HttpStatusFor(aws_code, status.code());
  boost::json::object body;
  body["Type"] = http_status >= 500 ? "Service" : "User";
  // The models name the member "Message" for these two and "message" for the rest; clients
  // accept either, so follow the model.
  const bool capital = aws_code == "ResourceNotFoundException" || aws_code == "ServiceException";
  body[capital ? "Message" : "message"] = std::string(status.message());
  http::Response response{.status = http_status};
  if (aws_code == "TooManyRequestsException") {
    body["Reason"] = std::string(status.message());
    body["message"] = "Rate Exceeded.";
    response.SetHeader("Retry-After", "1");
  }
  body["__type"] = aws_code;
  response.body = boost::json::serialize(body);
  response.SetHeader("Content-Type", "application/json")
      .SetHeader("x-amzn-ErrorType", aws_code)
      .SetHeader("x-amzn-RequestId", std::string(request_id));
  return response;
}

}  // namespace serval::lambda
