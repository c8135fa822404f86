#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace serval::http {
namespace {

namespace asio = boost::asio;
using std::chrono::steady_clock;

// A Server on a background io thread, and blocking clients talking to it.
class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options, Handler handler) {
    auto server = Server::Start(io_, std::move(options), std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      server_->Stop();
      io_.stop();
    });
    thread_.join();
  }

  int Connect() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
  }

  static void Send(int fd, const std::string& bytes) {
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // Everything the server sends until it closes the connection (or 5 s pass).
  static std::string ReadUntilClosed(int fd) {
    std::string received;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) received.append(buffer, n);
    ::close(fd);
    return received;
  }

  // Sends `request`, ends the sending side (so a server dropping the rest of a refused request
  // sees the end at once) and returns the answer.
  std::string Exchange(const std::string& request) {
    const int fd = Connect();
    Send(fd, request);
    ::shutdown(fd, SHUT_WR);
    return ReadUntilClosed(fd);
  }

  static Handler AnswerOk() {
    return [](Request&&, Responder respond) { respond(Response{.status = 200, .body = "ok"}); };
  }

  asio::io_context io_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(ServerTest, ScreenRefusesBeforeTheBodyIsSent) {
  ServerOptions options;
  options.screen_header = [](const Request& headers) -> std::optional<Response> {
    EXPECT_TRUE(headers.body.empty());
    if (headers.HasHeader("X-Deny")) return Response{.status = 403, .body = "denied"};
    return std::nullopt;
  };
  bool handled = false;
  StartServer(options, [&handled](Request&&, Responder respond) {
    handled = true;
    respond(Response{});
  });
  // The body is never sent: the answer must not wait for it.
  const std::string answer =
      Exchange("POST / HTTP/1.1\r\nHost: x\r\nX-Deny: 1\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 403")) << answer;
  EXPECT_TRUE(answer.ends_with("denied"));
  EXPECT_FALSE(handled);
}

TEST_F(ServerTest, MalformedRequestsAndHugeHeadersGetTheirStatus) {
  ServerOptions options;
  int malformed = 0;
  options.on_malformed_request = [&malformed] { ++malformed; };
  options.refusal_response = [](Refusal refusal) {
    return Response{.status = refusal == Refusal::kMalformed ? 400 : 431, .body = "refused"};
  };
  StartServer(options, AnswerOk());
  EXPECT_TRUE(Exchange("NOT HTTP\r\n\r\n").starts_with("HTTP/1.1 400")) << malformed;
  EXPECT_EQ(malformed, 1);
  const std::string huge =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(100 * 1024, 'a') + "\r\n\r\n";
  EXPECT_TRUE(Exchange(huge).starts_with("HTTP/1.1 431"));
}

TEST_F(ServerTest, ConnectionAndBufferedBodyCapsAnswerOverloaded) {
  ServerOptions options;
  options.max_connections = 1;
  options.body_limit = 1000;
  options.max_buffered_body_bytes = 100;
  StartServer(options, AnswerOk());
  // Over the buffered-body budget, though under the body limit.
  EXPECT_TRUE(
      Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n").starts_with(
          "HTTP/1.1 503"));
  const int held = Connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 503"));
  ::close(held);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 200"));
}

TEST_F(ServerTest, StalledBodyIsCutOffButAHeldResponderIsNot) {
  ServerOptions options;
  options.header_timeout = std::chrono::seconds(1);
  options.transfer_timeout = std::chrono::seconds(1);
  StartServer(options, [this](Request&&, Responder respond) {
    // A long poll: answered well after every read and write deadline.
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(2500));
    timer->async_wait([timer, respond](boost::system::error_code) {
      respond(Response{.status = 200, .body = "late"});
    });
  });
  const auto started = steady_clock::now();
  const int stalled = Connect();
  Send(stalled, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  EXPECT_EQ(ReadUntilClosed(stalled), "");
  EXPECT_LT(steady_clock::now() - started, std::chrono::seconds(4));

  const std::string answer = Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_TRUE(answer.ends_with("late"));
}

TEST_F(ServerTest, ServesAFileBody) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("server_test_" + std::to_string(::getpid()));
  const std::string content(300 * 1024, 'z');
  std::ofstream(path, std::ios::binary) << content;
  StartServer(ServerOptions{}, [&path](Request&&, Responder respond) {
    respond(Response{.status = 200, .body_file = path.string()});
  });
  const std::string answer = Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::filesystem::remove(path);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200"));
  EXPECT_NE(answer.find("Content-Length: 307200"), std::string::npos);
  EXPECT_TRUE(answer.ends_with(content));
}

}  // namespace
}  // namespace serval::http
