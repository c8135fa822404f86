#pragma once

#include <string_view>

#include "http/message.h"
#include "protocol/request_context.h"

namespace serval::services {

// HTTP APIs (API Gateway v2) for the execute-api front end, which serves REST APIs and HTTP APIs
// on the same URLs ("{api}.execute-api.localhost", "/_aws/execute-api/{api}/..."): a request for
// an API id that is no REST API's is handed here. The apigatewayv2 front end implements it. Runs
// only on the io thread.
class HttpApiEndpoint {
 public:
  virtual ~HttpApiEndpoint() = default;
  // Whether `api_id` names one of its HTTP APIs.
  virtual bool Serves(std::string_view api_id) const = 0;
  // Answers one request to the HTTP API `api_id`. `path` is the request's path below the API
  // (still percent-encoded, query string excluded, starting with "/"): "/{stage}/{route}" or,
  // for the $default stage, "/{route}". `respond` is called exactly once, on the io thread.
  virtual void Handle(std::string_view api_id, std::string_view path,
                      protocol::RequestContext context, http::Responder respond) = 0;
};

// Where the apigatewayv2 front end leaves its endpoint when it is created (front ends are all
// created before the first request, so a user reads `endpoint` when it serves one).
struct HttpApiEndpointSlot {
  HttpApiEndpoint* endpoint = nullptr;
};

}  // namespace serval::services
