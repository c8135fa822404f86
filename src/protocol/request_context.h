#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/message.h"

namespace serval::protocol {

// Who made a request, as the edge verified it. Thread-compatible value.
struct Caller {
  // No SigV4 data, admitted because the route allows anonymous access (or --no-auth).
  bool anonymous = true;
  std::string access_key;
  std::string account_id;
  // The IAM principal the key signs as: an IAM user's ARN or a role session's
  // ("arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"). Empty for the operator's keys (and
  // under --no-auth): the account root, which IAM policies do not restrict.
  std::string principal_arn;
  // The function whose execution environment signed the request; empty otherwise.
  std::string function_arn;
  // The address the request came from: the connection's peer (IAM's aws:SourceIp). Never taken
  // from a header a client can write.
  std::string source_ip;
};

// One request as a front end receives it: the HTTP request, the id every response and log line
// about it carries, and the verified caller. Thread-compatible value.
struct RequestContext {
  http::Request request;
  std::string request_id;
  Caller caller;
  // For a streamed aws-chunked body: its trailers (x-amz-checksum-crc32, ...), complete once the
  // body source has given its last piece. Null otherwise.
  std::shared_ptr<const std::vector<std::pair<std::string, std::string>>> trailers;
};

// The client's address as event payloads report it (S3's sourceIPAddress, API Gateway's
// identity.sourceIp): the first X-Forwarded-For hop when a proxy in front of Serval set one,
// else the connection's peer. Not for authorization: any client can send X-Forwarded-For.
std::string ReportedClientIp(const RequestContext& context);

}  // namespace serval::protocol
