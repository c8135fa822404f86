#include "http/async_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/self_signed.h"
#include "gtest/gtest.h"
#include "http/server.h"

namespace serval::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using std::chrono::milliseconds;
using ErrorCode = boost::system::error_code;

// Accepts TLS connections on 127.0.0.1 with `identity` and answers every request 200 with
// "secure <target>". Runs on the io thread of the test.
class TlsServer {
 public:
  TlsServer(asio::io_context& io, const KeyAndCertificate& identity)
      : context_(ssl::context::tls_server),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    context_.use_certificate_chain(asio::buffer(identity.certificate_pem));
    context_.use_private_key(asio::buffer(identity.key_pem), ssl::context::pem);
    Accept();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Session {
    Session(tcp::socket socket, ssl::context& context) : stream(std::move(socket), context) {}
    beast::ssl_stream<tcp::socket> stream;
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> request;
    bhttp::response<bhttp::string_body> response;
  };

  void Accept() {
    acceptor_.async_accept([this](ErrorCode ec, tcp::socket socket) {
      if (ec) return;
      auto session = std::make_shared<Session>(std::move(socket), context_);
      session->stream.async_handshake(ssl::stream_base::server, [session](ErrorCode ec) {
        if (ec) return;
        bhttp::async_read(
            session->stream, session->buffer, session->request, [session](ErrorCode ec, size_t) {
              if (ec) return;
              session->response.result(bhttp::status::ok);
              session->response.body() = "secure " + std::string(session->request.target());
              session->response.prepare_payload();
              bhttp::async_write(session->stream, session->response,
                                 [session](ErrorCode, size_t) {});
            });
      });
      Accept();
    });
  }

  ssl::context context_;
  tcp::acceptor acceptor_;
};

class AsyncClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Stop();
  }

  void StartServer(Handler handler) {
    auto server = Server::Start(io_, ServerOptions{}, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  std::string Local(const std::string& target) {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + target;
  }

  // Runs AsyncFetch to completion on this thread; checks that the callback runs exactly once.
  absl::StatusOr<Response> Fetch(const std::string& url, Request request,
                                 milliseconds timeout = milliseconds(5000),
                                 const FetchOptions& options = {}) {
    int calls = 0;
    std::optional<absl::StatusOr<Response>> result;
    AsyncFetch(
        io_, url, std::move(request), timeout,
        [&](absl::StatusOr<Response> response) {
          ++calls;
          result = std::move(response);
        },
        options);
    EXPECT_EQ(calls, 0) << "the callback ran inside AsyncFetch";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!result && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(milliseconds(100));
    }
    io_.run_for(milliseconds(20));  // a second call would show up here
    EXPECT_EQ(calls, 1);
    if (!result) return absl::InternalError("test: no callback");
    return *result;
  }

  static Request Post(std::string body) {
    Request request{.method = "POST", .body = std::move(body)};
    request.headers.emplace_back("Content-Type", "text/plain; charset=UTF-8");
    request.headers.emplace_back("x-amz-sns-message-type", "Notification");
    return request;
  }

  asio::io_context io_;
  std::unique_ptr<Server> server_;
};

