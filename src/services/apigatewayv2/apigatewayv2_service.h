#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/arn.h"
#include "common/clock.h"
#include "protocol/rest_router.h"
#include "services/apigatewayv2/http_api_gateway.h"
#include "services/apigatewayv2/http_api_resources.h"
#include "services/apigatewayv2/http_api_store.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::apigatewayv2 {

// API Gateway v2's control plane for HTTP APIs (restJson1 under /v2/, signed for "apigateway"):
// APIs (quick create with a Lambda target included), routes, integrations, stages,
// deployments, authorizers, CORS and tags. The APIs themselves are served by HttpApiGateway,
// which this front end owns and leaves in Platform::http_apis for the execute-api front end.
// Each operation is a function from the request to the answer's JSON or a Status. Runs only on
// the io thread.
class Apigatewayv2Service : public services::Service {
 public:
  struct Dependencies {
    AccountContext account;
    const Clock* clock = nullptr;
    std::string endpoint;                   // Serval's own URL, for apiEndpoint
    iam::Authorizer* authorizer = nullptr;  // null: every request is allowed
  };

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  Apigatewayv2Service(Dependencies dependencies, std::unique_ptr<HttpApiStore> apis,
                      std::unique_ptr<HttpApiGateway> gateway);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;

 private:
  // One request: its URI labels and its body (an object; empty when it has none).
  struct Call {
    const http::Request* request;
    absl::flat_hash_map<std::string, std::string> labels;
    boost::json::object body;
  };
  // An answer: its status and JSON body (none for 204).
  struct Answer {
    int status = 200;
    boost::json::object body;
  };
  struct Operation {
    absl::StatusOr<Answer> (Apigatewayv2Service::*run)(Call& call, const ResourceKind* kind);
    const ResourceKind* kind = nullptr;  // for the operations on an API's resources
  };
  static const protocol::RestRouter<Operation>& Operations();

  absl::StatusOr<Answer> CreateApi(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> GetApis(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> GetApi(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> UpdateApi(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> DeleteApi(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> DeleteCors(Call& call, const ResourceKind* kind);
  // The same five operations for every kind of resource under an API.
  absl::StatusOr<Answer> CreateResource(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> GetResources(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> GetResource(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> UpdateResource(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> DeleteResource(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> TagResource(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> UntagResource(Call& call, const ResourceKind* kind);
  absl::StatusOr<Answer> GetTags(Call& call, const ResourceKind* kind);

  // A copy of the API the call's {apiId} names, to change and Put back.
  absl::StatusOr<HttpApi> FindApi(const Call& call) const;
  // The API a tag operation's resource ARN names.
  absl::StatusOr<HttpApi> FindTagged(const Call& call) const;
  // Stores a new resource of `kind` in `api` (its defaults, id and dates set, checked).
  absl::StatusOr<boost::json::object> AddResource(HttpApi& api, const ResourceKind& kind,
                                                  boost::json::object resource);
  std::string Now() const;

  Dependencies deps_;
  std::unique_ptr<HttpApiStore> apis_;
  std::unique_ptr<HttpApiGateway> gateway_;
};

}  // namespace serval::apigatewayv2
