#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/arn.h"
#include "common/clock.h"
#include "protocol/rest_router.h"
#include "services/apigateway/api_store.h"
#include "services/apigateway/request_body.h"
#include "services/apigateway/usage_store.h"
#include "services/platform.h"
#include "services/service.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::apigateway {

// API Gateway's front ends: the control plane (this class) and the execute-api endpoint that
// serves the deployed APIs (execute_api_service.h), sharing one ApiStore.
absl::StatusOr<std::vector<std::unique_ptr<services::Service>>> CreateFrontEnds(
    const services::Platform& platform);

// The REST API control plane (API Gateway v1, restJson1 under /restapis, /apikeys and
// /usageplans): APIs, resources, methods, integrations and their responses, deployments,
// stages, import and export; authorizers, request validators and models; API keys and usage
// plans. docs/apigateway.md has what it supports. Runs only on the io thread.
class ApiGatewayService : public services::Service {
 public:
  // `authorizer` null: every request is allowed.
  ApiGatewayService(AccountContext account, const Clock* clock, iam::Authorizer* authorizer,
                    std::shared_ptr<ApiStore> store, std::shared_ptr<UsageStore> usage);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;

  // One request being answered.
  struct Call {
    protocol::RequestContext context;
    http::Responder respond;
    absl::flat_hash_map<std::string, std::string> labels;

    // The URI label `name` ("restapi_id"); empty when the route has none.
    const std::string& Label(const std::string& name) const;
    void Fail(const absl::Status& status);
    void Reply(int status, const boost::json::object& body);
    void ReplyEmpty(int status);
    // Takes the call over: what to run once a store has a change, answering `status` with
    // `answer` (an empty answer: no body) or the store's error.
    std::function<void(absl::Status)> WhenStored(int status, boost::json::object answer);
  };

 private:
  using Operation = void (*)(ApiGatewayService& service, Call& call);
  static const protocol::RestRouter<Operation>& Operations();

  // The API {restapi_id} names, or NotFoundException.
  absl::StatusOr<const ApiStore::Entry*> FindApi(const Call& call) const;
  // Runs `edit` on a copy of the API {restapi_id} names and, when it succeeds, stores the copy
  // and answers `status` with what `edit` returned (an empty answer: no body).
  void EditApi(Call& call, int status,
               std::function<absl::StatusOr<boost::json::object>(RestApi& api)> edit);
  // A fresh identifier, as API Gateway makes them (10 lower-case letters and digits).
  static std::string NewId();

  // rest_api_operations.cc: APIs (create, import, put, get, list, update, delete).
  void CreateRestApi(Call& call);
  void ImportRestApi(Call& call);
  void PutRestApi(Call& call);
  void GetRestApi(Call& call);
  void GetRestApis(Call& call);
  void UpdateRestApi(Call& call);
  void DeleteRestApi(Call& call);
  // resource_operations.cc: resources, methods, integrations and their responses.
  void CreateResource(Call& call);
  void GetResource(Call& call);
  void GetResources(Call& call);
  void DeleteResource(Call& call);
  void PutMethod(Call& call);
  void GetMethod(Call& call);
  void DeleteMethod(Call& call);
  void PutMethodResponse(Call& call);
  void GetMethodResponse(Call& call);
  void DeleteMethodResponse(Call& call);
  void PutIntegration(Call& call);
  void GetIntegration(Call& call);
  void DeleteIntegration(Call& call);
  void PutIntegrationResponse(Call& call);
  void GetIntegrationResponse(Call& call);
  void DeleteIntegrationResponse(Call& call);
  // The Put, Get and Delete of a method's or an integration's responses: `responses` finds the
  // responses of the method the route names in an API (resource_operations.cc).
  template <typename Finder>
  void PutKeyedResponse(Call& call, Finder responses);
  template <typename Finder>
  void ReadKeyedResponse(Call& call, Finder responses);
  template <typename Finder>
  void DeleteKeyedResponse(Call& call, Finder responses);
  // deployment_operations.cc: deployments, stages, export.
  void CreateDeployment(Call& call);
  void GetDeployment(Call& call);
  void GetDeployments(Call& call);
  void DeleteDeployment(Call& call);
  void CreateStage(Call& call);
  void GetStage(Call& call);
  void GetStages(Call& call);
  void UpdateStage(Call& call);
  void DeleteStage(Call& call);
  void GetExport(Call& call);
  // authorizer_operations.cc
  void CreateAuthorizer(Call& call);
  void GetAuthorizer(Call& call);
  void GetAuthorizers(Call& call);
  void UpdateAuthorizer(Call& call);
  void DeleteAuthorizer(Call& call);
  // validator_operations.cc: request validators and models.
  void CreateRequestValidator(Call& call);
  void GetRequestValidator(Call& call);
  void GetRequestValidators(Call& call);
  void UpdateRequestValidator(Call& call);
  void DeleteRequestValidator(Call& call);
  void CreateModel(Call& call);
  void GetModel(Call& call);
  void GetModels(Call& call);
  void UpdateModel(Call& call);
  void DeleteModel(Call& call);
  // api_key_operations.cc
  absl::StatusOr<const ApiKey*> FindKey(const std::string& id) const;
  void CreateApiKey(Call& call);
  void GetApiKey(Call& call);
  void GetApiKeys(Call& call);
  void UpdateApiKey(Call& call);
  void DeleteApiKey(Call& call);
  // usage_plan_operations.cc: usage plans and their keys.
  absl::StatusOr<const UsagePlan*> FindPlan(const Call& call) const;
  // The plan's API stages exist and its quota is one API Gateway takes.
  absl::Status CheckApiStages(const UsagePlan& plan) const;
  absl::Status PatchUsagePlan(const std::vector<PatchOperation>& patch, UsagePlan& plan) const;
  void CreateUsagePlan(Call& call);
  void GetUsagePlan(Call& call);
  void GetUsagePlans(Call& call);
  void UpdateUsagePlan(Call& call);
  void DeleteUsagePlan(Call& call);
  void CreateUsagePlanKey(Call& call);
  void GetUsagePlanKey(Call& call);
  void GetUsagePlanKeys(Call& call);
  void DeleteUsagePlanKey(Call& call);

  AccountContext account_;
  iam::Authorizer* authorizer_;
  const Clock* clock_;
  std::shared_ptr<ApiStore> store_;
  std::shared_ptr<UsageStore> usage_;
};

}  // namespace serval::apigateway
