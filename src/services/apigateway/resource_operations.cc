// The control plane's resource tree: resources, their methods, the methods' responses, and
// the integrations behind them with their responses.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/integration_rules.h"
#include "services/apigateway/request_body.h"
#include "services/apigateway/rest_api_json.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// The lookups below take a RestApi or a const RestApi, and give pointers of the same constness.
template <typename Api>
auto FindResource(Api& api, const std::string& id)
    -> absl::StatusOr<decltype(&api.resources.begin()->second)> {
  auto found = api.resources.find(id);
  if (found == api.resources.end()) return NotFound("Invalid Resource identifier specified");
  return &found->second;
}

template <typename Api>
auto FindMethod(Api& api, const std::string& resource_id, const std::string& verb)
    -> absl::StatusOr<decltype(&api.resources.begin()->second.methods.begin()->second)> {
  auto resource = FindResource(api, resource_id);
  if (!resource.ok()) return resource.status();
  auto found = (*resource)->methods.find(verb);
  if (found == (*resource)->methods.end()) return NotFound("Invalid Method identifier specified");
  return &found->second;
}

template <typename Api>
auto FindIntegration(Api& api, const std::string& resource_id, const std::string& verb)
    -> absl::StatusOr<
        decltype(&*api.resources.begin()->second.methods.begin()->second.integration)> {
  auto method = FindMethod(api, resource_id, verb);
  if (!method.ok()) return method.status();
  if (!(*method)->integration) return NotFound("Invalid Integration identifier specified");
  return &*(*method)->integration;
}

// The status code label of a response route, checked as API Gateway checks it.
absl::StatusOr<std::string> StatusCodeOf(const ApiGatewayService::Call& call) {
  const std::string& code = call.Label("status_code");
  if (code.size() != 3 || code[0] < '1' || code[0] > '5' ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return BadRequest("Invalid status code specified: " + code);
  }
  return code;
}

// The responses of a method, or of its integration, by status code.
template <typename Api>
auto MethodResponsesOf(Api& api, const std::string& resource_id, const std::string& verb)
    -> absl::StatusOr<
        decltype(&api.resources.begin()->second.methods.begin()->second.method_responses)> {
  auto method = FindMethod(api, resource_id, verb);
  if (!method.ok()) return method.status();
  return &(*method)->method_responses;
}

template <typename Api>
auto IntegrationResponsesOf(Api& api, const std::string& resource_id, const std::string& verb)
    -> absl::StatusOr<decltype(&api.resources.begin()
                                    ->second.methods.begin()
                                    ->second.integration->integration_responses)> {
  auto integration = FindIntegration(api, resource_id, verb);
  if (!integration.ok()) return integration.status();
  return &(*integration)->integration_responses;
}

absl::Status CheckResponse(const MethodResponse&) { return absl::OkStatus(); }
absl::Status CheckResponse(const IntegrationResponse& response) {
  return CheckIntegrationResponse(response);
}

// Put*Response: the response `body` describes, stored under `code`.
template <typename Response>
absl::StatusOr<json::object> PutResponse(absl::StatusOr<std::map<std::string, Response>*> responses,
                                         const std::string& code, const json::object& body) {
  if (!responses.ok()) return responses.status();
  Response response{.status_code = code};
  if (absl::Status read = FromJson(body, response); !read.ok()) return read;
  response.status_code = code;
  if (absl::Status valid = CheckResponse(response); !valid.ok()) return valid;
  json::object answer = ToJson(response);
  (**responses)[code] = std::move(response);
  return answer;
}

template <typename Responses>
absl::StatusOr<json::object> GetResponse(absl::StatusOr<Responses*> responses,
                                         const std::string& code) {
  if (!responses.ok()) return responses.status();
  auto found = (*responses)->find(code);
  if (found == (*responses)->end()) return NotFound("Invalid Response status code specified");
  return ToJson(found->second);
}

