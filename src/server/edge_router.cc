#include "server/edge_router.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/aws_error.h"
#include "common/ids.h"

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

// A refused signature in the JSON protocols' shape (code in x-amzn-ErrorType and __type).
http::Response AuthError(const absl::Status& status) {
  const std::string code = AwsErrorCode(status);
  boost::json::object body{{"__type", code}, {"message", std::string(status.message())}};
  http::Response response{.status = http::SigV4HttpStatus(status),
                          .body = boost::json::serialize(body)};
  response.SetHeader("Content-Type", "application/json")
      .SetHeader("x-amzn-ErrorType", code)
      .SetHeader("x-amzn-RequestId", NewUuid());
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
  if (path == "/_serval/stats" && request.method == "GET" && stats_json_) {
    http::Response response{.status = 200, .body = stats_json_()};
    response.SetHeader("Content-Type", "application/json");
    return respond(std::move(response));
  }
  if (path == "/_serval/clock/advance" && request.method == "POST" && advance_clock_) {
    const double seconds =
        std::strtod(request.QueryParam("seconds").value_or("0").c_str(), nullptr);
    const int64_t now = advance_clock_(static_cast<int64_t>(seconds * 1000));
    http::Response response{.status = 200, .body = R"({"now":)" + std::to_string(now) + "}"};
    response.SetHeader("Content-Type", "application/json");
    return respond(std::move(response));
  }
  // An oversized body was not read, so its signature cannot be checked; the front end refuses
  // the request in its own shape anyway. Code downloads carry a presigned URL's signature.
  if (!request.body_too_large && credentials_) {
    http::VerifiedCaller caller;
    if (auto status =
            http::VerifySigV4(request, *credentials_, signature_clock_->NowMillis(), &caller);
        !status.ok()) {
      return respond(AuthError(status));
    }
  }
  if (path.starts_with("/_serval/code/") && request.method == "GET") {
    return ServeCode(request, respond);
  }
  if (events::EventsService::Owns(request)) return events_->Handle(std::move(request), respond);
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
