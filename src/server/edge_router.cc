#include "server/edge_router.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace serval::server {
namespace {

http::Response NotFound(std::string_view what) {
  http::Response response{
      .status = 404,
      .body = R"({"__type":"UnknownOperationException","message":")" + std::string(what) + "\"}"};
  response.SetHeader("Content-Type", "application/json")
      .SetHeader("x-amzn-ErrorType", "UnknownOperationException");
  return response;
}

}  // namespace

void EdgeRouter::Handle(http::Request&& request, http::Responder respond) {
  const std::string_view path = request.RawPath();
  if (path == "/_serval/health") {
    http::Response response{.status = 200, .body = R"({"status":"ok"})"};
    response.SetHeader("Content-Type", "application/json");
    return respond(std::move(response));
  }
  if (path.starts_with("/_serval/code/") && request.method == "GET") {
    return ServeCode(request, respond);
  }
  if (lambda::LambdaService::Owns(request)) return lambda_->Handle(std::move(request), respond);
  respond(NotFound("No service handles " + std::string(path)));
}

void EdgeRouter::ServeCode(const http::Request& request, http::Responder& respond) {
  // /_serval/code/<64 hex>.zip: the deployment package GetFunction's Code.Location points at.
  const std::string_view file = request.RawPath().substr(std::string_view("/_serval/code/").size());
  const bool well_formed =
      file.size() == 68 && file.ends_with(".zip") &&
      std::all_of(file.begin(), file.end() - 4, [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
      });
  if (!well_formed) return respond(NotFound("no such code package"));
  std::ifstream zip(code_store_->ZipPath(file.substr(0, 64)), std::ios::binary);
  if (!zip) return respond(NotFound("no such code package"));
  std::stringstream bytes;
  bytes << zip.rdbuf();
  http::Response response{.status = 200, .body = bytes.str()};
  response.SetHeader("Content-Type", "application/zip");
  respond(std::move(response));
}

}  // namespace serval::server
