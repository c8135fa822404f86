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
  // The holder of a temporary key: the function whose execution environment signed the
  // request. Empty for the operator's keys.
  std::string principal;
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

}  // namespace serval::protocol
