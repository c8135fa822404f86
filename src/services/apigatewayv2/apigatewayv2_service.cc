#include "services/apigatewayv2/apigatewayv2_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/ids.h"
#include "common/json_fields.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/protocol.h"
#include "services/access_check.h"
#include "services/apigateway/apigateway_access.h"
#include "services/apigatewayv2/cors.h"
#include "services/http_api_endpoint.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr protocol::Protocol kProtocol = protocol::Protocol::kRestJson1;
constexpr char kDefaultStage[] = "$default";

// API Gateway's ids: ten lower-case letters and digits for APIs, seven for what is under them.
std::string NewId(size_t length) { return RandomHex(5).substr(0, length); }

absl::StatusOr<json::object> ParseJsonBody(const std::string& body) {
  if (body.empty()) return json::object();
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return BadRequest("Invalid request body: not a JSON object");
  return std::move(parsed.get_object());
}

absl::Status CheckCors(const json::object& api) {
  const json::value* cors = api.if_contains("corsConfiguration");
  if (!cors || cors->is_null()) return absl::OkStatus();
  auto parsed = ParseCors(*cors, CorsNaming::kCamel, -1);
  return parsed.ok() ? absl::OkStatus() : BadRequest(std::string(parsed.status().message()));
}

// The API members a client may set (CreateApi and UpdateApi); target and routeKey are quick
// create's.
constexpr std::string_view kApiMembers[] = {"name",
                                            "description",
                                            "version",
                                            "protocolType",
                                            "corsConfiguration",
                                            "routeSelectionExpression",
                                            "apiKeySelectionExpression",
                                            "disableExecuteApiEndpoint",
                                            "disableSchemaValidation",
                                            "tags",
                                            "ipAddressType"};

void CopyMembers(const json::object& from, json::object& to) {
  for (std::string_view member : kApiMembers) {
    if (const json::value* value = from.if_contains(member)) to[member] = *value;
  }
}

// The resource `id` of `kind` in `api`, to read or change in place.
absl::StatusOr<json::object*> FindResource(HttpApi& api, const ResourceKind& kind,
                                           const std::string& id) {
  auto& children = api.children[std::string(kind.collection)];
  auto found = children.find(id);
  if (found == children.end()) {
    return NotFound(fmt::format("Invalid {} identifier specified {}", kind.type, id));
  }
  return &found->second;
}

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> Apigatewayv2Service::Create(
    const services::Platform& platform) {
  auto apis = HttpApiStore::Open(platform.metadata);
  if (!apis.ok()) return apis.status();
  auto gateway = std::make_unique<HttpApiGateway>(
      HttpApiGateway::Dependencies{.account = platform.account,
                                   .invoker = platform.invoker,
                                   .functions = platform.functions,
                                   .clock = platform.clock,
                                   .io = platform.io,
                                   .authorizer = platform.authorizer},
      apis->get());
  if (platform.http_apis) platform.http_apis->endpoint = gateway.get();
  return std::make_unique<Apigatewayv2Service>(Dependencies{.account = platform.account,
                                                            .clock = platform.clock,
                                                            .endpoint = platform.endpoint,
                                                            .authorizer = platform.authorizer},
                                               *std::move(apis), std::move(gateway));
}

Apigatewayv2Service::Apigatewayv2Service(Dependencies dependencies,
                                         std::unique_ptr<HttpApiStore> apis,
                                         std::unique_ptr<HttpApiGateway> gateway)
    : deps_(std::move(dependencies)), apis_(std::move(apis)), gateway_(std::move(gateway)) {}

const services::ServiceInfo& Apigatewayv2Service::info() const {
  static const services::ServiceInfo kInfo{.name = "apigatewayv2",
                                           .signing_name = "apigateway",
                                           .protocol = kProtocol,
                                           .path_prefixes = {"/v2/"}};
  return kInfo;
}

