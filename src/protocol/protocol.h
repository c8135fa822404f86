#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "http/message.h"

namespace serval::protocol {

// The AWS protocol families Serval's front ends speak (botocore's `metadata.protocol`). Each
// decides how a request names its operation, and how a response and an error look on the wire.
enum class Protocol {
  kAwsJson1_0,  // X-Amz-Target + JSON body (DynamoDB, CloudWatch)
  kAwsJson1_1,  // the same, JSON 1.1 content type (EventBridge, CloudWatch Logs)
  kRestJson1,   // method + URI + JSON body (Lambda, API Gateway)
  kRestXml,     // method + URI + XML body (S3)
  kQuery,       // form-encoded Action=... request, XML response (SNS, IAM, STS)
  kEc2,         // query requests with EC2's own XML response and error shape
};

// The one place a Status becomes `protocol`'s error response:
//  - JSON families: `{"__type": code, "message": ..., fields...}` and x-amzn-ErrorType;
//  - query: <ErrorResponse><Error><Type/><Code/><Message/>fields</Error><RequestId/></...>;
//  - restXml: <Error><Code/><Message/>fields<RequestId/><HostId/></Error>; an error no service
//    named is S3's InternalError with a generic message (the detail goes to stderr);
//  - ec2: <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
// The code is AwsErrorCode(status) (InternalFailure when none is attached, which is then a 500);
// the HTTP status is ExplicitHttpStatus(status) when attached, else HttpStatusOf; headers
// attached with WithErrorHeader are set; the request id goes where the family puts it.
http::Response ErrorResponse(Protocol protocol, const absl::Status& status,
                             std::string_view request_id);

// An error of an awsQueryCompatible service (CloudWatch), whose `status` carries the query
// protocol's code (AwsError's "InvalidParameterValue"): ErrorResponse writes it as is in the
// query shape, and in the JSON families with `json_type` (the modeled shape's name,
// "InvalidParameterValueException") as __type and x-amzn-ErrorType, plus the header
// "x-amzn-query-error: InvalidParameterValue;Sender" from which the SDKs restore the query code.
absl::Status WithQueryCompatibleType(absl::Status status, std::string_view json_type);

// The HTTP status an error gets when none is attached. The JSON-RPC families (awsJson, ec2,
// query apart from the status codes below) answer every client error with 400; the REST
// families and query map the status code: NotFound 404, AlreadyExists 409, FailedPrecondition
// 412, OutOfRange 413, ResourceExhausted 429, PermissionDenied/Unauthenticated 403,
// Unimplemented 501, Unavailable 503, InvalidArgument 400, anything else 500.
int HttpStatusOf(Protocol protocol, const absl::Status& status);

// The family's answer to a request for an operation it does not have: awsJson 400
// UnknownOperationException, restJson1 404 UnknownOperationException, query and ec2 400
// InvalidAction, restXml 405 MethodNotAllowed.
absl::Status UnknownOperation(Protocol protocol, std::string_view operation);

// Sets the request-id headers of a response: x-amzn-RequestId, or for restXml S3's
// x-amz-request-id and x-amz-id-2.
void SetRequestId(Protocol protocol, std::string_view request_id, http::Response& response);

// A successful response whose body is a JSON document in `protocol`'s content type
// (application/x-amz-json-1.0 or 1.1, application/json for restJson1), with its request id.
http::Response JsonResponse(Protocol protocol, int status, std::string body,
                            std::string_view request_id);

}  // namespace serval::protocol
