#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::http {

struct VerifiedCaller;  // http/sigv4.h

// One piece of a streamed body, in order. `last` marks the end of the body (`data` may then be
// empty).
struct BodyChunk {
  std::string data;
  bool last = false;
};

// Receives the next piece of a streamed body, or the error that ends it.
using BodyChunkCallback = std::function<void(absl::StatusOr<BodyChunk>)>;

// A body produced or consumed piece by piece: each call asks for the next piece, and the callback
// gets it once, later or at once. Call again only after the callback ran; stop after a `last`
// piece or an error. Runs only on the server's io thread, like everything the server does.
using BodySource = std::function<void(BodyChunkCallback)>;

// A parsed HTTP/1.1 request, independent of the server library. Thread-compatible.
struct Request {
  std::string method;  // upper case, e.g. "POST"
  std::string target;  // raw request target: path plus optional "?query"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // True when the declared body was larger than the server's limit. The body is then empty and
  // the connection is closed after the response; handlers answer in their protocol's shape.
  bool body_too_large = false;
  // Set for a request the server streams (ServerOptions::stream_request_body); `body` is then
  // empty. Each call reads the next piece from the connection, and nothing is read before it is
  // asked for (backpressure); an error means the body cannot be finished (the client went away
  // or stalled, or sent malformed chunks). A handler that answers before reading the whole body
  // leaves the connection to be closed; reads after the answer fail.
  BodySource body_source;
  // The address of the client at the other end of the connection ("127.0.0.1", "::1"), as the
  // server accepted it; empty for a request that did not come from a socket.
  std::string peer_address;
  // Set by the server's screen_header hook, never from the wire: the caller whose signature the
  // headers alone proved (they declare the payload hash), so that the handler need not verify it
  // again; what remains is to hold the body to that hash (http::CheckDeclaredPayload).
  std::shared_ptr<const VerifiedCaller> screened_caller;

  // First header with this name, compared case-insensitively; empty when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The raw path (before '?') and raw query (after it), both still percent-encoded.
  std::string_view RawPath() const;
  std::string_view RawQuery() const;
  // Path segments split on '/', each percent-decoded. "/a/b%2Fc/" gives {"a", "b/c"}.
  std::vector<std::string> PathSegments() const;
  // Decoded value of the first query parameter with this name.
  std::optional<std::string> QueryParam(std::string_view name) const;
  // Decoded values of every query parameter with this name, in order ("?k=a&k=b").
  std::vector<std::string> QueryParams(std::string_view name) const;
};

// A response to be written back. Thread-compatible.
struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file's content instead, streamed from disk piece by piece so a
  // large file is never held in memory (`body` must then be empty). If the file cannot be opened
  // when the response is written, the connection is closed without an answer.
  std::string body_file;
  // When set, the body is what this source produces (`body` and `body_file` must then be empty),
  // each piece asked for once the previous one has been written to the socket. It is sent with
  // Content-Length when `body_size` is given, else chunked. A source error, or a size other than
  // `body_size`, closes the connection in mid-body.
  BodySource body_source;
  std::optional<uint64_t> body_size;
  // A response to a HEAD request is written without its body, whatever it holds; its
  // Content-Length is body_size when given, else the size of `body`.

  Response& SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Completes a request. Must be called exactly once, on the server's io thread.
using Responder = std::function<void(Response)>;
// Handles a request, now or later, by calling the responder.
using Handler = std::function<void(Request&&, Responder)>;

}  // namespace serval::http
