#include "http/async_client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "common/text.h"

namespace serval::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// TLS client contexts, one per set of trust anchors, made on first use and shared by every
// connection (an SSL_CTX is safe to share once configured). The system store is read once: a CA
// bundle updated later takes effect at the next start. Thread-safe.
class ClientContexts {
 public:
  absl::StatusOr<std::shared_ptr<ssl::context>> Get(const std::string& extra_ca_file)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto found = contexts_.find(extra_ca_file);
    if (found != contexts_.end()) return found->second;
    absl::StatusOr<std::shared_ptr<ssl::context>> made = Make(extra_ca_file);
    if (made.ok()) contexts_.emplace(extra_ca_file, *made);
    return made;
  }

 private:
  static absl::StatusOr<std::shared_ptr<ssl::context>> Make(const std::string& extra_ca_file) {
    std::shared_ptr<ssl::context> context;
    try {  // the constructor throws only when OpenSSL cannot allocate a context
      context = std::make_shared<ssl::context>(ssl::context::tls_client);
    } catch (const boost::system::system_error& error) {
      return absl::InternalError(fmt::format("cannot make a TLS context: {}", error.what()));
    }
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    ErrorCode ec;
    context->set_default_verify_paths(ec);
    if (ec) return absl::InternalError("cannot load the system CA store: " + ec.message());
    if (!extra_ca_file.empty()) {
      context->load_verify_file(extra_ca_file, ec);
      if (ec) {
        return absl::InvalidArgumentError(
            fmt::format("cannot load CA file {}: {}", extra_ca_file, ec.message()));
      }
    }
    context->set_verify_mode(ssl::verify_peer, ec);
    if (ec) return absl::InternalError("cannot require peer verification: " + ec.message());
    return context;
  }

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<ssl::context>> contexts_ ABSL_GUARDED_BY(mu_);
};

ClientContexts& Contexts() {
  static auto* contexts = new ClientContexts;
  return *contexts;
}

bool IsIpAddress(const std::string& host) {
  ErrorCode ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The Host header: the port only when it is not the scheme's default, IPv6 in brackets.
std::string HostHeader(const Url& url) {
  std::string host = url.host.find(':') == std::string::npos ? url.host : "[" + url.host + "]";
  if (url.port != (url.https ? 443 : 80)) fmt::format_to(std::back_inserter(host), ":{}", url.port);
  return host;
}

// One request over one connection: resolve, connect, (TLS handshake,) write, read. A single
// deadline timer covers the whole exchange; when it fires it cancels the resolver and closes the
// socket, so the pending operation fails and reports the timeout. Lives as long as its handlers
// hold it; runs only on the io thread.
template <bool kTls>
class Exchange : public std::enable_shared_from_this<Exchange<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<tcp::socket>, tcp::socket>;

  Exchange(asio::io_context& io, Url url, bhttp::request<bhttp::string_body> request,
           std::chrono::milliseconds timeout, const FetchOptions& options, FetchCallback done,
           std::shared_ptr<ssl::context> tls)
      : url_(std::move(url)),
        request_(std::move(request)),
        timeout_(timeout),
        done_(std::move(done)),
        tls_(std::move(tls)),
        resolver_(io),
        timer_(io),
        stream_(MakeStream(io, tls_.get())) {
    parser_.body_limit(options.max_response_body);
    parser_.header_limit(64 * 1024);
  }

  void Start() {
    auto self = this->shared_from_this();
    timer_.expires_after(timeout_);
    timer_.async_wait([self](ErrorCode ec) {
      if (!ec) self->OnDeadline();
    });
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self](ErrorCode ec, const tcp::resolver::results_type& results) {
                              self->OnResolved(ec, results);
                            });
  }

 private:
  static Stream MakeStream(asio::io_context& io, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(io, *tls);
    } else {
      (void)tls;
      return Stream(io);
    }
  }

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }

  void OnDeadline() {
    timed_out_ = true;
    resolver_.cancel();
    ErrorCode ignored;
    Socket().close(ignored);
  }

  void OnResolved(ErrorCode ec, const tcp::resolver::results_type& results) {
    if (ec) return Fail("cannot resolve " + url_.host, ec);
    auto self = this->shared_from_this();
    asio::async_connect(Socket(), results,
                        [self](ErrorCode ec, const tcp::endpoint&) { self->OnConnected(ec); });
  }

  void OnConnected(ErrorCode ec) {
    if (ec) return Fail(fmt::format("cannot connect to {}:{}", url_.host, url_.port), ec);
    if constexpr (kTls) {
      // Verify the certificate for the URL's host: a name through SNI and hostname checks, an IP
      // address against the certificate's IP entries (SNI carries names only, RFC 6066).
      SSL* ssl = stream_.native_handle();
      if (IsIpAddress(url_.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, url_.host.c_str());
        SSL_set1_host(ssl, url_.host.c_str());
      }
      auto self = this->shared_from_this();
      stream_.async_handshake(ssl::stream_base::client,
                              [self](ErrorCode ec) { self->OnHandshake(ec); });
    } else {
      Write();
    }
  }

  void OnHandshake(ErrorCode ec) {
    if (ec) return Fail("TLS handshake with " + url_.host + " failed", ec);
    Write();
  }

  void Write() {
    auto self = this->shared_from_this();
    bhttp::async_write(stream_, request_, [self](ErrorCode ec, size_t) {
      if (ec) return self->Fail("cannot send the request", ec);
      self->Read();
    });
  }

  void Read() {
    auto self = this->shared_from_this();
    bhttp::async_read(stream_, buffer_, parser_, [self](ErrorCode ec, size_t) {
      // A body over the cap ends the read early; the status is what the caller needs.
      if (ec == bhttp::error::body_limit && self->parser_.is_header_done()) ec = {};
      if (ec) return self->Fail("cannot read the response", ec);
      self->Succeed();
    });
  }

  void Succeed() {
    const auto& reply = parser_.get();
    Response response{.status = static_cast<int>(reply.result_int()), .body = reply.body()};
    for (const auto& field : reply) {
      response.SetHeader(std::string(field.name_string()), std::string(field.value()));
    }
    Finish(std::move(response));
  }

  void Fail(const std::string& what, ErrorCode ec) {
    if (timed_out_) {
      return Finish(absl::DeadlineExceededError(fmt::format(
          "no answer from {}:{} within {} ms", url_.host, url_.port, timeout_.count())));
    }
    Finish(absl::UnavailableError(what + ": " + ec.message()));
  }

  void Finish(absl::StatusOr<Response> result) {
    if (!done_) return;
    timer_.cancel();
    ErrorCode ignored;
    Socket().close(ignored);
    FetchCallback done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }

  const Url url_;
  bhttp::request<bhttp::string_body> request_;
  const std::chrono::milliseconds timeout_;
  FetchCallback done_;
  std::shared_ptr<ssl::context> tls_;  // outlives stream_ (declared before it)
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  Stream stream_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  bool timed_out_ = false;
};

