#include "http/server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace serval::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

class Session;

namespace {

constexpr size_t kHeaderLimit = 64 * 1024;
constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kFirstAcceptRetry = std::chrono::milliseconds(10);
constexpr auto kLastAcceptRetry = std::chrono::milliseconds(1000);

// One descriptor kept open for the whole process (the nginx/libevent trick): when accept()
// fails for want of descriptors, the pending connection stays in the backlog and the listener
// keeps reporting it. Closing the reserve frees a descriptor to accept that connection and close
// it at once, so its client sees a close instead of hanging; then the reserve is taken back.
// Thread-safe.
class DescriptorReserve {
 public:
  static DescriptorReserve& Instance() {
    static DescriptorReserve* reserve = new DescriptorReserve;
    return *reserve;
  }

  // Runs `use` with the reserve released.
  void WithReserveReleased(const std::function<void()>& use) {
    absl::MutexLock lock(&mu_);
    if (fd_ >= 0) ::close(fd_);
    use();
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

 private:
  DescriptorReserve() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

  absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
};

int DefaultStatus(Refusal refusal) {
  switch (refusal) {
    case Refusal::kMalformed:
      return 400;
    case Refusal::kHeaderTooLarge:
      return 431;
    case Refusal::kOverloaded:
      return 503;
  }
  return 400;
}

// Progress of one body read or response write, which sets the deadline of its next step.
struct Transfer {
  SteadyClock::time_point started = SteadyClock::now();
  uint64_t bytes = 0;
};

// Each step must make progress within transfer_timeout, and the whole transfer may lag at most
// transfer_timeout behind min_transfer_rate.
SteadyClock::time_point NextDeadline(const Transfer& transfer, const ServerOptions& options) {
  const uint64_t rate = std::max<uint64_t>(options.min_transfer_rate, 1);
  const auto earned = std::chrono::microseconds(transfer.bytes * 1'000'000 / rate);
  return std::min(SteadyClock::now() + options.transfer_timeout,
                  transfer.started + options.transfer_timeout + earned);
}

bool PeerWentAway(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == beast::error::timeout ||
         ec == asio::error::bad_descriptor || ec == asio::error::broken_pipe;
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions opts, Handler h)
      : acceptor(io), retry_timer(io), options(std::move(opts)), handler(std::move(h)) {}

  void Accept();
  void OnAcceptError(const beast::error_code& ec);
  Response RefusalResponse(Refusal refusal) const {
    if (options.refusal_response) return options.refusal_response(refusal);
    return Response{.status = DefaultStatus(refusal)};
  }

  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;             // paces accept retries after errors
  std::chrono::milliseconds accept_retry{0};  // zero while accepts succeed
  bool accept_error_logged = false;           // in the current burst of errors
  ServerOptions options;
  Handler handler;
  std::unordered_set<Session*> sessions;
  std::unordered_map<uint32_t, size_t> connections_by_owner;  // of sessions with an owner
  int open_requests = 0;
  size_t buffered_body_bytes = 0;  // the sum of the sessions' reservations
  bool stopped = false;
};

// One accepted connection. Owned by shared_ptrs held by pending async operations and by an
// outstanding Responder; runs only on the io thread. Lifecycle: kAwaitingRequest -> kReadingHeader
// -> kReadingBody -> kHandling -> kWriting -> kAwaitingRequest again (keep-alive), or kWriting ->
// kDraining -> kClosed; any state may go to kClosed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Server::Impl> server, tcp::socket socket, std::optional<uint32_t> owner)
      : server_(std::move(server)), stream_(std::move(socket)), owner_(owner) {
    server_->sessions.insert(this);
    if (owner_) ++server_->connections_by_owner[*owner_];
  }
  ~Session() {
    server_->sessions.erase(this);
    if (owner_ && --server_->connections_by_owner[*owner_] == 0) {
      server_->connections_by_owner.erase(*owner_);
    }
    if (in_flight_) --server_->open_requests;
    ReserveBody(0);
  }

  void Start() {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    AwaitRequest();
  }

  // Answers before reading anything, then closes.
  void Refuse(Refusal refusal) {
    RefuseWith(server_->RefusalResponse(refusal), server_->options.body_limit);
  }