template <typename Responses>
absl::StatusOr<json::object> DeleteResponse(absl::StatusOr<Responses*> responses,
                                            const std::string& code) {
  if (!responses.ok()) return responses.status();
  if ((*responses)->erase(code) == 0) return NotFound("Invalid Response status code specified");
  return json::object();
}

// Removes `id` and every resource below it.
void RemoveSubtree(RestApi& api, const std::string& id) {
  std::vector<std::string> children;
  for (const auto& [child_id, resource] : api.resources) {
    if (resource.parent_id == id) children.push_back(child_id);
  }
  for (const std::string& child : children) RemoveSubtree(api, child);
  api.resources.erase(id);
}

}  // namespace

void ApiGatewayService::CreateResource(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  const std::string parent_id = call.Label("resource_id");
  const json::value* part = body->if_contains("pathPart");
  if (part == nullptr || !part->is_string()) return call.Fail(BadRequest("Invalid path part"));
  const std::string path_part(part->get_string());
  EditApi(call, 201, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Resource*> parent = FindResource(api, parent_id);
    if (!parent.ok()) return parent.status();
    if (absl::Status valid = CheckNewPathPart(api, **parent, path_part); !valid.ok()) return valid;
    const std::string parent_path = (*parent)->path;
    Resource resource{.id = NewId(),
                      .parent_id = parent_id,
                      .path_part = path_part,
                      .path = (parent_path == "/" ? "" : parent_path) + "/" + path_part};
    json::object answer = ToJson(resource, false);
    api.resources[resource.id] = std::move(resource);
    return answer;
  });
}

void ApiGatewayService::GetResource(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  auto found = (*entry)->api.resources.find(call.Label("resource_id"));
  if (found == (*entry)->api.resources.end()) {
    return call.Fail(NotFound("Invalid Resource identifier specified"));
  }
  const bool embed =
      call.context.request.QueryParams("embed") == std::vector<std::string>{"methods"};
  call.Reply(200, ToJson(found->second, embed));
}

void ApiGatewayService::GetResources(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  const std::vector<std::string> embeds = call.context.request.QueryParams("embed");
  const bool embed = std::find(embeds.begin(), embeds.end(), "methods") != embeds.end();
  call.Reply(200, ItemsPage((*entry)->api.resources, *page,
                            [&](const Resource& resource) { return ToJson(resource, embed); }));
}

void ApiGatewayService::DeleteResource(Call& call) {
  const std::string id = call.Label("resource_id");
  EditApi(call, 202, [&](RestApi& api) -> absl::StatusOr<json::object> {
    if (absl::StatusOr<Resource*> resource = FindResource(api, id); !resource.ok()) {
      return resource.status();
    }
    if (id == api.root_resource_id) return BadRequest("Cannot delete root resource");
    RemoveSubtree(api, id);
    return json::object();
  });
}

void ApiGatewayService::PutMethod(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  const std::string verb = call.Label("http_method");
  const std::string resource_id = call.Label("resource_id");
  EditApi(call, 201, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Resource*> resource = FindResource(api, resource_id);
    if (!resource.ok()) return resource.status();
    if (absl::Status valid = CheckHttpMethod(verb); !valid.ok()) return valid;
    if ((*resource)->methods.contains(verb)) {
      return Conflict("Method already exists for this resource");
    }
    Method method{.http_method = verb};
    body->erase("methodIntegration");
    body->erase("methodResponses");
    if (absl::Status read = FromJson(*body, method); !read.ok()) return read;
    method.http_method = verb;
    if (absl::Status valid = CheckMethod(api, method); !valid.ok()) return valid;
    json::object answer = ToJson(method);
    (*resource)->methods[verb] = std::move(method);
    return answer;
  });
}

void ApiGatewayService::GetMethod(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const RestApi& api = (*entry)->api;
  auto method = FindMethod(api, call.Label("resource_id"), call.Label("http_method"));
  if (!method.ok()) return call.Fail(method.status());
  call.Reply(200, ToJson(**method));
}

