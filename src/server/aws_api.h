#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"
#include "protocol/xml_reader.h"

namespace serval::server {

// Signed calls to Serval's AWS APIs for `serval deploy`: what an SDK sends, signed with SigV4
// under AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default test/test) for AWS_REGION or
// AWS_DEFAULT_REGION (default us-east-1). Blocking (http::Fetch). Thread-compatible.
class AwsApi {
 public:
  // `endpoint_url` is http://HOST[:PORT] (port 80 when absent).
  static absl::StatusOr<AwsApi> Connect(std::string_view endpoint_url);

  // One request to `service` (its signing name: "lambda", "s3", "sns"); the response whatever its
  // status, or why there is none (cannot connect, timeout).
  absl::StatusOr<http::Response> Call(
      std::string_view service, std::string method, std::string target, std::string body = {},
      std::vector<std::pair<std::string, std::string>> headers = {}) const;

  // A query-protocol action (SNS): POST / with the form-encoded parameters and Action/Version.
  absl::StatusOr<http::Response> Query(
      std::string_view service, std::string_view action, std::string_view version,
      const std::vector<std::pair<std::string, std::string>>& parameters) const;

  // An awsJson-protocol operation (Lambda's siblings: DynamoDB, CloudWatch Logs, EventBridge):
  // POST / with `X-Amz-Target: TARGET_PREFIX.OPERATION` and the input as JSON;
  // `json_version` is the protocol's "1.0" or "1.1".
  absl::StatusOr<http::Response> Json(std::string_view service, std::string_view json_version,
                                      std::string_view target_prefix, std::string_view operation,
                                      const boost::json::object& input) const;

  const std::string& region() const { return region_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  AwsApi(std::string host, uint16_t port, std::string region)
      : host_(std::move(host)), port_(port), region_(std::move(region)) {}

  std::string host_;
  uint16_t port_;
  std::string region_;
};

// The AWS error code a response carries, from any of the wire forms Serval writes: the
// x-amzn-ErrorType header or a JSON `__type`/`Type`... body (Lambda), an XML <Code> (S3, SNS).
// Empty when there is none.
std::string AwsErrorCode(const http::Response& response);

// FailedPrecondition "OPERATION: CODE: MESSAGE (HTTP n)" for a refused call, as the AWS error
// says it; `operation` names the call ("CreateFunction survival").
absl::Status CallRefused(std::string_view operation, const http::Response& response);

// OK for a 2xx response, else CallRefused; a transport error as it is.
absl::Status Expect2xx(std::string_view operation, const absl::StatusOr<http::Response>& response);

// The <ACTIONResult> element of a query-protocol answer to `action`; a refusal as Expect2xx says
// it (`what` names what was acted on: "CreateTopic orders" is the operation), Internal when the
// answer has no result.
absl::StatusOr<protocol::XmlElement> QueryResultOf(const absl::StatusOr<http::Response>& response,
                                                   std::string_view action, std::string_view what);

// Every <member> of the list `list` in the results of a paged query-protocol action: the page
// token `token` ("NextToken" for SNS, "Marker" for IAM) is sent back until a page has none.
absl::StatusOr<std::vector<protocol::XmlElement>> QueryListAll(
    const AwsApi& api, std::string_view service, std::string_view version, std::string_view action,
    const std::vector<std::pair<std::string, std::string>>& parameters, std::string_view list,
    std::string_view token, std::string_view what);

// The JSON object a response carries; Internal "OPERATION: the answer is not JSON" otherwise.
absl::StatusOr<boost::json::object> JsonObjectOf(const http::Response& response,
                                                 std::string_view operation);

// The first object in the array `list` of `answer` whose string member `key` is `value` (the
// statement with a Sid, the group with a name); null when there is none.
const boost::json::object* FindListedObject(const boost::json::object& answer,
                                            std::string_view list, std::string_view key,
                                            std::string_view value);

}  // namespace serval::server
