#include "server/edge_router.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "common/aws_error.h"
#include "common/ids.h"

namespace serval::server {
namespace {

// The edge's one error writer: the JSON protocols' shape (code in __type and x-amzn-ErrorType),
// which both Lambda (rest-json) and EventBridge (JSON 1.1) clients read.
http::Response JsonError(int status, std::string_view code, std::string_view message) {
  boost::json::object body{{"__type", std::string(code)}, {"message", std::string(message)}};
  http::Response response{.status = status, .body = boost::json::serialize(body)};
  response.SetHeader("Content-Type", "application/json")
      .SetHeader("x-amzn-ErrorType", std::string(code))
      .SetHeader("x-amzn-RequestId", NewUuid());
  return response;
}

http::Response NotFound(std::string_view what) {
  return JsonError(404, "UnknownOperationException", what);
}

// A refused signature.
http::Response AuthError(const absl::Status& status) {
  return JsonError(http::SigV4HttpStatus(status), AwsErrorCode(status),
                   std::string(status.message()));
}

http::Response OkJson(std::string body) {
  http::Response response{.status = 200, .body = std::move(body)};
  response.SetHeader("Content-Type", "application/json");
  return response;
}

}  // namespace

EdgeRouter::Route EdgeRouter::RouteOf(const http::Request& request) const {
  const std::string_view path = request.RawPath();
  if (path == "/_serval/health") return Route::kHealth;
  if (path == "/_serval/stats" && request.method == "GET" && stats_json_) return Route::kStats;
  if (path == "/_serval/clock/advance" && request.method == "POST" && advance_clock_) {
    return Route::kClockAdvance;
  }
  if (path.starts_with("/_serval/code/") && request.method == "GET") return Route::kCode;
  if (events::EventsService::Owns(request)) return Route::kEvents;
  if (lambda::LambdaService::Owns(request)) return Route::kLambda;
  return Route::kNone;
}

std::optional<http::SigV4Options> EdgeRouter::SignatureRule(Route route) const {
  // The service each route's signatures are scoped to, in Route order; nullopt: open. Code
  // downloads carry the presigned URL GetFunction signs for "lambda" (serve.cc); an unknown
  // route gets NotFound, but only after a valid signature for any service.
  static constexpr std::array<std::optional<std::string_view>, 7> kService = {
      std::nullopt, std::nullopt, std::nullopt, "lambda", "events", "lambda", ""};
  const std::optional<std::string_view> service = kService[static_cast<size_t>(route)];
  if (!service.has_value() || credentials_ == nullptr) return std::nullopt;
  return http::SigV4Options{.region = region_, .service = *service};
}

std::optional<http::Response> EdgeRouter::ScreenHeader(const http::Request& headers) const {
  const std::optional<http::SigV4Options> rule = SignatureRule(RouteOf(headers));
  if (!rule.has_value()) return std::nullopt;
  if (absl::Status status =
          http::ScreenSigV4(headers, *credentials_, signature_clock_->NowMillis(), *rule);
      !status.ok()) {
    return AuthError(status);
  }
  return std::nullopt;
}

http::Response EdgeRouter::RefusalResponse(http::Refusal refusal) {
  switch (refusal) {
    case http::Refusal::kMalformed:
      return JsonError(400, "BadRequestException", "The request is not valid HTTP/1.1.");
    case http::Refusal::kHeaderTooLarge:
      return JsonError(431, "RequestHeaderFieldsTooLargeException",
                       "The request headers are larger than 64 KB.");
    case http::Refusal::kOverloaded: {
      // Lambda's throttling answer, which the SDKs retry.
      http::Response response = JsonError(429, "TooManyRequestsException", "Rate Exceeded.");
      response.SetHeader("Retry-After", "1");
      return response;
    }
  }
  return JsonError(400, "BadRequestException", "Refused.");
}

void EdgeRouter::Handle(http::Request&& request, http::Responder respond) {
  // Refused before routing: the body was not read, so neither its signature nor the request can
  // be judged.
  if (request.body_too_large) {
    return respond(
        JsonError(413, "RequestEntityTooLargeException",
                  "Request must be smaller than " + std::to_string(body_limit_) + " bytes."));
  }
  const Route route = RouteOf(request);
  if (const std::optional<http::SigV4Options> rule = SignatureRule(route); rule.has_value()) {
    http::VerifiedCaller caller;
    if (absl::Status status = http::VerifySigV4(request, *credentials_,
                                                signature_clock_->NowMillis(), &caller, *rule);
        !status.ok()) {
      return respond(AuthError(status));
    }
    if (!caller.principal.empty()) ++calls_by_function_[caller.principal];
  }
  switch (route) {
    case Route::kHealth:
      return respond(OkJson(R"({"status":"ok"})"));
    case Route::kStats:
      return respond(OkJson(stats_json_()));
    case Route::kClockAdvance: {
      const double seconds =
          std::strtod(request.QueryParam("seconds").value_or("0").c_str(), nullptr);
      const int64_t now = advance_clock_(static_cast<int64_t>(seconds * 1000));
      return respond(OkJson(R"({"now":)" + std::to_string(now) + "}"));
    }
    case Route::kCode:
      return ServeCode(request, respond);
    case Route::kEvents:
      return events_->Handle(std::move(request), respond);
    case Route::kLambda:
      return lambda_->Handle(std::move(request), respond);
    case Route::kNone:
      break;
  }
  respond(NotFound("No service handles " + std::string(request.RawPath())));
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
  const std::filesystem::path zip = code_store_->ZipPath(file.substr(0, 64));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(zip, ec)) return respond(NotFound("no such code package"));
  // Streamed from disk: a 50 MB package is never held in memory.
  http::Response response{.status = 200, .body_file = zip.string()};
  response.SetHeader("Content-Type", "application/zip");
  respond(std::move(response));
}

}  // namespace serval::server
