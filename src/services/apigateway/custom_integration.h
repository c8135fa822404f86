#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"
#include "services/apigateway/compiled_api.h"
#include "services/apigateway/proxy_event.h"
#include "services/apigateway/vtl/template.h"

namespace serval::apigateway {

// The mapping half of the non-proxy integrations (AWS, HTTP, MOCK): the request template that
// shapes what the backend gets, and the integration response that shapes what the client gets.
// Thread-safe (pure functions).

// The media type of a Content-Type or Accept value, without parameters, lower case
// ("Application/JSON; charset=utf-8" is "application/json"; of a list, the first).
std::string MediaType(std::string_view value);

// What templates see of the request: $input.params() and $context, $stageVariables.
vtl::Bindings RequestBindings(const http::Request& request, const RequestFacts& facts);

// The integration request's body: the request template chosen by the request's Content-Type
// (application/json when it has none) rendered, or the body passed through as the
// passthroughBehavior allows; nullopt when it does not (the gateway answers 415). A template
// that fails at run time is an error (500).
absl::StatusOr<std::optional<std::string>> IntegrationRequestBody(const CompiledMethod& method,
                                                                  const http::Request& request,
                                                                  const vtl::Bindings& bindings);

// What the backend answered.
struct IntegrationOutput {
  std::string body;
  // What selection patterns are matched against: a Lambda error's errorMessage, an HTTP status
  // code, MOCK's statusCode; nullopt for a Lambda success, which always takes the default.
  std::optional<std::string> selector;
  std::vector<std::pair<std::string, std::string>> headers;  // an HTTP backend's
};

// The method response for `output`: the integration response its selector matches (the first
// in status-code order), else the default; its template chosen by the client's Accept (else
// application/json, else the first) and rendered over the output, its responseParameters
// applied, $context.responseOverride honoured. Without a matching response, or for a status the
// method does not declare, API Gateway's 500.
http::Response MapIntegrationResponse(const CompiledMethod& method, const IntegrationOutput& output,
                                      const http::Request& request, vtl::Bindings bindings);

}  // namespace serval::apigateway