const protocol::RestRouter<Apigatewayv2Service::Operation>& Apigatewayv2Service::Operations() {
  using S = Apigatewayv2Service;
  static const protocol::RestRouter<Operation> kOperations({
      {"POST", "/v2/apis", {&S::CreateApi}},
      {"GET", "/v2/apis", {&S::GetApis}},
      {"GET", "/v2/apis/{apiId}", {&S::GetApi}},
      {"PATCH", "/v2/apis/{apiId}", {&S::UpdateApi}},
      {"DELETE", "/v2/apis/{apiId}", {&S::DeleteApi}},
      {"DELETE", "/v2/apis/{apiId}/cors", {&S::DeleteCors}},
      {"POST", "/v2/apis/{apiId}/routes", {&S::CreateResource, &Routes()}},
      {"GET", "/v2/apis/{apiId}/routes", {&S::GetResources, &Routes()}},
      {"GET", "/v2/apis/{apiId}/routes/{id}", {&S::GetResource, &Routes()}},
      {"PATCH", "/v2/apis/{apiId}/routes/{id}", {&S::UpdateResource, &Routes()}},
      {"DELETE", "/v2/apis/{apiId}/routes/{id}", {&S::DeleteResource, &Routes()}},
      {"POST", "/v2/apis/{apiId}/integrations", {&S::CreateResource, &Integrations()}},
      {"GET", "/v2/apis/{apiId}/integrations", {&S::GetResources, &Integrations()}},
      {"GET", "/v2/apis/{apiId}/integrations/{id}", {&S::GetResource, &Integrations()}},
      {"PATCH", "/v2/apis/{apiId}/integrations/{id}", {&S::UpdateResource, &Integrations()}},
      {"DELETE", "/v2/apis/{apiId}/integrations/{id}", {&S::DeleteResource, &Integrations()}},
      {"POST", "/v2/apis/{apiId}/stages", {&S::CreateResource, &Stages()}},
      {"GET", "/v2/apis/{apiId}/stages", {&S::GetResources, &Stages()}},
      {"GET", "/v2/apis/{apiId}/stages/{id}", {&S::GetResource, &Stages()}},
      {"PATCH", "/v2/apis/{apiId}/stages/{id}", {&S::UpdateResource, &Stages()}},
      {"DELETE", "/v2/apis/{apiId}/stages/{id}", {&S::DeleteResource, &Stages()}},
      {"POST", "/v2/apis/{apiId}/deployments", {&S::CreateResource, &Deployments()}},
      {"GET", "/v2/apis/{apiId}/deployments", {&S::GetResources, &Deployments()}},
      {"GET", "/v2/apis/{apiId}/deployments/{id}", {&S::GetResource, &Deployments()}},
      {"DELETE", "/v2/apis/{apiId}/deployments/{id}", {&S::DeleteResource, &Deployments()}},
      {"POST", "/v2/apis/{apiId}/authorizers", {&S::CreateResource, &Authorizers()}},
      {"GET", "/v2/apis/{apiId}/authorizers", {&S::GetResources, &Authorizers()}},
      {"GET", "/v2/apis/{apiId}/authorizers/{id}", {&S::GetResource, &Authorizers()}},
      {"PATCH", "/v2/apis/{apiId}/authorizers/{id}", {&S::UpdateResource, &Authorizers()}},
      {"DELETE", "/v2/apis/{apiId}/authorizers/{id}", {&S::DeleteResource, &Authorizers()}},
      {"POST", "/v2/tags/{arn+}", {&S::TagResource}},
      {"DELETE", "/v2/tags/{arn+}", {&S::UntagResource}},
      {"GET", "/v2/tags/{arn+}", {&S::GetTags}},
  });
  return kOperations;
}

void Apigatewayv2Service::Handle(protocol::RequestContext context, http::Responder respond) {
  auto answer = [&]() -> absl::StatusOr<Answer> {
    auto match = Operations().Find(context.request);
    if (!match) {
      return protocol::UnknownOperation(
          kProtocol, context.request.method + " " + std::string(context.request.RawPath()));
    }
    // The API's own path: "/v2/apis/ID" is arn:aws:apigateway:REGION::/apis/ID.
    absl::Status allowed =
        services::CheckAccess(deps_.authorizer, context.caller, "AccessDeniedException", [&] {
          return services::AccessRequests{apigateway::ManageRequest(
              context.request.method, context.request.RawPath().substr(3), deps_.account)};
        });
    if (!allowed.ok()) return allowed;
    auto body = ParseJsonBody(context.request.body);
    if (!body.ok()) return body.status();
    Call call{
        .request = &context.request, .labels = std::move(match->labels), .body = *std::move(body)};
    return (this->*match->operation->run)(call, match->operation->kind);
  }();
  // Answered once what the operation changed is durable.
  apis_->Commit([answer = std::move(answer), request_id = std::move(context.request_id),
                 respond = std::move(respond)](absl::Status written) {
    if (!written.ok()) return respond(protocol::ErrorResponse(kProtocol, written, request_id));
    if (!answer.ok()) {
      return respond(protocol::ErrorResponse(kProtocol, answer.status(), request_id));
    }
    if (answer->status == 204) {
      http::Response response{.status = 204};
      protocol::SetRequestId(kProtocol, request_id, response);
      return respond(std::move(response));
    }
    respond(protocol::JsonResponse(kProtocol, answer->status, json::serialize(answer->body),
                                   request_id));
  });
}

