#include "services/apigateway/apigateway_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/ids.h"
#include "protocol/protocol.h"
#include "services/access_check.h"
#include "services/apigateway/apigateway_access.h"
#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/execute_api_service.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr protocol::Protocol kProtocol = protocol::Protocol::kRestJson1;

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<services::Service>>> CreateFrontEnds(
    const services::Platform& platform) {
  absl::StatusOr<std::unique_ptr<ApiStore>> opened = ApiStore::Open(platform.metadata);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<ApiStore> store = *std::move(opened);
  absl::StatusOr<std::unique_ptr<UsageStore>> usage_opened = UsageStore::Open(platform.metadata);
  if (!usage_opened.ok()) return usage_opened.status();
  std::shared_ptr<UsageStore> usage = *std::move(usage_opened);
  std::vector<std::unique_ptr<services::Service>> services;
  services.push_back(std::make_unique<ApiGatewayService>(platform.account, platform.clock,
                                                         platform.authorizer, store, usage));
  services.push_back(std::make_unique<ExecuteApiService>(platform, store, usage));
  return services;
}

ApiGatewayService::ApiGatewayService(AccountContext account, const Clock* clock,
                                     iam::Authorizer* authorizer, std::shared_ptr<ApiStore> store,
                                     std::shared_ptr<UsageStore> usage)
    : account_(std::move(account)),
      authorizer_(authorizer),
      clock_(clock),
      store_(std::move(store)),
      usage_(std::move(usage)) {}

const services::ServiceInfo& ApiGatewayService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "apigateway",
      .signing_name = "apigateway",
      .protocol = kProtocol,
      .path_prefixes = {"/restapis", "/apikeys", "/usageplans"}};
  return kInfo;
}