  void Close() {
    state_ = State::kClosed;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  enum class State {
    kAwaitingRequest,
    kReadingHeader,
    kReadingBody,
    kHandling,
    kWriting,
    kDraining,
    kClosed
  };

  // Waits for the first byte of the next request: the header deadline starts there, and an idle
  // keep-alive connection has its own, longer timeout.
  void AwaitRequest() {
    state_ = State::kAwaitingRequest;
    if (buffer_.size() > 0) return ReadHeader();
    const ServerOptions& options = server_->options;
    if (!served_a_request_) {
      stream_.expires_after(options.header_timeout);
    } else if (options.idle_timeout.count() > 0) {
      stream_.expires_after(options.idle_timeout);
    } else {
      stream_.expires_never();
    }
    // Sized as Beast sizes its reads: small for an empty buffer, so idle connections stay cheap.
    stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, kReadChunk)),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->OnReadError(ec);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    state_ = State::kReadingHeader;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // Beast would refuse an over-limit Content-Length while reading the header, before we can
    // answer; the limit is applied in OnHeader instead.
    parser_->body_limit(boost::none);
    stream_.expires_after(server_->options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    served_a_request_ = true;
    const auto& header = parser_->get();
    request_ = Request{.method = std::string(header.method_string()),
                       .target = std::string(header.target())};
    request_.headers.reserve(8);
    for (const auto& field : header) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    keep_alive_ = header.keep_alive();
    const ServerOptions& options = server_->options;
    const auto declared = parser_->content_length();
    // What of the body is still on the wire, beyond the bytes already buffered (a chunked body's
    // size is unknown: up to the limit).
    const uint64_t unread = parser_->chunked() ? options.body_limit
                            : declared ? *declared - std::min<uint64_t>(*declared, buffer_.size())
                                       : 0;
    if (options.screen_header) {
      if (std::optional<Response> refusal = options.screen_header(request_)) {
        return RefuseWith(std::move(*refusal), unread);
      }
    }
    if (declared && *declared > options.body_limit) {
      // Answer, then read and drop (a bounded part of) the body the client is still sending:
      // closing with unread data would reset the connection before the client reads the answer.
      keep_alive_ = false;
      unread_body_bytes_ = std::min<uint64_t>(unread, options.body_limit);
      buffer_.consume(buffer_.size());
      return Dispatch(/*body_too_large=*/true);
    }
    if (!ReserveBody(declared.value_or(0))) {
      return RefuseWith(server_->RefusalResponse(Refusal::kOverloaded), unread);
    }
    parser_->body_limit(options.body_limit);  // for chunked bodies
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      auto continue_response =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      stream_.expires_after(options.transfer_timeout);
      bhttp::async_write(
          stream_, *continue_response,
          [self = shared_from_this(), continue_response](beast::error_code ec, size_t) {
            if (ec) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    state_ = State::kReadingBody;
    body_transfer_ = Transfer{};
    ReadSomeBody();
  }

  void ReadSomeBody() {
    if (parser_->is_done()) return Dispatch(/*body_too_large=*/false);
    stream_.expires_at(NextDeadline(body_transfer_, server_->options));
    bhttp::async_read_some(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->body_transfer_.bytes += n;
          if (ec == bhttp::error::body_limit) {
            self->keep_alive_ = false;
            self->unread_body_bytes_ = self->server_->options.body_limit;
            return self->Dispatch(/*body_too_large=*/true);
          }
          if (ec) return self->OnReadError(ec);
          // A chunked body declares no size: hold it to the cap as it grows.
          if (!self->ReserveBody(
                  std::max(self->reserved_bytes_, self->parser_->get().body().size()))) {
            return self->RefuseWith(self->server_->RefusalResponse(Refusal::kOverloaded),
                                    self->server_->options.body_limit);
          }
          self->ReadSomeBody();
        });
  }

  // Sets this session's share of the server's buffered-body budget to `bytes`. False (and no
  // change) when that would exceed the budget.
  bool ReserveBody(size_t bytes) {
    size_t& total = server_->buffered_body_bytes;
    if (bytes > reserved_bytes_ &&
        total - reserved_bytes_ + bytes > server_->options.max_buffered_body_bytes) {
      return false;
    }
    total = total - reserved_bytes_ + bytes;
    reserved_bytes_ = bytes;
    return true;
  }

  // Writes `response` and closes, after dropping at most `unread` more request bytes.
  void RefuseWith(Response response, uint64_t unread) {
    keep_alive_ = false;
    unread_body_bytes_ = std::min<uint64_t>(unread, server_->options.body_limit);
    buffer_.consume(buffer_.size());
    Write(std::move(response));
  }

  // Reads and drops request bytes until the peer closes, `unread_body_bytes_` are gone or
  // transfer_timeout passes; then closes.
  void DiscardThenClose() {
    if (unread_body_bytes_ == 0) return Close();
    if (state_ != State::kDraining) {
      state_ = State::kDraining;
      stream_.expires_after(server_->options.transfer_timeout);
    }
    auto scratch = std::make_shared<std::array<char, kReadChunk>>();
    stream_.async_read_some(asio::buffer(*scratch), [self = shared_from_this(), scratch](
                                                        beast::error_code ec, size_t n) {
      self->unread_body_bytes_ -= std::min<uint64_t>(n, self->unread_body_bytes_);
      if (ec) return self->Close();
      self->DiscardThenClose();
    });
  }

  void OnReadError(beast::error_code ec) {
    if (PeerWentAway(ec) || server_->stopped) return Close();
    if (ec == bhttp::error::header_limit) return Refuse(Refusal::kHeaderTooLarge);
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      if (server_->options.on_malformed_request) server_->options.on_malformed_request();
      if (server_->stopped) return Close();
      return Refuse(Refusal::kMalformed);
    }
    Close();  // a socket error
  }

