#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/arn.h"
#include "sandbox/invocation.h"
#include "services/apigateway/api_store.h"
#include "services/apigateway/compiled_api.h"
#include "services/apigateway/proxy_event.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::apigateway {

// One request to a deployed API, from routing to the answer. Shared by the integration that
// serves it (its callbacks hold it alive). Thread-compatible; lives on the io thread.
struct Exchange {
  protocol::RequestContext context;
  http::Responder respond;
  std::shared_ptr<const CompiledApi> api;  // keeps `method` valid
  const CompiledMethod* method = nullptr;
  RequestFacts facts;
  bool answered = false;  // the integration timed out, or the answer was sent

  // Sends `response` unless an answer was sent already, with the gateway's request headers.
  void Answer(http::Response response);
};

// The execute-api endpoint: serves deployed REST APIs at "{api}.execute-api.localhost:PORT/
// {stage}/{path}", "/restapis/{api}/{stage}/_user_request_/{path}" and
// "/_aws/execute-api/{api}/{stage}/{path}", and hands the requests for HTTP APIs to the
// apigatewayv2 front end (Platform::http_apis). Anonymous callers are admitted (a method that
// declares AWS_IAM requires a signature). docs/apigateway.md. Runs only on the io thread.
class ExecuteApiService : public services::Service {
 public:
  ExecuteApiService(const services::Platform& platform, std::shared_ptr<ApiStore> store);

  const services::ServiceInfo& info() const override;
  services::Access AccessFor(const http::Request& headers) const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void AddStats(boost::json::object& stats) const override;

 private:
  // Where a request points: the API, the stage and the path below it.
  struct Address {
    std::string api_id;
    std::string stage;
    std::string path;  // percent-encoded, "/" at least
    // The path below the API, with the stage ("/{stage}/{path}"), for HTTP APIs.
    std::string below_api;
  };
  static std::optional<Address> AddressOf(const http::Request& request);
  // The compiled form of the deployment `stage` points at (built on first use, then shared).
  absl::StatusOr<std::shared_ptr<const CompiledApi>> Compiled(const std::string& api_id,
                                                              const Deployment& deployment);
  // Runs the integration of the matched method.
  void Integrate(std::shared_ptr<Exchange> exchange);

  // lambda_integration.cc: AWS_PROXY and AWS (custom) integrations with a function.
  void InvokeFunction(
      std::shared_ptr<Exchange> exchange, std::string payload,
      std::function<void(std::shared_ptr<Exchange>, sandbox::InvocationOutcome)> on_outcome);
  void LambdaProxy(std::shared_ptr<Exchange> exchange);
  void LambdaCustom(std::shared_ptr<Exchange> exchange);
  // http_integration.cc: HTTP_PROXY and HTTP (custom) integrations.
  void HttpProxy(std::shared_ptr<Exchange> exchange);
  void HttpCustom(std::shared_ptr<Exchange> exchange);
  // mock_integration.cc
  void Mock(std::shared_ptr<Exchange> exchange);

  services::Platform platform_;
  std::shared_ptr<ApiStore> store_;
  // Compiled deployments by "api/deployment id".
  std::map<std::string, std::shared_ptr<const CompiledApi>> compiled_;
  uint64_t requests_ = 0;
};

}  // namespace serval::apigateway
