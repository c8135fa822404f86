// stream_bench: a streamed request body and a streamed response body through a real http::Server,
// with throughput and the process's peak RSS.
//
// The server runs on an io thread of its own (as Serval's io thread would); a blocking client on
// the main thread, in the same process, PUTs `--gib` GiB (Content-Length, or chunked with
// --chunked) that the handler reads piece by piece through Request::body_source and counts, then
// GETs as much from a Response::body_source producing 64 KB pieces. Peak RSS (VmHWM) counts both
// sides: the client holds one 1 MB send buffer and one 64 KB receive piece.
//
//   stream_bench [--gib N] [--chunked]

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "http/server.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;
using serval::http::BodyChunk;
using serval::http::BodyChunkCallback;
using serval::http::BodySource;

constexpr size_t kPiece = 64 * 1024;

// A field of /proc/self/status (VmRSS, VmHWM), in MB.
double StatusMb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field + ":")) return std::stod(line.substr(field.size() + 1)) / 1024;
  }
  return 0;
}

// Reads `source` to its end, counting bytes, then calls `done` with the count (or -1).
void Count(BodySource source, uint64_t counted, std::function<void(int64_t)> done) {
  source([source, counted, done = std::move(done)](absl::StatusOr<BodyChunk> piece) mutable {
    if (!piece.ok()) return done(-1);
    counted += piece->data.size();
    if (piece->last) return done(static_cast<int64_t>(counted));
    Count(std::move(source), counted, std::move(done));
  });
}

double MbPerSecond(uint64_t bytes, Clock::duration elapsed) {
  return static_cast<double>(bytes) / 1e6 / std::chrono::duration<double>(elapsed).count();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t gib = 1;
  bool chunked = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--gib" && i + 1 < argc) {
      gib = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--chunked") {
      chunked = true;
    } else {
      std::fprintf(stderr, "usage: stream_bench [--gib N] [--chunked]\n");
      return 2;
    }
  }
  const uint64_t total = gib << 30;

  asio::io_context io;
  serval::http::ServerOptions options;
  options.stream_request_body = [](const serval::http::Request&) { return true; };
  auto server = serval::http::Server::Start(
      io, options, [total](serval::http::Request&& request, serval::http::Responder respond) {
        if (request.method == "PUT") {
          return Count(std::move(request.body_source), 0, [respond](int64_t counted) {
            respond({.status = counted < 0 ? 500 : 200, .body = std::to_string(counted)});
          });
        }
        serval::http::Response response{.status = 200};
        response.body_source = [total, sent = uint64_t{0}](BodyChunkCallback on_piece) mutable {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, total - sent));
          sent += n;
          on_piece(BodyChunk{.data = std::string(n, 'x'), .last = sent == total});
        };
        if (request.target != "/chunked") response.body_size = total;
        respond(std::move(response));
      });
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  const uint16_t port = (*server)->port();
  std::thread io_thread([&io] { io.run(); });  // the listener keeps it busy until Stop

  const double rss_before = StatusMb("VmRSS");
  asio::io_context client_io;
  asio::ip::tcp::socket socket(client_io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  boost::beast::flat_buffer buffer;

  // Upload.
  const std::string block(1 << 20, 'u');
  auto started = Clock::now();
  asio::write(socket, asio::buffer(chunked ? std::string("PUT / HTTP/1.1\r\nHost: x\r\n"
                                                         "Transfer-Encoding: chunked\r\n\r\n")
                                           : "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                                 std::to_string(total) + "\r\n\r\n"));
  const std::string chunk_header = "100000\r\n";  // 1 MB, in hex
  for (uint64_t sent = 0; sent < total; sent += block.size()) {
    if (chunked) asio::write(socket, asio::buffer(chunk_header));
    asio::write(socket, asio::buffer(block));
    if (chunked) asio::write(socket, asio::buffer("\r\n", 2));
  }
  if (chunked) asio::write(socket, asio::buffer("0\r\n\r\n", 5));
  bhttp::response<bhttp::string_body> answer;
  bhttp::read(socket, buffer, answer);
  const auto upload_time = Clock::now() - started;
  const double hwm_after_upload = StatusMb("VmHWM");
  if (answer.body() != std::to_string(total)) {
    std::fprintf(stderr, "upload: server counted %s of %llu bytes\n", answer.body().c_str(),
                 static_cast<unsigned long long>(total));
    return 1;
  }

  // Download.
  started = Clock::now();
  asio::write(socket, asio::buffer(std::string(chunked ? "GET /chunked" : "GET /") +
                                   " HTTP/1.1\r\nHost: x\r\n\r\n"));
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  bhttp::read_header(socket, buffer, parser);
  std::string piece(kPiece, '\0');
  buffer.reserve(kPiece);  // Beast sizes a socket read by the buffer's free capacity
  uint64_t received = 0;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    boost::system::error_code ec;
    bhttp::read(socket, buffer, parser, ec);
    if (ec && ec != bhttp::error::need_buffer) {
      std::fprintf(stderr, "download: %s\n", ec.message().c_str());
      return 1;
    }
    received += piece.size() - parser.get().body().size;
  }
  const auto download_time = Clock::now() - started;
  if (received != total) {
    std::fprintf(stderr, "download: %llu of %llu bytes\n",
                 static_cast<unsigned long long>(received), static_cast<unsigned long long>(total));
    return 1;
  }

  std::printf(
      "stream_bench %llu GiB %s: upload %.0f MB/s, download %.0f MB/s; RSS before %.1f MB, "
      "peak after upload %.1f MB, peak after download %.1f MB\n",
      static_cast<unsigned long long>(gib), chunked ? "chunked" : "Content-Length",
      MbPerSecond(total, upload_time), MbPerSecond(total, download_time), rss_before,
      hwm_after_upload, StatusMb("VmHWM"));
  asio::post(io, [&] {
    (*server)->Stop();
    io.stop();
  });
  io_thread.join();
  return 0;
}
