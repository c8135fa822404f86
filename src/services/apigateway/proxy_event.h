#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::apigateway {

// What API Gateway knows of one request to a deployed API, shared by the Lambda proxy event
// ("requestContext") and mapping templates ($context). Thread-compatible value.
struct RequestFacts {
  std::string account_id;
  std::string api_id;
  std::string stage;
  std::string deployment_id;
  std::string resource_id;
  std::string resource_path;  // "/pets/{id}"
  std::string path;           // below the stage, still percent-encoded: "/pets/7"
  std::string http_method;
  std::string request_id;
  std::string extended_request_id;
  std::string domain_name;  // the Host without its port
  std::string source_ip;
  std::string user_agent;
  int64_t request_time_epoch_ms = 0;
  std::map<std::string, std::string> path_parameters;  // still percent-encoded, as AWS gives them
  std::map<std::string, std::string> stage_variables;
  // What a Lambda authorizer returned: principalId and its context's members (strings).
  boost::json::object authorizer;
  // The API key the request was admitted with (its value and id), else empty.
  std::string api_key;
  std::string api_key_id;
  // The verified caller of an AWS_IAM method (access key, account), else empty.
  std::string caller_access_key;
  std::string caller_account_id;
};

// "requestContext" of the Lambda proxy event, which is also $context in mapping templates.
boost::json::object RequestContextJson(const RequestFacts& facts);

// The Lambda proxy integration's event, payload format 1.0, for `request` (aws-wire-contracts
// 7.5): headers in the client's case (the last of a repeated header; all in multiValueHeaders),
// query parameters decoded (null when there are none), the body as text or, when its
// Content-Type is one of `binary_media_types`, base64 with isBase64Encoded.
std::string ProxyEvent(const http::Request& request, const RequestFacts& facts,
                       const std::vector<std::string>& binary_media_types);
// The same event as an object (a REQUEST authorizer's event is built from it).
boost::json::object ProxyEventObject(const http::Request& request, const RequestFacts& facts,
                                     const std::vector<std::string>& binary_media_types);

// Whether `content_type` ("image/png; q=1") is one of `binary_media_types` ("image/*" and "*/*"
// match by wildcard).
bool IsBinaryMediaType(std::string_view content_type,
                       const std::vector<std::string>& binary_media_types);

// The HTTP response a Lambda proxy integration's result describes (aws-wire-contracts 7.6), or
// an error when it is malformed (the gateway then answers 502). A base64 body is decoded only
// when the client's Accept is one of `binary_media_types`.
absl::StatusOr<http::Response> ParseProxyResponse(
    std::string_view result, std::string_view accept,
    const std::vector<std::string>& binary_media_types);

}  // namespace serval::apigateway
