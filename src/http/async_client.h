#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::http {

// An http:// or https:// URL split for a request. Thread-compatible.
struct Url {
  bool https = false;
  std::string host;  // a name, an IPv4 address or an IPv6 address (without brackets)
  uint16_t port = 0;
  std::string target;  // path and query, "/" at least
};

// Parses "scheme://host[:port][/path][?query]" for scheme http or https (case-insensitive). A
// fragment is dropped; user info ("user@host") is refused. InvalidArgument for anything else.
absl::StatusOr<Url> ParseUrl(std::string_view url);

struct FetchOptions {
  // Bytes of response body kept. A longer body is not read past this: the response then comes
  // with its status and headers and a cut (possibly empty) body, and the connection is closed.
  size_t max_response_body = size_t{1} << 20;
  // For https: a PEM file of further certificates to trust besides the system store (tests with
  // a self-signed server). Empty: the system store only.
  std::string extra_ca_file;
};

using FetchCallback = std::function<void(absl::StatusOr<Response>)>;

// Sends `request` to `url` over a new connection and reads the response, without blocking: name
// resolution, connect, TLS and the exchange all run on `io`. `done` runs exactly once, on the
// thread running `io`, never before AsyncFetch returns. Errors: InvalidArgument (bad URL),
// DeadlineExceeded (the whole exchange took longer than `timeout`), Unavailable (name not
// resolved, connection refused or reset, TLS handshake or certificate verification failed,
// malformed response).
//
// The request's method, target-independent headers and body are sent as given; the target comes
// from the URL, and Host, Content-Length and Connection: close are set here. For https the peer
// must present a certificate chain the system store (or `extra_ca_file`) trusts, for `url`'s host
// (SNI is sent for names, not for IP addresses). Thread-safe: `io` may be run by one thread.
void AsyncFetch(boost::asio::io_context& io, std::string_view url, Request request,
                std::chrono::milliseconds timeout, FetchCallback done,
                const FetchOptions& options = {});

}  // namespace serval::http