  void Dispatch(bool body_too_large) {
    state_ = State::kHandling;
    // Only reads and writes are timed; the handler may take as long as it likes.
    stream_.expires_never();
    request_.body_too_large = body_too_large;
    if (!body_too_large) request_.body = std::move(parser_->get().body());
    parser_.reset();
    in_flight_ = true;
    ++server_->open_requests;
    server_->handler(std::move(request_),
                     [self = shared_from_this(), answered = false](Response response) mutable {
                       if (answered) return;
                       answered = true;
                       self->Write(std::move(response));
                     });
  }

  void Write(Response response) {
    if (server_->stopped || state_ == State::kClosed) return;
    state_ = State::kWriting;
    if (response.body_file.empty()) {
      bhttp::response<bhttp::string_body> message;
      message.body() = std::move(response.body);
      return StartWrite(std::move(message), response);
    }
    bhttp::response<bhttp::file_body> message;
    beast::error_code ec;
    message.body().open(response.body_file.c_str(), beast::file_mode::scan, ec);
    if (ec) return FinishWrite(ec);
    StartWrite(std::move(message), response);
  }

  // A response being written: the message and the serializer that walks it (which refers to
  // the message, so both live at one address, and reads the body's size when constructed).
  template <class Body>
  struct Outgoing {
    explicit Outgoing(bhttp::response<Body>&& prepared)
        : message(std::move(prepared)), serializer(message) {}
    bhttp::response<Body> message;
    bhttp::response_serializer<Body> serializer;
  };