const protocol::RestRouter<ApiGatewayService::Operation>& ApiGatewayService::Operations() {
  using S = ApiGatewayService;
  static const protocol::RestRouter<Operation> kOperations({
      {"POST", "/restapis", [](S& s, Call& c) { s.CreateRestApi(c); }},
      {"POST", "/restapis?mode=import", [](S& s, Call& c) { s.ImportRestApi(c); }},
      {"GET", "/restapis", [](S& s, Call& c) { s.GetRestApis(c); }},
      {"GET", "/restapis/{restapi_id}", [](S& s, Call& c) { s.GetRestApi(c); }},
      {"PUT", "/restapis/{restapi_id}", [](S& s, Call& c) { s.PutRestApi(c); }},
      {"PATCH", "/restapis/{restapi_id}", [](S& s, Call& c) { s.UpdateRestApi(c); }},
      {"DELETE", "/restapis/{restapi_id}", [](S& s, Call& c) { s.DeleteRestApi(c); }},
      {"GET", "/restapis/{restapi_id}/resources", [](S& s, Call& c) { s.GetResources(c); }},
      {"POST", "/restapis/{restapi_id}/resources/{resource_id}",
       [](S& s, Call& c) { s.CreateResource(c); }},
      {"GET", "/restapis/{restapi_id}/resources/{resource_id}",
       [](S& s, Call& c) { s.GetResource(c); }},
      {"DELETE", "/restapis/{restapi_id}/resources/{resource_id}",
       [](S& s, Call& c) { s.DeleteResource(c); }},
      {"PUT", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
       [](S& s, Call& c) { s.PutMethod(c); }},
      {"GET", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
       [](S& s, Call& c) { s.GetMethod(c); }},
      {"DELETE", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
       [](S& s, Call& c) { s.DeleteMethod(c); }},
      {"PUT",
       "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/"
       "{status_code}",
       [](S& s, Call& c) { s.PutMethodResponse(c); }},
      {"GET",
       "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/"
       "{status_code}",
       [](S& s, Call& c) { s.GetMethodResponse(c); }},
      {"DELETE",
       "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/"
       "{status_code}",
       [](S& s, Call& c) { s.DeleteMethodResponse(c); }},
      {"PUT", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
       [](S& s, Call& c) { s.PutIntegration(c); }},
      {"GET", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
       [](S& s, Call& c) { s.GetIntegration(c); }},
      {"DELETE", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
       [](S& s, Call& c) { s.DeleteIntegration(c); }},
      {"PUT",
       "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/"
       "responses/{status_code}",
       [](S& s, Call& c) { s.PutIntegrationResponse(c); }},
      {"GET",
       "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/"
       "responses/{status_code}",
       [](S& s, Call& c) { s.GetIntegrationResponse(c); }},
      {"DELETE",
       "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/"
       "responses/{status_code}",
       [](S& s, Call& c) { s.DeleteIntegrationResponse(c); }},
      {"POST", "/restapis/{restapi_id}/deployments", [](S& s, Call& c) { s.CreateDeployment(c); }},
      {"GET", "/restapis/{restapi_id}/deployments", [](S& s, Call& c) { s.GetDeployments(c); }},
      {"GET", "/restapis/{restapi_id}/deployments/{deployment_id}",
       [](S& s, Call& c) { s.GetDeployment(c); }},
      {"DELETE", "/restapis/{restapi_id}/deployments/{deployment_id}",
       [](S& s, Call& c) { s.DeleteDeployment(c); }},
      {"POST", "/restapis/{restapi_id}/stages", [](S& s, Call& c) { s.CreateStage(c); }},
      {"GET", "/restapis/{restapi_id}/stages", [](S& s, Call& c) { s.GetStages(c); }},
      {"GET", "/restapis/{restapi_id}/stages/{stage_name}", [](S& s, Call& c) { s.GetStage(c); }},
      {"PATCH", "/restapis/{restapi_id}/stages/{stage_name}",
       [](S& s, Call& c) { s.UpdateStage(c); }},
      {"DELETE", "/restapis/{restapi_id}/stages/{stage_name}",
       [](S& s, Call& c) { s.DeleteStage(c); }},
      {"GET", "/restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}",
       [](S& s, Call& c) { s.GetExport(c); }},
      {"POST", "/restapis/{restapi_id}/authorizers", [](S& s, Call& c) { s.CreateAuthorizer(c); }},
      {"GET", "/restapis/{restapi_id}/authorizers", [](S& s, Call& c) { s.GetAuthorizers(c); }},
      {"GET", "/restapis/{restapi_id}/authorizers/{authorizer_id}",
       [](S& s, Call& c) { s.GetAuthorizer(c); }},
      {"PATCH", "/restapis/{restapi_id}/authorizers/{authorizer_id}",
       [](S& s, Call& c) { s.UpdateAuthorizer(c); }},
      {"DELETE", "/restapis/{restapi_id}/authorizers/{authorizer_id}",
       [](S& s, Call& c) { s.DeleteAuthorizer(c); }},
      {"POST", "/restapis/{restapi_id}/requestvalidators",
       [](S& s, Call& c) { s.CreateRequestValidator(c); }},
      {"GET", "/restapis/{restapi_id}/requestvalidators",
       [](S& s, Call& c) { s.GetRequestValidators(c); }},
      {"GET", "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
       [](S& s, Call& c) { s.GetRequestValidator(c); }},
      {"PATCH", "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
       [](S& s, Call& c) { s.UpdateRequestValidator(c); }},
      {"DELETE", "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
       [](S& s, Call& c) { s.DeleteRequestValidator(c); }},
      {"POST", "/restapis/{restapi_id}/models", [](S& s, Call& c) { s.CreateModel(c); }},
      {"GET", "/restapis/{restapi_id}/models", [](S& s, Call& c) { s.GetModels(c); }},
      {"GET", "/restapis/{restapi_id}/models/{model_name}", [](S& s, Call& c) { s.GetModel(c); }},
      {"PATCH", "/restapis/{restapi_id}/models/{model_name}",
       [](S& s, Call& c) { s.UpdateModel(c); }},
      {"DELETE", "/restapis/{restapi_id}/models/{model_name}",
       [](S& s, Call& c) { s.DeleteModel(c); }},
      {"POST", "/apikeys", [](S& s, Call& c) { s.CreateApiKey(c); }},
      {"GET", "/apikeys", [](S& s, Call& c) { s.GetApiKeys(c); }},
      {"GET", "/apikeys/{api_key}", [](S& s, Call& c) { s.GetApiKey(c); }},
      {"PATCH", "/apikeys/{api_key}", [](S& s, Call& c) { s.UpdateApiKey(c); }},
      {"DELETE", "/apikeys/{api_key}", [](S& s, Call& c) { s.DeleteApiKey(c); }},
      {"POST", "/usageplans", [](S& s, Call& c) { s.CreateUsagePlan(c); }},
      {"GET", "/usageplans", [](S& s, Call& c) { s.GetUsagePlans(c); }},
      {"GET", "/usageplans/{usageplan_id}", [](S& s, Call& c) { s.GetUsagePlan(c); }},
      {"PATCH", "/usageplans/{usageplan_id}", [](S& s, Call& c) { s.UpdateUsagePlan(c); }},
      {"DELETE", "/usageplans/{usageplan_id}", [](S& s, Call& c) { s.DeleteUsagePlan(c); }},
      {"POST", "/usageplans/{usageplan_id}/keys", [](S& s, Call& c) { s.CreateUsagePlanKey(c); }},
      {"GET", "/usageplans/{usageplan_id}/keys", [](S& s, Call& c) { s.GetUsagePlanKeys(c); }},
      {"GET", "/usageplans/{usageplan_id}/keys/{key_id}",
       [](S& s, Call& c) { s.GetUsagePlanKey(c); }},
      {"DELETE", "/usageplans/{usageplan_id}/keys/{key_id}",
       [](S& s, Call& c) { s.DeleteUsagePlanKey(c); }},
  });
  return kOperations;
}