bhttp::request<bhttp::string_body> BuildRequest(const Url& url, Request request) {
  bhttp::request<bhttp::string_body> message;
  message.method_string(request.method);
  message.target(url.target);
  message.version(11);
  for (const auto& [name, value] : request.headers) message.insert(name, value);
  message.set(bhttp::field::host, HostHeader(url));
  message.set(bhttp::field::connection, "close");
  message.body() = std::move(request.body);
  message.prepare_payload();
  return message;
}

}  // namespace

absl::StatusOr<Url> ParseUrl(std::string_view text) {
  const auto invalid = [text](const char* why) {
    return absl::InvalidArgumentError("invalid URL '" + std::string(text) + "': " + why);
  };
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return invalid("no scheme");
  const std::string scheme = AsciiToLower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return invalid("the scheme must be http or https");
  Url url{.https = scheme == "https"};
  std::string_view rest = text.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target =
      authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return invalid("user info is not allowed");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unclosed IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return invalid("junk after the IPv6 address");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return invalid("no host");
  url.port = url.https ? 443 : 80;
  if (!port_text.empty()) {
    uint32_t port = 0;
    if (!absl::SimpleAtoi(std::string(port_text), &port) || port == 0 || port > 65535) {
      return invalid("bad port");
    }
    url.port = static_cast<uint16_t>(port);
  }
  url.target =
      target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return url;
}

void AsyncFetch(asio::io_context& io, std::string_view url_text, Request request,
                std::chrono::milliseconds timeout, FetchCallback done,
                const FetchOptions& options) {
  // Errors found before any I/O still reach `done` later, from the io thread.
  const auto fail_later = [&io, &done](absl::Status status) {
    asio::post(io, [done = std::move(done), status = std::move(status)] { done(status); });
  };
  absl::StatusOr<Url> url = ParseUrl(url_text);
  if (!url.ok()) return fail_later(url.status());
  bhttp::request<bhttp::string_body> message = BuildRequest(*url, std::move(request));
  if (!url->https) {
    std::make_shared<Exchange<false>>(io, std::move(*url), std::move(message), timeout, options,
                                      std::move(done), nullptr)
        ->Start();
    return;
  }
  absl::StatusOr<std::shared_ptr<ssl::context>> tls = Contexts().Get(options.extra_ca_file);
  if (!tls.ok()) return fail_later(tls.status());
  std::make_shared<Exchange<true>>(io, std::move(*url), std::move(message), timeout, options,
                                   std::move(done), std::move(*tls))
      ->Start();
}

}  // namespace serval::http
