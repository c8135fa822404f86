#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/arn.h"
#include "sandbox/invocation.h"
#include "services/apigateway/api_store.h"
#include "services/apigateway/authorizer_cache.h"
#include "services/apigateway/compiled_api.h"
#include "services/apigateway/proxy_event.h"
#include "services/apigateway/quota_meter.h"
#include "services/apigateway/token_bucket.h"
#include "services/apigateway/usage_store.h"
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
  // The API key a Lambda authorizer named (usageIdentifierKey), for apiKeySource AUTHORIZER.
  std::string usage_identifier_key;

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
  ExecuteApiService(const services::Platform& platform, std::shared_ptr<ApiStore> store,
                    std::shared_ptr<UsageStore> usage);

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

  // access_control.cc: what a request passes before its integration, in AWS's order: the API
  // key and its usage plan's throttle and quota (after the authorizer when the key comes from
  // it), the Lambda authorizer, the request validator, the stage's throttling; then Integrate.
  void Admit(std::shared_ptr<Exchange> exchange);
  // The API key step: nullopt when the method needs no key or the key is good and within its
  // plan's limits, else the gateway's answer (403 Forbidden, 429).
  std::optional<http::Response> CheckApiKey(Exchange& exchange);
  // The stage's method throttling ("resource path/VERB" settings, else "*/*"): 429 or nullopt.
  std::optional<http::Response> ThrottleStage(const Exchange& exchange);
  // authorizer.cc: a CUSTOM method's Lambda authorizer (TOKEN or REQUEST), its answers cached
  // per identity; `next` runs when the policy allows the method (at once for other methods).
  void Authorize(std::shared_ptr<Exchange> exchange,
                 std::function<void(std::shared_ptr<Exchange>)> next);

  // A call of a Lambda function on behalf of a request: its integration or its authorizer.
  struct FunctionCall {
    std::string function;    // "arn:aws:lambda:...:function:name[:alias]", stage variables in
    std::string source_arn;  // what the function's resource policy must allow
    std::string payload;
    int64_t timeout_ms = 0;
    http::Response (*failure)() = nullptr;  // the answer when the call cannot be made
    http::Response (*timeout)() = nullptr;  // the answer when the function takes too long
  };
  // lambda_integration.cc: resolves the function, checks its permission, invokes it with the
  // timeout; `on_outcome` hears what it returned unless the exchange was answered already.
  void CallFunction(
      std::shared_ptr<Exchange> exchange, FunctionCall call,
      std::function<void(std::shared_ptr<Exchange>, sandbox::InvocationOutcome)> on_outcome);
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
  std::shared_ptr<UsageStore> usage_;
  RateLimiter limiter_;  // stage and usage-plan throttling
  QuotaMeter quotas_;
  AuthorizerCache authorizer_cache_;
  // Compiled deployments by "api/deployment id".
  std::map<std::string, std::shared_ptr<const CompiledApi>> compiled_;
  uint64_t requests_ = 0;
};

}  // namespace serval::apigateway