TEST(ParseUrlTest, SplitsHostPortAndTarget) {
  struct Case {
    std::string url;
    bool https;
    std::string host;
    uint16_t port;
    std::string target;
  };
  for (const Case& c : std::vector<Case>{
           {"http://example.com", false, "example.com", 80, "/"},
           {"HTTPS://example.com/a/b?x=1#frag", true, "example.com", 443, "/a/b?x=1"},
           {"http://127.0.0.1:8080?q", false, "127.0.0.1", 8080, "/?q"},
           {"https://[::1]:8443/p", true, "::1", 8443, "/p"},
       }) {
    absl::StatusOr<Url> url = ParseUrl(c.url);
    ASSERT_TRUE(url.ok()) << c.url << ": " << url.status();
    EXPECT_EQ(url->https, c.https) << c.url;
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
  }
  for (const char* bad :
       {"example.com/x", "ftp://example.com/", "http://", "http://:80/", "http://user@example.com/",
        "http://example.com:0/", "http://example.com:70000/", "http://[::1/"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(AsyncClientTest, PostsAndReadsA2xxAnswer) {
  Request seen;
  StartServer([&seen](Request&& request, Responder respond) {
    seen = request;
    respond(Response{.status = 201, .body = "got " + request.body}.SetHeader("X-Reply", "yes"));
  });
  absl::StatusOr<Response> response = Fetch(Local("/hook?a=b"), Post("hello"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "got hello");
  bool reply_header = false;
  for (const auto& header : response->headers) reply_header |= header.first == "X-Reply";
  EXPECT_TRUE(reply_header);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/hook?a=b");
  EXPECT_EQ(seen.Header("Host"), "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(seen.Header("x-amz-sns-message-type"), "Notification");
  EXPECT_EQ(seen.Header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(seen.Header("Content-Length"), "5");
}

TEST_F(AsyncClientTest, A5xxIsAResponseNotAnError) {
  StartServer([](Request&&, Responder respond) { respond(Response{.status = 503}); });
  absl::StatusOr<Response> response = Fetch(Local("/"), Post("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
}

TEST_F(AsyncClientTest, ASilentServerTimesOut) {
  std::vector<Responder> held;  // never answered
  StartServer([&held](Request&&, Responder respond) { held.push_back(std::move(respond)); });
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<Response> response = Fetch(Local("/"), Post("x"), milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(3000));
}

TEST_F(AsyncClientTest, ARefusedConnectionIsUnavailable) {
  uint16_t port = 0;
  {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  absl::StatusOr<Response> response =
      Fetch("http://127.0.0.1:" + std::to_string(port) + "/", Post("x"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

TEST_F(AsyncClientTest, AnUnknownNameFails) {
  absl::StatusOr<Response> response =
      Fetch("http://serval-test.invalid/", Post("x"), milliseconds(3000));
  EXPECT_FALSE(response.ok());
  EXPECT_TRUE(response.status().code() == absl::StatusCode::kUnavailable ||
              response.status().code() == absl::StatusCode::kDeadlineExceeded)
      << response.status();
}

TEST_F(AsyncClientTest, ABadUrlFailsThroughTheCallback) {
  absl::StatusOr<Response> response = Fetch("gopher://example.com/", Post("x"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << response.status();
}

TEST_F(AsyncClientTest, ALargeBodyIsCutAtTheCap) {
  StartServer([](Request&&, Responder respond) {
    respond(Response{.status = 200, .body = std::string(3 << 20, 'z')});
  });
  absl::StatusOr<Response> response =
      Fetch(Local("/"), Post("x"), milliseconds(5000), FetchOptions{.max_response_body = 1 << 20});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_LE(response->body.size(), size_t{1} << 20);
}

class AsyncClientTlsTest : public AsyncClientTest {
 protected:
  void SetUp() override {
    absl::StatusOr<KeyAndCertificate> identity =
        MakeSelfSignedCertificate("127.0.0.1", 1, {"IP:127.0.0.1"});
    ASSERT_TRUE(identity.ok()) << identity.status();
    identity_ = *identity;
    ca_file_ = std::filesystem::temp_directory_path() / ("serval-ca-" + RandomHex(8) + ".pem");
    std::ofstream(ca_file_) << identity_.certificate_pem;
    tls_server_ = std::make_unique<TlsServer>(io_, identity_);
  }
  void TearDown() override {
    std::filesystem::remove(ca_file_);
    AsyncClientTest::TearDown();
  }

  std::string Secure(const std::string& target) {
    return "https://127.0.0.1:" + std::to_string(tls_server_->port()) + target;
  }

  KeyAndCertificate identity_;
  std::filesystem::path ca_file_;
  std::unique_ptr<TlsServer> tls_server_;
};

TEST_F(AsyncClientTlsTest, TalksToAServerWhoseCertificateIsTrusted) {
  absl::StatusOr<Response> response = Fetch(Secure("/tls"), Post("x"), milliseconds(5000),
                                            FetchOptions{.extra_ca_file = ca_file_.string()});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "secure /tls");
}

TEST_F(AsyncClientTlsTest, RefusesAnUntrustedCertificate) {
  absl::StatusOr<Response> response = Fetch(Secure("/"), Post("x"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_NE(response.status().message().find("certificate verify failed"), std::string::npos)
      << response.status();
}

TEST_F(AsyncClientTlsTest, RefusesACertificateForAnotherHost) {
  // Trusted, but issued for 127.0.0.1: "localhost" does not match it.
  absl::StatusOr<Response> response =
      Fetch("https://localhost:" + std::to_string(tls_server_->port()) + "/", Post("x"),
            milliseconds(5000), FetchOptions{.extra_ca_file = ca_file_.string()});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

TEST_F(AsyncClientTlsTest, HttpsToAPlainHttpServerFails) {
  StartServer([](Request&&, Responder respond) { respond(Response{.status = 200}); });
  absl::StatusOr<Response> response =
      Fetch("https://127.0.0.1:" + std::to_string(server_->port()) + "/", Post("x"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

}  // namespace
}  // namespace serval::http
