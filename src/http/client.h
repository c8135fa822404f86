#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::http {

// Sends one request over a new connection and waits for the whole response (blocking; for
// command-line tools such as `serval deploy`, never for the server's io thread). The request's
// Host header is set from host:port. Thread-safe.
absl::StatusOr<Response> Fetch(const std::string& host, uint16_t port, Request request,
                               std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace serval::http
