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
#include <ctime>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/text.h"
#include "common/time_format.h"

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
// A streamed request body is handed over in pieces of this many bytes (the last one shorter): a
// gigabyte is 4,096 hand-overs (each a callback, and for S3 a trip to its blob worker), not
// 16,384.
constexpr size_t kStreamPiece = 256 * 1024;
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
  // While a streamed body waits for its consumer or producer (the handler's side), the peer is
  // not to blame: that time does not count against its rate.
  void Pause() { paused_at = SteadyClock::now(); }
  void Resume() { started += SteadyClock::now() - paused_at; }

  SteadyClock::time_point started = SteadyClock::now();
  uint64_t bytes = 0;
  SteadyClock::time_point paused_at;
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

// Why a streamed request body could not be read to its end.
absl::Status StreamedBodyError(const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError("request body stalled past the transfer deadline");
  }
  if (!PeerWentAway(ec) &&
      ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return absl::InvalidArgumentError("malformed request body: " + ec.message());
  }
  return absl::UnavailableError("request body ended early: " + ec.message());
}

// A file as a response body source: one piece per call, read when the socket wants it (blocking
// reads on the io thread, mostly from the page cache).
absl::Status SetFileBody(Response& response) {
  auto file = std::make_shared<beast::file>();
  beast::error_code ec;
  file->open(response.body_file.c_str(), beast::file_mode::scan, ec);
  const uint64_t size = ec ? 0 : file->size(ec);
  if (ec) return absl::NotFoundError("cannot open " + response.body_file + ": " + ec.message());
  response.body_size = size;
  response.body_source = [file, size, offset = uint64_t{0}](BodyChunkCallback on_piece) mutable {
    std::string piece(static_cast<size_t>(std::min<uint64_t>(kReadChunk, size - offset)), '\0');
    beast::error_code read_error;
    const size_t n = file->read(piece.data(), piece.size(), read_error);
    if (read_error)
      return on_piece(absl::DataLossError("reading a file body: " + read_error.message()));
    piece.resize(n);
    offset += n;
    on_piece(BodyChunk{.data = std::move(piece), .last = n == 0 || offset == size});
  };
  return absl::OkStatus();
}

// Whether a response with this status may carry a body (RFC 9110 6.4.1: not 1xx, 204, 304).
bool HasBody(int status) { return status >= 200 && status != 204 && status != 304; }

// The framing headers are the server's to write, from the body it sends and the connection's
// fate; a handler's own would contradict them.
bool IsFramingHeader(std::string_view name) {
  return beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
         beast::iequals(name, "connection");
}

// Whether `name` is an RFC 9110 token, as a field name must be: anything else (a space, a colon,
// CR or LF from a template or a function's answer) could forge fields; such a header is dropped.
bool IsFieldName(std::string_view name) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

// A header value as it may go on the wire: without surrounding blanks, and with CR, LF and NUL
// (which would end the field or smuggle another one in) turned into spaces.
void AppendFieldValue(std::string_view value, std::string* out) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  for (const char c : value) out->push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
}

// The Date every response carries (RFC 9110: an origin server with a clock sends one; AWS's
// services all do, and SDKs read it to correct a client's clock skew). Formatted once a second
// per thread.
std::string_view CurrentHttpDate() {
  thread_local int64_t formatted_second = -1;
  thread_local std::string date;
  const int64_t now = std::time(nullptr);
  if (now != formatted_second) {
    formatted_second = now;
    date = FormatHttpDate(now * 1000);
  }
  return date;
}

// Whether the handler set the Date itself (a function URL's response may carry its own).
bool HasDate(const Response& response) {
  return std::any_of(response.headers.begin(), response.headers.end(),
                     [](const auto& header) { return EqualsIgnoreCase(header.first, "Date"); });
}

// The status line and header block of a response whose body is `content_length` bytes long.
std::string ResponseHead(const Response& response, uint64_t content_length, bool keep_alive) {
  std::string head;
  head.reserve(128 + 48 * response.headers.size());
  head.append("HTTP/1.1 ");
  head.append(std::to_string(response.status));
  head.push_back(' ');
  const beast::string_view reason = bhttp::obsolete_reason(bhttp::int_to_status(response.status));
  head.append(reason.data(), reason.size());
  head.append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (IsFramingHeader(name) || !IsFieldName(name)) continue;
    head.append(name);
    head.append(": ");
    AppendFieldValue(value, &head);
    head.append("\r\n");
  }
  if (!HasDate(response)) {
    head.append("Date: ");
    head.append(CurrentHttpDate());
    head.append("\r\n");
  }
  if (HasBody(response.status)) {
    head.append("Content-Length: ");
    head.append(std::to_string(content_length));
    head.append("\r\n");
  }
  if (!keep_alive) head.append("Connection: close\r\n");
  head.append("\r\n");
  return head;
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

