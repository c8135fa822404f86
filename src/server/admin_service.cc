#include "server/admin_service.h"

#include <cstdlib>

namespace serval::server {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kRestJson1;

}  // namespace

const services::ServiceInfo& AdminService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "serval",
      .protocol = kProtocol,
      .path_prefixes = {"/_serval/health", "/_serval/stats", "/_serval/clock/advance"}};
  return kInfo;
}

void AdminService::Handle(protocol::RequestContext context, http::Responder respond) {
  const http::Request& request = context.request;
  const std::string_view path = request.RawPath();
  if (path == "/_serval/health") {
    return respond(
        protocol::JsonResponse(kProtocol, 200, R"({"status":"ok"})", context.request_id));
  }
  if (path == "/_serval/stats" && request.method == "GET") {
    return respond(protocol::JsonResponse(kProtocol, 200, stats_json_(), context.request_id));
  }
  if (path == "/_serval/clock/advance" && request.method == "POST" && advance_clock_) {
    const double seconds =
        std::strtod(request.QueryParam("seconds").value_or("0").c_str(), nullptr);
    const int64_t now = advance_clock_(static_cast<int64_t>(seconds * 1000));
    return respond(protocol::JsonResponse(kProtocol, 200, R"({"now":)" + std::to_string(now) + "}",
                                          context.request_id));
  }
  respond(protocol::ErrorResponse(
      kProtocol, protocol::UnknownOperation(kProtocol, request.method + " " + std::string(path)),
      context.request_id));
}

}  // namespace serval::server
