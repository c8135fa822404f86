#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serval::http {

// A parsed HTTP/1.1 request, independent of the server library. Thread-compatible.
struct Request {
  std::string method;  // upper case, e.g. "POST"
  std::string target;  // raw request target: path plus optional "?query"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // True when the declared body was larger than the server's limit. The body is then empty and
  // the connection is closed after the response; handlers answer in their protocol's shape.
  bool body_too_large = false;

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
