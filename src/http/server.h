#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::http {

// Why the server answers a request itself, without the handler. The connection is closed after
// the answer.
enum class Refusal {
  kMalformed,       // bytes that are not HTTP/1.1; default answer 400
  kHeaderTooLarge,  // a request header over 64 KB; default answer 431
  kOverloaded,      // over max_connections or max_buffered_body_bytes; default answer 503
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; port() tells which
  // Requests declaring a larger body reach the handler with Request::body_too_large set.
  size_t body_limit = 8 << 20;
  // A keep-alive connection with no request for this long is closed; zero means never.
  std::chrono::seconds idle_timeout{0};
  // A request header must be complete this long after its first byte arrived (for a new
  // connection: after the connection was accepted), or the connection is closed.
  std::chrono::seconds header_timeout{30};
  // Request bodies and responses: each read or write must make progress within this time, and
  // the transfer as a whole may fall at most this far behind min_transfer_rate. Otherwise the
  // connection is closed. A handler holding a responder (a long poll) is not timed.
  std::chrono::seconds transfer_timeout{30};
  size_t min_transfer_rate = 1024;  // bytes per second
  // Connections beyond this many are answered kOverloaded as soon as they are accepted.
  size_t max_connections = 4096;
  // Tells who owns an accepted connection (its socket descriptor) when one owner must not take
  // the whole max_connections from the others (an execution environment, say); nullopt: nobody
  // in particular. An owner's connections beyond max_connections_per_owner are answered
  // kOverloaded.
  std::function<std::optional<uint32_t>(int socket)> connection_owner;
  size_t max_connections_per_owner = 256;
  // Request bodies held at once (being read, or read and not yet answered), summed over all
  // connections by their declared sizes; a request that would exceed it is answered
  // kOverloaded before its body is read.
  size_t max_buffered_body_bytes = size_t{256} << 20;
  // Called with each request's method, target and headers (no body) before the body is read.
  // A response refuses the request: it is written, at most body_limit bytes of the body are
  // read and dropped (so the client can read the answer), and the connection is closed. It may
  // leave what it learned for the handler (Request::screened_caller).
  std::function<std::optional<Response>(Request& headers)> screen_header;
  // Called with each request screen_header let through, before its body is read: true streams
  // the body. The request then reaches the handler right after its header, with an empty `body`
  // and Request::body_source set, which reads at most 64 KB per piece and only when asked; an
  // `Expect: 100-continue` is answered with the first read (so a client whose request is refused
  // without a read never sends the body). Streamed bodies have no size limit here (the consumer
  // sets its own) and do not count towards max_buffered_body_bytes; each read must make progress
  // within transfer_timeout, and the time the handler takes between reads does not count against
  // min_transfer_rate. Null, or false: the body is buffered and the handler gets it whole.
  std::function<bool(const Request& headers)> stream_request_body;
  // Shapes the server's own answers in the protocol's manner (status included). Unset: the
  // default status with an empty body.
  std::function<Response(Refusal)> refusal_response;
  // Called when a peer sends bytes that are not HTTP/1.1, before the kMalformed answer.
  std::function<void()> on_malformed_request;
  // Asked for each accepted connection (its socket descriptor) whether to serve it; a refused
  // connection is closed at once, before a byte of it is read. Null admits every connection.
  std::function<bool(int socket)> admit_connection;
};

// An HTTP/1.1 server on one listening socket (Boost.Beast underneath, kept out of this header).
// Runs only on the thread running the io_context it was started with: Start, Stop, the handler,
// every Responder call, every read of a streamed request body (Request::body_source) and every
// call of a response body source happen there, and their callbacks run there. One request per
// connection is in flight at a time, so a handler may hold a responder indefinitely (long polls). A
// failed accept (out of descriptors, say) is logged once per burst and retried with backoff; the
// listener never gives up.
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
