#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; port() tells which
  // Requests declaring a larger body reach the handler with Request::body_too_large set.
  size_t body_limit = 8 << 20;
  // A keep-alive connection with no request for this long is closed; zero means never.
  std::chrono::seconds idle_timeout{0};
  // Called when a peer sends bytes that are not HTTP/1.1. The connection is closed either way.
  std::function<void()> on_malformed_request;
  // Asked for each accepted connection (its socket descriptor) whether to serve it; a refused
  // connection is closed at once, before a byte of it is read. Null admits every connection.
  std::function<bool(int socket)> admit_connection;
};

// An HTTP/1.1 server on one listening socket (Boost.Beast underneath, kept out of this header).
// Runs only on the thread running the io_context it was started with: Start, Stop, the handler
// and every Responder call happen there. One request per connection is in flight at a time, so a
// handler may hold a responder indefinitely (long polls).
class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(boost::asio::io_context& io,
                                                       ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Closes the listener; open connections keep being served.
  void StopAccepting();
  // Requests received whose response has not been fully written yet.
  int OpenRequests() const;
  // Closes the listener and every open connection. Pending responders become no-ops.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace serval::http