  template <class Body>
  void StartWrite(bhttp::response<Body>&& message, const Response& response) {
    message.version(11);
    message.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) message.insert(name, value);
    message.keep_alive(keep_alive_);
    message.prepare_payload();
    write_transfer_ = Transfer{};
    WriteSome(std::make_shared<Outgoing<Body>>(std::move(message)));
  }

  template <class Body>
  void WriteSome(std::shared_ptr<Outgoing<Body>> outgoing) {
    stream_.expires_at(NextDeadline(write_transfer_, server_->options));
    auto& serializer = outgoing->serializer;
    bhttp::async_write_some(stream_, serializer,
                            [self = shared_from_this(), outgoing = std::move(outgoing)](
                                beast::error_code ec, size_t n) mutable {
                              self->write_transfer_.bytes += n;
                              if (!ec && !outgoing->serializer.is_done())
                                return self->WriteSome(std::move(outgoing));
                              self->FinishWrite(ec);
                            });
  }

  void FinishWrite(beast::error_code ec) {
    if (in_flight_) {
      in_flight_ = false;
      --server_->open_requests;
    }
    ReserveBody(0);
    if (ec) return Close();
    if (!keep_alive_) return DiscardThenClose();
    AwaitRequest();
  }

  std::shared_ptr<Server::Impl> server_;
  beast::tcp_stream stream_;
  const std::optional<uint32_t> owner_;  // counted in server_->connections_by_owner
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;  // the request being read: headers first, then its body
  State state_ = State::kAwaitingRequest;
  Transfer body_transfer_;
  Transfer write_transfer_;
  bool keep_alive_ = true;
  bool served_a_request_ = false;   // a request header has arrived on this connection
  bool in_flight_ = false;          // a request was dispatched and its response is not written yet
  size_t reserved_bytes_ = 0;       // of the server's buffered-body budget
  uint64_t unread_body_bytes_ = 0;  // of a refused request, still to be discarded
};

void Server::Impl::Accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped || !self->acceptor.is_open()) return;  // the acceptor was closed
    if (ec) return self->OnAcceptError(ec);
    if (self->options.admit_connection && !self->options.admit_connection(socket.native_handle())) {
      beast::error_code ignored;
      socket.close(ignored);
      return self->Accept();
    }
    self->accept_retry = std::chrono::milliseconds(0);
    self->accept_error_logged = false;
    std::optional<uint32_t> owner;
    if (self->options.connection_owner)
      owner = self->options.connection_owner(socket.native_handle());
    const auto owned =
        owner ? self->connections_by_owner.find(*owner) : self->connections_by_owner.end();
    const bool over_cap = self->sessions.size() >= self->options.max_connections ||
                          (owned != self->connections_by_owner.end() &&
                           owned->second >= self->options.max_connections_per_owner);
    auto session = std::make_shared<Session>(self, std::move(socket), owner);
    if (over_cap) {
      session->Refuse(Refusal::kOverloaded);
    } else {
      session->Start();
    }
    self->Accept();
  });
}

void Server::Impl::OnAcceptError(const beast::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;
  const bool out_of_descriptors = ec.value() == EMFILE || ec.value() == ENFILE;
  if (out_of_descriptors) {
    DescriptorReserve::Instance().WithReserveReleased([this] {
      beast::error_code ignored;
      acceptor.accept(ignored).close(ignored);  // the acceptor is non-blocking
    });
  }
  if (!accept_error_logged) {
    accept_error_logged = true;
    beast::error_code ignored;
    fmt::print(stderr, "serval: accept on port {} failed: {}{}; retrying\n",
               acceptor.local_endpoint(ignored).port(), ec.message(),
               out_of_descriptors ? " (pending connections are being closed)" : "");
  }
  accept_retry = accept_retry.count() == 0
                     ? std::chrono::milliseconds(kFirstAcceptRetry)
                     : std::min(accept_retry * 2, std::chrono::milliseconds(kLastAcceptRetry));
  retry_timer.expires_after(accept_retry);
  retry_timer.async_wait([self = shared_from_this()](beast::error_code wait_error) {
    if (wait_error || self->stopped) return;
    self->Accept();
  });
}

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(asio::io_context& io, ServerOptions options,
                                                      Handler handler) {
  DescriptorReserve::Instance();  // taken before descriptors can run out
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return absl::InvalidArgumentError("invalid listen address: " + options.host);
  const tcp::endpoint endpoint(address, options.port);
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(handler));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->acceptor.non_blocking(true, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + endpoint.address().to_string() + ":" +
                                  std::to_string(endpoint.port()) + ": " + ec.message());
  }
  impl->Accept();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Server::StopAccepting() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry_timer.cancel();
}

int Server::OpenRequests() const { return impl_->open_requests; }

void Server::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  StopAccepting();
  // Closing a socket completes its pending operations with errors; the sessions then die.
  std::vector<Session*> open(impl_->sessions.begin(), impl_->sessions.end());
  for (Session* session : open) session->Close();
}

}  // namespace serval::http
