// The control plane's OpenAPI operations: ImportRestApi, PutRestApi and GetExport.

#include <boost/json.hpp>

#include "common/text.h"
#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/openapi_export.h"
#include "services/apigateway/openapi_import.h"
#include "services/apigateway/rest_api_json.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// ImportRestApi's and PutRestApi's query: failonwarnings, mode and the flattened `parameters`
// map (endpointConfigurationTypes, basepath, ignore).
ImportOptions ImportOptionsOf(const http::Request& request) {
  ImportOptions options;
  options.fail_on_warnings = request.QueryParam("failonwarnings") == "true";
  options.basepath = request.QueryParam("basepath").value_or("ignore");
  options.ignore_documentation = request.QueryParam("ignore") == "documentation";
  if (std::optional<std::string> types = request.QueryParam("endpointConfigurationTypes")) {
    for (std::string_view type : SplitOn(*types, ',')) options.endpoint_types.emplace_back(type);
  }
  options.mode = request.QueryParam("mode").value_or("merge");
  return options;
}

}  // namespace

void ApiGatewayService::ImportRestApi(Call& call) {
  ImportOptions options = ImportOptionsOf(call.context.request);
  options.mode = "import";
  options.api_id = NewId();
  absl::StatusOr<RestApi> api =
      ImportOpenApi(call.context.request.body, options, nullptr, [] { return NewId(); });
  if (!api.ok()) return call.Fail(api.status());
  api->created_date = clock_->NowMillis() / 1000;
  json::object answer = ToJson(*api);
  store_->PutApi(*std::move(api),
                 [call = std::move(call), answer = std::move(answer)](absl::Status stored) mutable {
                   if (!stored.ok()) return call.Fail(stored);
                   call.Reply(201, answer);
                 });
}

void ApiGatewayService::PutRestApi(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const ImportOptions options = ImportOptionsOf(call.context.request);
  if (options.mode != "merge" && options.mode != "overwrite") {
    return call.Fail(BadRequest("Invalid mode specified: " + options.mode +
                                ". Valid options are merge, overwrite"));
  }
  absl::StatusOr<RestApi> api =
      ImportOpenApi(call.context.request.body, options, &(*entry)->api, [] { return NewId(); });
  if (!api.ok()) return call.Fail(api.status());
  json::object answer = ToJson(*api);
  store_->PutApi(*std::move(api),
                 [call = std::move(call), answer = std::move(answer)](absl::Status stored) mutable {
                   if (!stored.ok()) return call.Fail(stored);
                   call.Reply(200, answer);
                 });
}

void ApiGatewayService::GetExport(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  const std::string& stage_name = call.Label("stage_name");
  auto stage = (*entry)->stages.find(stage_name);
  if (stage == (*entry)->stages.end()) {
    return call.Fail(NotFound("Invalid Stage identifier specified"));
  }
  auto deployment = (*entry)->deployments.find(stage->second.deployment_id);
  if (deployment == (*entry)->deployments.end()) {
    return call.Fail(NotFound("Invalid Deployment identifier specified"));
  }
  const std::string& type = call.Label("export_type");
  if (type != "swagger" && type != "oas30") {
    return call.Fail(BadRequest("No API exporter for type '" + type + "'"));
  }
  ExportOptions options{
      .export_type = type,
      .yaml = call.context.request.Header("Accept").find("yaml") != std::string_view::npos,
      .stage_name = stage_name,
      .host = (*entry)->api.id + ".execute-api." + account_.region + ".amazonaws.com"};
  if (std::optional<std::string> extensions = call.context.request.QueryParam("extensions")) {
    for (std::string_view extension : SplitOn(*extensions, ',')) {
      options.extensions.emplace_back(TrimBlanks(extension));
    }
  }
  absl::StatusOr<std::string> document = ExportOpenApi(deployment->second.snapshot, options);
  if (!document.ok()) return call.Fail(document.status());
  http::Response response{.status = 200, .body = *std::move(document)};
  response.SetHeader("Content-Type", options.yaml ? "application/yaml" : "application/json");
  response.SetHeader("Content-Disposition", std::string("attachment; filename=\"") + type + "_" +
                                                std::to_string(deployment->second.created_date) +
                                                (options.yaml ? ".yaml\"" : ".json\""));
  protocol::SetRequestId(protocol::Protocol::kRestJson1, call.context.request_id, response);
  call.respond(std::move(response));
}

}  // namespace serval::apigateway
