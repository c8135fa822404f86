#include "http/server.h"

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <unordered_set>

namespace serval::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Session;

// An oversized request body is read and dropped up to this size; beyond it the connection is
// simply closed.
constexpr uint64_t kMaxDiscardBytes = 512ull << 20;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions opts, Handler h)
      : acceptor(io), options(std::move(opts)), handler(std::move(h)) {}

  void Accept();

  tcp::acceptor acceptor;
  ServerOptions options;
  Handler handler;
  std::unordered_set<Session*> sessions;
  int open_requests = 0;
  bool stopped = false;
};

// One accepted connection. Owned by shared_ptrs held by pending async operations and by an
// outstanding Responder; runs only on the io thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Server::Impl> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)) {
    server_->sessions.insert(this);
  }
  ~Session() {
    server_->sessions.erase(this);
    if (in_flight_) --server_->open_requests;
  }

  void Start() {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    ReadHeader();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    // Beast would refuse an over-limit Content-Length while reading the header, before we can
    // answer; the limit is applied in OnHeader instead.
    parser_->body_limit(boost::none);
    if (server_->options.idle_timeout.count() > 0) {
      stream_.expires_after(server_->options.idle_timeout);
    } else {
      stream_.expires_never();
    }
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    stream_.expires_never();
    const auto& header = parser_->get();
    const auto declared = parser_->content_length();
    if (declared && *declared > server_->options.body_limit) {
      // Answer, then read and drop the body the client is still sending: closing with unread
      // data would reset the connection before the client reads the answer.
      close_after_response_ = true;
      unread_body_bytes_ = *declared - std::min<uint64_t>(*declared, buffer_.size());
      buffer_.consume(buffer_.size());
      return Dispatch(/*body_too_large=*/true);
    }
    parser_->body_limit(server_->options.body_limit);  // for chunked bodies
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      auto continue_response =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
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
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec == bhttp::error::body_limit) {
                          self->close_after_response_ = true;
                          return self->Dispatch(/*body_too_large=*/true);
                        }
                        if (ec) return self->OnReadError(ec);
                        self->Dispatch(/*body_too_large=*/false);
                      });
  }

  void DiscardThenClose() {
    if (unread_body_bytes_ == 0 || unread_body_bytes_ > kMaxDiscardBytes) return Close();
    auto scratch = std::make_shared<std::array<char, 65536>>();
    stream_.expires_after(std::chrono::seconds(30));
    stream_.async_read_some(asio::buffer(*scratch), [self = shared_from_this(), scratch](
                                                        beast::error_code ec, size_t n) {
      self->unread_body_bytes_ -= std::min<uint64_t>(n, self->unread_body_bytes_);
      if (ec) return self->Close();
      self->DiscardThenClose();
    });
  }

  void OnReadError(beast::error_code ec) {
    const bool peer_went_away = ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                                ec == asio::error::operation_aborted ||
                                ec == asio::error::connection_reset ||
                                ec == beast::error::timeout || ec == asio::error::bad_descriptor;
    if (!peer_went_away && server_->options.on_malformed_request && !server_->stopped) {
      server_->options.on_malformed_request();
    }
    Close();
  }

  void Dispatch(bool body_too_large) {
    auto message = parser_->release();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(8);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body_too_large = body_too_large;
    if (!body_too_large) request.body = std::move(message.body());
    keep_alive_ = message.keep_alive() && !close_after_response_;
    in_flight_ = true;
    ++server_->open_requests;
    server_->handler(std::move(request),
                     [self = shared_from_this(), answered = false](Response response) mutable {
                       if (answered) return;
                       answered = true;
                       self->Write(std::move(response));
                     });
  }

  void Write(Response response) {
    if (server_->stopped) return;
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, size_t) {
                         self->in_flight_ = false;
                         --self->server_->open_requests;
                         if (ec) return self->Close();
                         if (!self->keep_alive_) return self->DiscardThenClose();
                         self->ReadHeader();
                       });
  }

  std::shared_ptr<Server::Impl> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool close_after_response_ = false;
  bool in_flight_ = false;          // a request was dispatched and its response is not written yet
  uint64_t unread_body_bytes_ = 0;  // of a refused oversized request, still to be discarded
};

void Server::Impl::Accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec || self->stopped) return;  // the acceptor was closed
    if (self->options.admit_connection && !self->options.admit_connection(socket.native_handle())) {
      beast::error_code ignored;
      socket.close(ignored);
      return self->Accept();
    }
    std::make_shared<Session>(self, std::move(socket))->Start();
    self->Accept();
  });
}

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(asio::io_context& io, ServerOptions options,
                                                      Handler handler) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return absl::InvalidArgumentError("invalid listen address: " + options.host);
  const tcp::endpoint endpoint(address, options.port);
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(handler));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
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