std::string Apigatewayv2Service::Now() const {
  return FormatIso8601Seconds(deps_.clock->NowMillis() / 1000);
}

absl::StatusOr<HttpApi> Apigatewayv2Service::FindApi(const Call& call) const {
  const std::string& id = call.labels.at("apiId");
  const HttpApi* api = apis_->Find(id);
  if (!api) {
    return NotFound(
        fmt::format("Invalid API identifier specified {}:{}", deps_.account.account_id, id));
  }
  return *api;
}

absl::StatusOr<json::object> Apigatewayv2Service::AddResource(HttpApi& api,
                                                              const ResourceKind& kind,
                                                              json::object resource) {
  std::string id;
  if (kind.named_by_client) {
    id = StringMember(resource, kind.id_member);
    if (const auto* items = api.Children(kind.collection); items && items->contains(id)) {
      return Conflict(fmt::format("{} already exists", kind.type));
    }
  } else {
    id = NewId(7);
    resource[kind.id_member] = id;
  }
  kind.defaults(resource);
  if (kind.collection == "stages") resource["lastUpdatedDate"] = Now();
  if (kind.collection == "stages" || kind.collection == "deployments") {
    resource["createdDate"] = Now();
  }
  if (auto checked = kind.check(api, resource); !checked.ok()) return checked;
  api.children[std::string(kind.collection)][id] = resource;
  return resource;
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::CreateApi(Call& call,
                                                                           const ResourceKind*) {
  const std::string name = StringMember(call.body, "name");
  const std::string protocol_type = StringMember(call.body, "protocolType");
  if (name.empty()) return BadRequest("Name is required");
  if (protocol_type != "HTTP") {
    return BadRequest(protocol_type == "WEBSOCKET"
                          ? "Serval serves HTTP APIs only; WEBSOCKET APIs are not supported"
                          : "ProtocolType must be HTTP");
  }
  if (auto cors = CheckCors(call.body); !cors.ok()) return cors;
  HttpApi api;
  const std::string id = NewId(10);
  const std::string_view endpoint = deps_.endpoint;
  api.api = json::object{{"apiId", id},
                         {"apiEndpoint", fmt::format("http://{}.execute-api.localhost:{}", id,
                                                     endpoint.substr(endpoint.rfind(':') + 1))},
                         {"apiKeySelectionExpression", "$request.header.x-api-key"},
                         {"createdDate", Now()},
                         {"disableExecuteApiEndpoint", false},
                         {"routeSelectionExpression", "$request.method $request.path"},
                         {"tags", json::object{}}};
  CopyMembers(call.body, api.api);
  // Quick create: a Lambda target makes the integration, a route ($default unless routeKey
  // says otherwise) and an auto-deployed $default stage.
  if (const std::string target = StringMember(call.body, "target"); !target.empty()) {
    auto integration = AddResource(api, Integrations(),
                                   json::object{{"integrationType", "AWS_PROXY"},
                                                {"integrationUri", target},
                                                {"payloadFormatVersion", "2.0"},
                                                {"apiGatewayManaged", true}});
    if (!integration.ok()) return integration.status();
    const std::string route_key = StringMember(call.body, "routeKey");
    auto route = AddResource(
        api, Routes(),
        json::object{{"routeKey", route_key.empty() ? kDefaultStage : route_key},
                     {"target", "integrations/" + StringMember(*integration, "integrationId")},
                     {"apiGatewayManaged", true}});
    if (!route.ok()) return route.status();
    auto stage = AddResource(
        api, Stages(),
        json::object{
            {"stageName", kDefaultStage}, {"autoDeploy", true}, {"apiGatewayManaged", true}});
    if (!stage.ok()) return stage.status();
  }
  json::object out = api.api;
  apis_->Put(std::move(api));
  return Answer{201, std::move(out)};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::GetApis(Call& call,
                                                                         const ResourceKind*) {
  const std::optional<std::string> token = call.request->QueryParam("nextToken");
  const std::optional<std::string> max_text = call.request->QueryParam("maxResults");
  size_t max = apis_->apis().size();
  if (max_text && (!ParseDecimal(std::string_view(*max_text), &max) || max == 0)) {
    return BadRequest("MaxResults must be a positive number");
  }
  json::array items;
  auto it = token ? apis_->apis().upper_bound(*token) : apis_->apis().begin();
  for (; it != apis_->apis().end() && items.size() < max; ++it) items.push_back(it->second.api);
  json::object out{{"items", std::move(items)}};
  if (it != apis_->apis().end()) out["nextToken"] = std::prev(it)->first;
  return Answer{200, std::move(out)};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::GetApi(Call& call,
                                                                        const ResourceKind*) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  return Answer{200, api->api};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::UpdateApi(Call& call,
                                                                           const ResourceKind*) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  if (call.body.contains("protocolType") && StringMember(call.body, "protocolType") != "HTTP") {
    return BadRequest("ProtocolType cannot be changed");
  }
  if (auto cors = CheckCors(call.body); !cors.ok()) return cors;
  CopyMembers(call.body, api->api);
  json::object out = api->api;
  apis_->Put(*std::move(api));
  return Answer{200, std::move(out)};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::DeleteApi(Call& call,
                                                                           const ResourceKind*) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  apis_->Remove(api->id());
  return Answer{204, {}};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::DeleteCors(Call& call,
                                                                            const ResourceKind*) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  api->api.erase("corsConfiguration");
  apis_->Put(*std::move(api));
  return Answer{204, {}};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::CreateResource(
    Call& call, const ResourceKind* kind) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  auto created = AddResource(*api, *kind, std::move(call.body));
  if (!created.ok()) return created.status();
  apis_->Put(*std::move(api));
  return Answer{201, *std::move(created)};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::GetResources(
    Call& call, const ResourceKind* kind) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  json::array items;
  if (const auto* children = api->Children(kind->collection)) {
    for (const auto& [id, item] : *children) items.push_back(item);
  }
  return Answer{200, json::object{{"items", std::move(items)}}};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::GetResource(
    Call& call, const ResourceKind* kind) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  auto found = FindResource(*api, *kind, call.labels.at("id"));
  if (!found.ok()) return found.status();
  return Answer{200, **found};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::UpdateResource(
    Call& call, const ResourceKind* kind) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  auto found = FindResource(*api, *kind, call.labels.at("id"));
  if (!found.ok()) return found.status();
  json::object updated = **found;
  for (const auto& [member, value] : call.body) {
    if (member != kind->id_member) updated[member] = value;
  }
  if (kind->collection == "stages") updated["lastUpdatedDate"] = Now();
  if (auto checked = kind->check(*api, updated); !checked.ok()) return checked;
  **found = updated;
  apis_->Put(*std::move(api));
  return Answer{200, std::move(updated)};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::DeleteResource(
    Call& call, const ResourceKind* kind) {
  auto api = FindApi(call);
  if (!api.ok()) return api.status();
  const std::string& id = call.labels.at("id");
  if (auto found = FindResource(*api, *kind, id); !found.ok()) return found.status();
  api->children[std::string(kind->collection)].erase(id);
  apis_->Put(*std::move(api));
  return Answer{204, {}};
}

absl::StatusOr<HttpApi> Apigatewayv2Service::FindTagged(const Call& call) const {
  // arn:aws:apigateway:{region}::/apis/{id}
  const std::string& arn = call.labels.at("arn");
  const size_t apis = arn.rfind("/apis/");
  const HttpApi* api = apis == std::string::npos ? nullptr : apis_->Find(arn.substr(apis + 6));
  if (!api) return NotFound(fmt::format("Invalid resource ARN specified: {}", arn));
  return *api;
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::TagResource(Call& call,
                                                                             const ResourceKind*) {
  auto api = FindTagged(call);
  if (!api.ok()) return api.status();
  const json::value* tags = call.body.if_contains("tags");
  if (!tags || !tags->is_object()) return BadRequest("Tags must be a map of strings");
  json::value& stored = api->api["tags"];
  if (!stored.is_object()) stored = json::object();
  for (const auto& [key, value] : tags->get_object()) {
    if (!value.is_string()) return BadRequest("Tags must be a map of strings");
    stored.get_object()[key] = value;
  }
  apis_->Put(*std::move(api));
  return Answer{201, {}};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::UntagResource(
    Call& call, const ResourceKind*) {
  auto api = FindTagged(call);
  if (!api.ok()) return api.status();
  json::value& stored = api->api["tags"];
  if (!stored.is_object()) stored = json::object();
  for (const std::string& key : call.request->QueryParams("tagKeys"))
    stored.get_object().erase(key);
  apis_->Put(*std::move(api));
  return Answer{204, {}};
}

absl::StatusOr<Apigatewayv2Service::Answer> Apigatewayv2Service::GetTags(Call& call,
                                                                         const ResourceKind*) {
  auto api = FindTagged(call);
  if (!api.ok()) return api.status();
  const json::value* tags = api->api.if_contains("tags");
  return Answer{200, json::object{{"tags", tags ? *tags : json::object{}}}};
}

}  // namespace serval::apigatewayv2
