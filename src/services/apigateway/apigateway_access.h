#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "common/arn.h"
#include "http/message.h"
#include "iam/authorizer.h"

namespace serval::apigateway {

// API Gateway's IAM actions and resources, for REST APIs and HTTP APIs alike, as the Service
// Authorization Reference ("Actions, resources, and condition keys for Amazon API Gateway" and
// "... Amazon API Gateway Management") defines them (docs/iam.md). Pure: thread-safe.

// A control-plane request: apigateway:<METHOD> (GET, POST, PUT, PATCH, DELETE) on
// arn:aws:apigateway:REGION::<path>, the request's path as the API names it ("/restapis/ID/...",
// "/apis/ID/..." for HTTP APIs, without the "/v2" of the wire path; "/tags/ARN").
iam::AccessRequest ManageRequest(std::string_view method, std::string_view path,
                                 const AccountContext& account);

// A call of a deployed API's method or route whose authorization is AWS_IAM: execute-api:Invoke
// on arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH (`path` as requested, its leading
// '/' kept as the separator).
iam::AccessRequest InvokeRequest(const AccountContext& account, std::string_view api_id,
                                 std::string_view stage, std::string_view method,
                                 std::string_view path);

// execute-api's answer when the authorizer denies InvokeRequest: 403
// {"Message": "User: ... is not authorized to perform: execute-api:Invoke on resource: ..."}
// with x-amzn-ErrorType AccessDeniedException.
http::Response InvokeDenied(const absl::Status& denied);

}  // namespace serval::apigateway