// One accepted connection. Owned by shared_ptrs held by pending async operations, an outstanding
// Responder and a streamed request's body source; runs only on the io thread. Lifecycle:
// kAwaitingRequest -> kReadingHeader -> kReadingBody (buffered bodies only) -> kHandling (a
// streamed body is read in this state, as the handler asks) -> kWriting -> kAwaitingRequest again
// (keep-alive), or kWriting -> kDraining -> kClosed; any state may go to kClosed.
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
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ignored);
    if (!ignored) peer_address_ = peer.address().to_string();
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
    if (stream_parser_) buffer_.shrink_to_fit();  // grown for a streamed body; idle now
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
    parser_.reset();
    stream_parser_.reset();
    header_parser_.emplace();
    header_parser_->header_limit(kHeaderLimit);
    // Beast would refuse an over-limit Content-Length while reading the header, before we can
    // answer; the limit is applied in OnHeader instead.
    header_parser_->body_limit(boost::none);
    stream_.expires_after(server_->options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *header_parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    served_a_request_ = true;
    const auto& header = header_parser_->get();
    request_ = Request{.method = std::string(header.method_string()),
                       .target = std::string(header.target()),
                       .peer_address = peer_address_};
    request_.headers.reserve(8);
    for (const auto& field : header) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    keep_alive_ = header.keep_alive();
    head_request_ = header.method() == bhttp::verb::head;
    const ServerOptions& options = server_->options;
    const auto declared = header_parser_->content_length();
    const bool expect_continue = beast::iequals(header[bhttp::field::expect], "100-continue");
    // What of the body is still on the wire, beyond the bytes already buffered (a chunked body's
    // size is unknown: up to the limit). A client expecting a 100 Continue sends none without it.
    const uint64_t unread = expect_continue             ? 0
                            : header_parser_->chunked() ? options.body_limit
                            : declared ? *declared - std::min<uint64_t>(*declared, buffer_.size())
                                       : 0;
    if (options.screen_header) {
      if (std::optional<Response> refusal = options.screen_header(request_)) {
        return RefuseWith(std::move(*refusal), unread);
      }
    }
    if (options.stream_request_body && options.stream_request_body(request_)) {
      return DispatchStreamed(expect_continue);
    }
    if (declared && *declared > options.body_limit) return DispatchTooLarge(unread);
    if (!ReserveBody(declared.value_or(0))) {
      return RefuseWith(server_->RefusalResponse(Refusal::kOverloaded), unread);
    }
    parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    parser_->body_limit(options.body_limit);  // for chunked bodies
    if (!expect_continue) return ReadBody();
    WriteContinue([self = shared_from_this()](bool written) {
      if (!written) return self->Close();
      self->ReadBody();
    });
  }

  // Writes "100 Continue", then calls `then` with whether that worked.
  void WriteContinue(std::function<void(bool written)> then) {
    auto continue_response =
        std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
    stream_.expires_after(server_->options.transfer_timeout);
    writing_continue_ = true;
    bhttp::async_write(stream_, *continue_response,
                       [self = shared_from_this(), continue_response, then = std::move(then)](
                           beast::error_code ec, size_t) {
                         self->writing_continue_ = false;
                         then(!ec);
                         if (self->held_response_) {
                           Response response = std::move(*self->held_response_);
                           self->held_response_.reset();
                           self->Write(std::move(response));
                         }
                       });
  }

  // Answers a request whose declared or actual body is over body_limit through the handler,
  // then reads and drops (a bounded part of) the body the client is still sending: closing with
  // unread data would reset the connection before the client reads the answer.
  void DispatchTooLarge(uint64_t unread) {
    DropRestOfRequest(unread);
    request_.body_too_large = true;
    Dispatch();
  }

  // Hands the request over right after its header, with a body source reading the connection.
  void DispatchStreamed(bool expect_continue) {
    stream_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    stream_parser_->body_limit(boost::none);  // the consumer sets its own
    expect_continue_ = expect_continue;
    body_transfer_ = Transfer{};
    body_transfer_.Pause();
    ++body_generation_;
    request_.body_source = [self = shared_from_this(),
                            generation = body_generation_](BodyChunkCallback on_piece) {
      self->ReadStreamed(generation, std::move(on_piece));
    };
    Dispatch();
  }

  // One read of a streamed body, for a source of generation `generation`.
  void ReadStreamed(uint64_t generation, BodyChunkCallback on_piece) {
    const auto complete_later = [this](BodyChunkCallback callback,
                                       absl::StatusOr<BodyChunk> result) {
      asio::post(stream_.get_executor(),
                 [callback = std::move(callback), result = std::move(result)]() mutable {
                   callback(std::move(result));
                 });
    };
    if (state_ == State::kClosed || server_->stopped) {
      return complete_later(std::move(on_piece),
                            absl::UnavailableError("the connection is closed"));
    }
    if (generation != body_generation_ || body_read_pending_) {
      return complete_later(std::move(on_piece),
                            absl::FailedPreconditionError(
                                "request body read after the answer or during another read"));
    }
    if (stream_parser_->is_done())
      return complete_later(std::move(on_piece), BodyChunk{.last = true});
    body_read_pending_ = true;
    body_transfer_.Resume();
    if (!expect_continue_) return ReadStreamedPiece(std::move(on_piece));
    expect_continue_ = false;
    WriteContinue(
        [self = shared_from_this(), on_piece = std::move(on_piece)](bool written) mutable {
          if (written) return self->ReadStreamedPiece(std::move(on_piece));
          self->body_read_pending_ = false;
          self->Close();
          on_piece(absl::UnavailableError("the client went away before sending the body"));
        });
  }

  void ReadStreamedPiece(BodyChunkCallback on_piece) {
    auto& body = stream_parser_->get().body();
    stream_piece_.resize(kStreamPiece);
    body.data = stream_piece_.data();
    body.size = stream_piece_.size();
    FillStreamedPiece(std::move(on_piece));
  }

  // Reads into the piece until it is full or the body ends: Beast hands over at most one socket
  // read's worth (kReadChunk) per call, and advances body.data past what it wrote.
  void FillStreamedPiece(BodyChunkCallback on_piece) {
    // Beast sizes a socket read by the buffer's free capacity.
    buffer_.reserve(kReadChunk);
    stream_.expires_at(NextDeadline(body_transfer_, server_->options));
    bhttp::async_read_some(
        stream_, buffer_, *stream_parser_,
        [self = shared_from_this(), on_piece = std::move(on_piece)](beast::error_code ec,
                                                                    size_t n) mutable {
          self->body_transfer_.bytes += n;
          if (ec == bhttp::error::need_buffer) ec = {};  // the piece is full
          if (ec) {
            // The body cannot be finished, so neither can the exchange.
            self->body_read_pending_ = false;
            self->Close();
            return on_piece(StreamedBodyError(ec));
          }
          const size_t filled = kStreamPiece - self->stream_parser_->get().body().size;
          const bool last = self->stream_parser_->is_done();
          if (filled < kStreamPiece && !last) return self->FillStreamedPiece(std::move(on_piece));
          self->body_read_pending_ = false;
          self->body_transfer_.Pause();
          self->stream_piece_.resize(filled);
          on_piece(BodyChunk{.data = std::move(self->stream_piece_), .last = last});
        });
  }

  void ReadBody() {
    state_ = State::kReadingBody;
    body_transfer_ = Transfer{};
    ReadSomeBody();
  }

  void ReadSomeBody() {
    if (parser_->is_done()) {
      request_.body = std::move(parser_->get().body());
      return Dispatch();
    }
    stream_.expires_at(NextDeadline(body_transfer_, server_->options));
    bhttp::async_read_some(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->body_transfer_.bytes += n;
          if (ec == bhttp::error::body_limit) {
            return self->DispatchTooLarge(self->server_->options.body_limit);
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
    DropRestOfRequest(unread);
    Write(std::move(response));
  }

  // The connection closes after the answer, once at most `unread` more request bytes (bounded
  // by body_limit) have been read and dropped.
  void DropRestOfRequest(uint64_t unread) {
    keep_alive_ = false;
    unread_body_bytes_ = std::min<uint64_t>(unread, server_->options.body_limit);
    if (!body_read_pending_) buffer_.consume(buffer_.size());
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

  void Dispatch() {
    state_ = State::kHandling;
    // Only reads and writes are timed; the handler may take as long as it likes.
    stream_.expires_never();
    parser_.reset();
    header_parser_.reset();
    in_flight_ = true;
    ++server_->open_requests;
    // The handler gets the request itself: a body source left behind in request_ would keep
    // this session alive.
    server_->handler(std::exchange(request_, Request{}),
                     [self = shared_from_this(), answered = false](Response response) mutable {
                       if (answered) return;
                       answered = true;
                       self->Write(std::move(response));
                     });
  }

  void Write(Response response) {
    if (server_->stopped || state_ == State::kClosed) return;
    if (response.status < 200 || response.status > 599) {
      // A final answer is 2xx-5xx: after an interim 1xx the client would wait for another, and
      // other numbers are not HTTP. A handler's mistake, answered as a gateway would.
      response = Response{.status = 502};
    }
    ++body_generation_;  // the request's body source reads no more
    if (writing_continue_) {
      held_response_ = std::move(response);  // written once the 100 Continue is
      return;
    }
    state_ = State::kWriting;
    if (stream_parser_ && !stream_parser_->is_done()) {
      // Answered before the body was read through: the connection cannot be reused. A client
      // still expecting a 100 Continue sends no body.
      const uint64_t remaining =
          expect_continue_
              ? 0
              : stream_parser_->content_length_remaining().value_or(server_->options.body_limit);
      DropRestOfRequest(remaining - std::min<uint64_t>(remaining, buffer_.size()));
    }
    if (!response.body_file.empty()) {
      if (absl::Status opened = SetFileBody(response); !opened.ok()) {
        fmt::print(stderr, "serval: response not sent: {}\n", opened.ToString());
        return FinishWrite(/*written=*/false);
      }
    }
    if (head_request_) {
      // Headers only; Content-Length says what a GET would carry (body_size, else the body's).
      const uint64_t size = response.body_size.value_or(response.body.size());
      response.body.clear();
      return WriteBuffered(response, size);
    }
    if (response.body_source) return StartStreamedWrite(std::move(response));
    if (!HasBody(response.status)) response.body.clear();
    WriteBuffered(response, response.body.size());
  }

  // A response whose body is in memory, framed here rather than by Beast's serializer (the
  // hot path: a per-field allocation and a buffer-sequence walk per write, measurable at
  // thousands of invocations a second): the head as one string, then the body, each write
  // step under the transfer deadline.
  void WriteBuffered(Response& response, uint64_t content_length) {
    write_transfer_ = Transfer{};
    out_head_ = ResponseHead(response, content_length, keep_alive_);
    out_body_ = std::move(response.body);
    out_written_ = 0;
    WriteBufferedSome();
  }

  void WriteBufferedSome() {
    const size_t head = out_head_.size();
    using Buffers = std::array<asio::const_buffer, 2>;
    const Buffers rest =
        out_written_ < head
            ? Buffers{asio::buffer(out_head_) + out_written_, asio::buffer(out_body_)}
            : Buffers{asio::const_buffer(), asio::buffer(out_body_) + (out_written_ - head)};
    stream_.expires_at(NextDeadline(write_transfer_, server_->options));
    stream_.async_write_some(rest, [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->write_transfer_.bytes += n;
      self->out_written_ += n;
      if (!ec && self->out_written_ < self->out_head_.size() + self->out_body_.size()) {
        return self->WriteBufferedSome();
      }
      // Freed, not cleared: an idle keep-alive connection holds no copy of its last answer.
      std::string().swap(self->out_head_);
      std::string().swap(self->out_body_);
      self->FinishWrite(/*written=*/!ec);
    });
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

  // A response whose body comes piece by piece from a source; `piece` is the one being written.
  struct StreamedOutgoing : Outgoing<bhttp::buffer_body> {
    StreamedOutgoing(bhttp::response<bhttp::buffer_body>&& prepared, Response&& response)
        : Outgoing(std::move(prepared)),
          source(std::move(response.body_source)),
          size(response.body_size) {}
    BodySource source;
    std::optional<uint64_t> size;
    uint64_t produced = 0;
    std::string piece;
  };

  template <class Body>
  void Prepare(bhttp::response<Body>& message, const Response& response) {
    message.version(11);
    message.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) message.insert(name, value);
    if (!HasDate(response)) message.set(bhttp::field::date, CurrentHttpDate());
    message.keep_alive(keep_alive_);
    message.prepare_payload();
    write_transfer_ = Transfer{};
  }

  void StartStreamedWrite(Response response) {
    bhttp::response<bhttp::buffer_body> message;
    Prepare(message, response);  // chunked: a buffer_body has no size
    if (response.body_size) message.content_length(*response.body_size);
    PullPiece(std::make_shared<StreamedOutgoing>(std::move(message), std::move(response)));
  }

  // Asks the source for the next piece, then writes it.
  void PullPiece(std::shared_ptr<StreamedOutgoing> outgoing) {
    write_transfer_.Pause();
    BodySource& source = outgoing->source;
    source([self = shared_from_this(),
            outgoing = std::move(outgoing)](absl::StatusOr<BodyChunk> piece) mutable {
      if (self->state_ == State::kClosed) return;
      if (!piece.ok()) {
        fmt::print(stderr, "serval: response body cut off: {}\n", piece.status().ToString());
        return self->FinishWrite(/*written=*/false);
      }
      outgoing->produced += piece->data.size();
      const auto& size = outgoing->size;
      if (size && (outgoing->produced > *size || (piece->last && outgoing->produced < *size))) {
        fmt::print(stderr, "serval: response body source gave {} bytes of a declared {}\n",
                   outgoing->produced, *size);
        return self->FinishWrite(/*written=*/false);
      }
      outgoing->piece = std::move(piece->data);
      auto& body = outgoing->message.body();
      body.data = outgoing->piece.empty() ? nullptr : outgoing->piece.data();
      body.size = outgoing->piece.size();
      body.more = !piece->last;
      self->write_transfer_.Resume();
      self->WriteSome(std::move(outgoing));
    });
  }

  template <class Out>
  void WriteSome(std::shared_ptr<Out> outgoing) {
    stream_.expires_at(NextDeadline(write_transfer_, server_->options));
    auto& serializer = outgoing->serializer;
    bhttp::async_write_some(stream_, serializer,
                            [self = shared_from_this(), outgoing = std::move(outgoing)](
                                beast::error_code ec, size_t n) mutable {
                              self->write_transfer_.bytes += n;
                              if constexpr (std::is_same_v<Out, StreamedOutgoing>) {
                                // The piece is written; the body goes on.
                                if (ec == bhttp::error::need_buffer)
                                  return self->PullPiece(std::move(outgoing));
                              }
                              if (!ec && !outgoing->serializer.is_done())
                                return self->WriteSome(std::move(outgoing));
                              self->FinishWrite(/*written=*/!ec);
                            });
  }

  void FinishWrite(bool written) {
    if (in_flight_) {
      in_flight_ = false;
      --server_->open_requests;
    }
    ReserveBody(0);
    // A body read still pending would compete with the next reads of the connection.
    if (!written || body_read_pending_) return Close();
    if (!keep_alive_) return DiscardThenClose();
    AwaitRequest();
  }

  std::shared_ptr<Server::Impl> server_;
  beast::tcp_stream stream_;
  const std::optional<uint32_t> owner_;  // counted in server_->connections_by_owner
  beast::flat_buffer buffer_;
  // The request's header is read with header_parser_, which then becomes parser_ (a buffered
  // body) or stream_parser_ (a streamed one).
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> stream_parser_;
  std::string stream_piece_;  // the piece of a streamed body being read
  Request request_;           // the request being read: headers first, then its body
  std::string peer_address_;  // the client's address, read once when the connection starts
  State state_ = State::kAwaitingRequest;
  Transfer body_transfer_;
  Transfer write_transfer_;
  // Changes when a streamed body source is handed out and when the request is answered: a
  // source reads only while it matches.
  uint64_t body_generation_ = 0;
  bool body_read_pending_ = false;  // a streamed body read (or its 100 Continue) is under way
  bool expect_continue_ = false;    // a streamed request's 100 Continue is still to be sent
  bool writing_continue_ = false;
  std::optional<Response> held_response_;  // an answer given while a 100 Continue was written
  // A buffered response being written (WriteBuffered): its head, its body, the bytes sent.
  std::string out_head_;
  std::string out_body_;
  size_t out_written_ = 0;
  bool keep_alive_ = true;
  bool head_request_ = false;       // the request being answered is a HEAD
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