const std::string& ApiGatewayService::Call::Label(const std::string& name) const {
  static const std::string kNone;
  auto found = labels.find(name);
  return found == labels.end() ? kNone : found->second;
}

void ApiGatewayService::Call::Fail(const absl::Status& status) {
  respond(protocol::ErrorResponse(kProtocol, status, context.request_id));
}

void ApiGatewayService::Call::Reply(int status, const json::object& body) {
  respond(protocol::JsonResponse(kProtocol, status, json::serialize(body), context.request_id));
}

void ApiGatewayService::Call::ReplyEmpty(int status) {
  http::Response response{.status = status};
  protocol::SetRequestId(kProtocol, context.request_id, response);
  respond(std::move(response));
}

std::function<void(absl::Status)> ApiGatewayService::Call::WhenStored(int status,
                                                                      json::object answer) {
  return
      [call = std::move(*this), status, answer = std::move(answer)](absl::Status stored) mutable {
        if (!stored.ok()) return call.Fail(stored);
        if (answer.empty()) return call.ReplyEmpty(status);
        call.Reply(status, answer);
      };
}

void ApiGatewayService::Handle(protocol::RequestContext context, http::Responder respond) {
  Call call{.context = std::move(context), .respond = std::move(respond)};
  auto match = Operations().Find(call.context.request);
  if (!match) {
    return call.Fail(protocol::UnknownOperation(
        kProtocol,
        call.context.request.method + " " + std::string(call.context.request.RawPath())));
  }
  const http::Request& request = call.context.request;
  absl::Status allowed =
      services::CheckAccess(authorizer_, call.context.caller, "AccessDeniedException", [&] {
        return services::AccessRequests{ManageRequest(request.method, request.RawPath(), account_)};
      });
  if (!allowed.ok()) return call.Fail(allowed);
  call.labels = std::move(match->labels);
  (*match->operation)(*this, call);
}

absl::StatusOr<const ApiStore::Entry*> ApiGatewayService::FindApi(const Call& call) const {
  const std::string& id = call.Label("restapi_id");
  const ApiStore::Entry* entry = store_->Find(id);
  if (entry == nullptr) {
    return NotFound(fmt::format("Invalid API identifier specified {}:{}", account_.account_id, id));
  }
  return entry;
}

void ApiGatewayService::EditApi(Call& call, int status,
                                std::function<absl::StatusOr<json::object>(RestApi& api)> edit) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  RestApi api = (*entry)->api;
  absl::StatusOr<json::object> answer = edit(api);
  if (!answer.ok()) return call.Fail(answer.status());
  store_->PutApi(std::move(api), call.WhenStored(status, *std::move(answer)));
}

std::string ApiGatewayService::NewId() {
  constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  for (int i = 0; i < 10; ++i) {
    id += kAlphabet[static_cast<size_t>(RandomUnit() * kAlphabet.size()) % kAlphabet.size()];
  }
  return id;
}

}  // namespace serval::apigateway
