#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace serval::http {

absl::StatusOr<Response> Fetch(const std::string& host, uint16_t port, Request request,
                               std::chrono::seconds timeout) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace bhttp = boost::beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return absl::UnavailableError("cannot resolve " + host + ": " + ec.message());
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) {
    return absl::UnavailableError("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                                  ec.message());
  }
  bhttp::request<bhttp::string_body> message;
  message.method_string(request.method);
  message.target(request.target);
  message.version(11);
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.set(bhttp::field::host, host + ":" + std::to_string(port));
  message.body() = std::move(request.body);
  message.prepare_payload();
  bhttp::write(stream, message, ec);
  if (ec) return absl::UnavailableError("cannot send the request: " + ec.message());
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256ull << 20);
  // A HEAD answer's Content-Length describes a body that is not sent.
  parser.skip(request.method == "HEAD");
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return absl::UnavailableError("cannot read the response: " + ec.message());
  auto reply = parser.release();
  Response response{.status = static_cast<int>(reply.result_int()), .body = reply.body()};
  for (const auto& field : reply) {
    response.SetHeader(std::string(field.name_string()), std::string(field.value()));
  }
  return response;
}

}  // namespace serval::http