void ApiGatewayService::DeleteMethod(Call& call) {
  const std::string resource_id = call.Label("resource_id");
  const std::string verb = call.Label("http_method");
  EditApi(call, 204, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Method*> method = FindMethod(api, resource_id, verb);
    if (!method.ok()) return method.status();
    api.resources[resource_id].methods.erase(verb);
    return json::object();
  });
}

void ApiGatewayService::PutIntegration(Call& call) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  const std::string resource_id = call.Label("resource_id");
  const std::string verb = call.Label("http_method");
  EditApi(call, 201, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Method*> method = FindMethod(api, resource_id, verb);
    if (!method.ok()) return method.status();
    Integration integration;
    body->erase("integrationResponses");
    if (absl::Status read = FromJson(*body, integration); !read.ok()) return read;
    if (absl::Status valid = CheckIntegration(integration); !valid.ok()) return valid;
    // Putting an integration again keeps the responses already put on it.
    if ((*method)->integration) {
      integration.integration_responses = (*method)->integration->integration_responses;
    }
    json::object answer = ToJson(integration);
    (*method)->integration = std::move(integration);
    return answer;
  });
}

void ApiGatewayService::GetIntegration(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const RestApi& api = (*entry)->api;
  auto integration = FindIntegration(api, call.Label("resource_id"), call.Label("http_method"));
  if (!integration.ok()) return call.Fail(integration.status());
  call.Reply(200, ToJson(**integration));
}

void ApiGatewayService::DeleteIntegration(Call& call) {
  const std::string resource_id = call.Label("resource_id");
  const std::string verb = call.Label("http_method");
  EditApi(call, 204, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Integration*> integration = FindIntegration(api, resource_id, verb);
    if (!integration.ok()) return integration.status();
    api.resources[resource_id].methods[verb].integration.reset();
    return json::object();
  });
}

template <typename Finder>
void ApiGatewayService::PutKeyedResponse(Call& call, Finder responses) {
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  absl::StatusOr<std::string> code = StatusCodeOf(call);
  if (!code.ok()) return call.Fail(code.status());
  const std::string resource_id = call.Label("resource_id");
  const std::string verb = call.Label("http_method");
  EditApi(call, 201, [&](RestApi& api) {
    return PutResponse(responses(api, resource_id, verb), *code, *body);
  });
}

template <typename Finder>
void ApiGatewayService::ReadKeyedResponse(Call& call, Finder responses) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<json::object> answer =
      GetResponse(responses((*entry)->api, call.Label("resource_id"), call.Label("http_method")),
                  call.Label("status_code"));
  if (!answer.ok()) return call.Fail(answer.status());
  call.Reply(200, *answer);
}

template <typename Finder>
void ApiGatewayService::DeleteKeyedResponse(Call& call, Finder responses) {
  const std::string resource_id = call.Label("resource_id");
  const std::string verb = call.Label("http_method");
  const std::string code = call.Label("status_code");
  EditApi(call, 204,
          [&](RestApi& api) { return DeleteResponse(responses(api, resource_id, verb), code); });
}

void ApiGatewayService::PutMethodResponse(Call& call) {
  PutKeyedResponse(call, &MethodResponsesOf<RestApi>);
}

void ApiGatewayService::GetMethodResponse(Call& call) {
  ReadKeyedResponse(call, &MethodResponsesOf<const RestApi>);
}

void ApiGatewayService::DeleteMethodResponse(Call& call) {
  DeleteKeyedResponse(call, &MethodResponsesOf<RestApi>);
}

void ApiGatewayService::PutIntegrationResponse(Call& call) {
  PutKeyedResponse(call, &IntegrationResponsesOf<RestApi>);
}

void ApiGatewayService::GetIntegrationResponse(Call& call) {
  ReadKeyedResponse(call, &IntegrationResponsesOf<const RestApi>);
}

void ApiGatewayService::DeleteIntegrationResponse(Call& call) {
  DeleteKeyedResponse(call, &IntegrationResponsesOf<RestApi>);
}

}  // namespace serval::apigateway
