#include "services/lambda/lambda_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_validate.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr char kApiVersion[] = "2015-03-31";
constexpr size_t kMaxSyncPayloadBytes = 6291456;
constexpr size_t kMaxAsyncPayloadBytes = 1048576;
constexpr size_t kMaxClientContextBytes = 3583;
constexpr int kDefaultListMaxItems = 50;

http::Response JsonResponse(int status, const json::object& body, const std::string& request_id) {
  http::Response response{.status = status, .body = json::serialize(body)};
  response.SetHeader("Content-Type", "application/json").SetHeader("x-amzn-RequestId", request_id);
  return response;
}

}  // namespace

bool LambdaService::Owns(const http::Request& request) {
  std::string_view path = request.RawPath();
  return path.starts_with("/2015-03-31/functions");
}

void LambdaService::Handle(http::Request&& request, http::Responder respond) {
  const std::string request_id = NewUuid();
  auto fail = [&](const absl::Status& status) { respond(ErrorResponse(status, request_id)); };
  const std::vector<std::string> segments = request.PathSegments();
  // segments: 2015-03-31, functions[, {name}[, configuration|code|invocations]]
  if (segments.size() < 2 || segments[0] != kApiVersion || segments[1] != "functions") {
    return fail(
        AwsError(absl::StatusCode::kNotFound, "UnknownOperationException", "Unknown operation"));
  }
  const std::string& method = request.method;
  if (segments.size() == 2) {
    if (method == "POST") return CreateFunction(request, respond, request_id);
    if (method == "GET") return ListFunctions(request, respond, request_id);
    return fail(
        AwsError(absl::StatusCode::kNotFound, "UnknownOperationException", "Unknown operation"));
  }
  if (segments.size() > 4) {
    return fail(
        AwsError(absl::StatusCode::kNotFound, "UnknownOperationException", "Unknown operation"));
  }
  auto reference = ParseFunctionReference(segments[2]);
  if (!reference.ok()) return fail(reference.status());
  std::string qualifier = reference->qualifier;
  if (auto query = request.QueryParam("Qualifier"); query && !query->empty()) {
    if (!qualifier.empty() && qualifier != *query) {
      return fail(
          InvalidParameter("The derived qualifier from the function name does not match "
                           "the specified qualifier."));
    }
    qualifier = *query;
  }
  const FunctionRegistry::Entry* entry = deps_.registry->Find(reference->name);
  // Published versions and aliases arrive with the versions work; only $LATEST exists today.
  if (!entry || (!qualifier.empty() && qualifier != "$LATEST")) {
    return fail(FunctionNotFound(LambdaFunctionArn(deps_.account, reference->name, qualifier)));
  }
  const std::string operation = segments.size() == 4 ? segments[3] : "";
  if (operation == "invocations" && method == "POST") {
    return Invoke(*entry, std::move(request), respond, request_id);
  }
  if (operation.empty() && method == "GET") return GetFunction(*entry, respond, request_id, false);
  if (operation.empty() && method == "DELETE") return DeleteFunction(*entry, respond, request_id);
  if (operation == "configuration" && method == "GET") {
    return GetFunction(*entry, respond, request_id, true);
  }
  if (operation == "configuration" && method == "PUT") {
    return UpdateFunction(*entry, request, respond, request_id, false);
  }
  if (operation == "code" && method == "PUT") {
    return UpdateFunction(*entry, request, respond, request_id, true);
  }
  fail(AwsError(absl::StatusCode::kNotFound, "UnknownOperationException", "Unknown operation"));
}

void LambdaService::CreateFunction(const http::Request& request, http::Responder& respond,
                                   const std::string& request_id) {
  auto fail = [&](const absl::Status& status) { respond(ErrorResponse(status, request_id)); };
  if (request.body_too_large) {
    return fail(RequestTooLarge(
        "Request must be smaller than 70167211 bytes for the CreateFunction operation"));
  }
  auto body = ParseBody(request.body);
  if (!body.ok()) return fail(body.status());
  std::string zip;
  auto config = ParseCreateFunction(*body, &zip);
  if (!config.ok()) return fail(config.status());
  if (deps_.registry->Find(config->name)) {
    return fail(ResourceConflict("Function already exist: " + config->name));
  }
  auto code = deps_.code_store->Store(zip);
  if (!code.ok()) return fail(code.status());
  config->code_id = code->id;
  config->code_sha256 = code->sha256;
  config->code_size = code->size;
  config->last_modified_millis = deps_.clock->NowMillis();
  config->revision_id = NewUuid();
  const std::string name = config->name;
  if (auto status = deps_.registry->Put(std::move(*config)); !status.ok()) {
    CollectCode(code->id);
    return fail(status);
  }
  json::object out;
  WriteFunctionConfiguration(*deps_.registry->Find(name)->config, deps_.account, out);
  respond(JsonResponse(201, out, request_id));
}

void LambdaService::ListFunctions(const http::Request& request, http::Responder& respond,
                                  const std::string& request_id) {
  int max_items = kDefaultListMaxItems;
  if (auto text = request.QueryParam("MaxItems")) {
    char* end = nullptr;
    const long parsed = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || parsed < 1 || parsed > 10000) {
      return respond(ErrorResponse(
          ValidationError("1 validation error detected: Value '" + *text +
                          "' at 'maxItems' failed to satisfy constraint: Member must have value "
                          "between 1 and 10000"),
          request_id));
    }
    max_items = static_cast<int>(parsed);
  }
  // The marker is the last name of the previous page, base64-encoded so it stays opaque.
  std::string after;
  if (auto marker = request.QueryParam("Marker"); marker && !marker->empty()) {
    auto decoded = Base64Decode(*marker);
    if (!decoded.ok()) {
      return respond(ErrorResponse(InvalidParameter("Invalid Marker"), request_id));
    }
    after = *decoded;
  }
  const bool all_versions = request.QueryParam("FunctionVersion") == "ALL";
  bool more = false;
  json::array functions;
  const auto page = deps_.registry->List(after, max_items, &more);
  for (const FunctionRegistry::Entry* entry : page) {
    json::object configuration;
    WriteFunctionConfiguration(*entry->config, deps_.account, configuration);
    if (all_versions) {
      configuration["FunctionArn"] =
          LambdaFunctionArn(deps_.account, entry->config->name, "$LATEST");
    }
    functions.emplace_back(std::move(configuration));
  }
  json::object out;
  out["Functions"] = std::move(functions);
  if (more && !page.empty()) out["NextMarker"] = Base64Encode(page.back()->config->name);
  respond(JsonResponse(200, out, request_id));
}

void LambdaService::GetFunction(const FunctionRegistry::Entry& entry, http::Responder& respond,
                                const std::string& request_id, bool configuration_only) {
  json::object configuration;
  WriteFunctionConfiguration(*entry.config, deps_.account, configuration);
  if (configuration_only) return respond(JsonResponse(200, configuration, request_id));
  json::object out;
  out["Configuration"] = std::move(configuration);
  out["Code"] = json::object{
      {"RepositoryType", "S3"},
      {"Location", fmt::format("{}/_serval/code/{}.zip", deps_.endpoint, entry.config->code_id)}};
  if (!entry.config->tags.empty()) {
    json::object tags;
    for (const auto& [key, value] : entry.config->tags) tags[key] = value;
    out["Tags"] = std::move(tags);
  }
  respond(JsonResponse(200, out, request_id));
}

void LambdaService::DeleteFunction(const FunctionRegistry::Entry& entry, http::Responder& respond,
                                   const std::string& request_id) {
  const std::string name = entry.config->name;
  const std::string code_id = entry.config->code_id;
  if (auto status = deps_.registry->Remove(name); !status.ok()) {
    return respond(ErrorResponse(status, request_id));
  }
  deps_.pool->Retire(name);
  CollectCode(code_id);
  http::Response response{.status = 204};
  response.SetHeader("x-amzn-RequestId", request_id);
  respond(std::move(response));
}

void LambdaService::UpdateFunction(const FunctionRegistry::Entry& entry,
                                   const http::Request& request, http::Responder& respond,
                                   const std::string& request_id, bool code) {
  auto fail = [&](const absl::Status& status) { respond(ErrorResponse(status, request_id)); };
  if (request.body_too_large) {
    return fail(RequestTooLarge(
        "Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation"));
  }
  auto body = ParseBody(request.body);
  if (!body.ok()) return fail(body.status());
  const FunctionConfig& current = *entry.config;
  if (const json::value* revision = body->if_contains("RevisionId");
      revision && revision->is_string() && revision->get_string() != current.revision_id) {
    return fail(PreconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
        "GetAlias API to retrieve the latest Revision Id"));
  }
  FunctionConfig updated = current;
  if (code) {
    auto zip = ParseCodeUpdate(*body, updated);
    if (!zip.ok()) return fail(zip.status());
    if (const json::value* dry_run = body->if_contains("DryRun");
        dry_run && dry_run->is_bool() && dry_run->get_bool()) {
      json::object out;
      WriteFunctionConfiguration(current, deps_.account, out);
      return respond(JsonResponse(200, out, request_id));
    }
    auto stored = deps_.code_store->Store(*zip);
    if (!stored.ok()) return fail(stored.status());
    updated.code_id = stored->id;
    updated.code_sha256 = stored->sha256;
    updated.code_size = stored->size;
  } else if (auto status = ApplyConfigurationUpdate(*body, updated); !status.ok()) {
    return fail(status);
  }
  const std::string name = current.name;
  if (auto status = Replace(current, std::move(updated)); !status.ok()) return fail(status);
  json::object out;
  WriteFunctionConfiguration(*deps_.registry->Find(name)->config, deps_.account, out);
  respond(JsonResponse(200, out, request_id));
}

absl::Status LambdaService::Replace(const FunctionConfig& old_config, FunctionConfig updated) {
  const std::string old_code = old_config.code_id;
  const std::string name = old_config.name;
  updated.last_modified_millis = deps_.clock->NowMillis();
  updated.revision_id = NewUuid();
  const std::string new_code = updated.code_id;
  if (auto status = deps_.registry->Put(std::move(updated)); !status.ok()) {
    if (new_code != old_code) CollectCode(new_code);
    return status;
  }
  deps_.pool->Retire(name);
  if (new_code != old_code) CollectCode(old_code);
  return absl::OkStatus();
}

void LambdaService::CollectCode(const std::string& code_id) {
  if (!deps_.registry->UsesCode(code_id)) deps_.code_store->Remove(code_id);
}

void LambdaService::Invoke(const FunctionRegistry::Entry& entry, http::Request&& request,
                           http::Responder& respond, const std::string& request_id) {
  auto fail = [&](const absl::Status& status) { respond(ErrorResponse(status, request_id)); };
  std::string_view type = request.Header("X-Amz-Invocation-Type");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return fail(InvalidParameter("Unsupported invocation type " + std::string(type)));
  }
  const size_t limit = type == "Event" ? kMaxAsyncPayloadBytes : kMaxSyncPayloadBytes;
  if (request.body_too_large || request.body.size() > limit) {
    return fail(RequestTooLarge(fmt::format(
        "Request must be smaller than {} bytes for the InvokeFunction operation", limit)));
  }
  if (request.body.empty()) request.body = "{}";
  if (std::string error; !IsValidJson(request.body, &error)) {
    return fail(
        InvalidRequestContent("Could not parse request body into json: Could not parse "
                              "payload into json: " +
                              error));
  }
  sandbox::Invocation invocation{.request_id = request_id, .payload = std::move(request.body)};
  if (std::string_view context = request.Header("X-Amz-Client-Context"); !context.empty()) {
    auto decoded = Base64Decode(context);
    if (context.size() > kMaxClientContextBytes || !decoded.ok() || !IsValidJson(*decoded)) {
      return fail(
          InvalidRequestContent("Client context must be a valid Base64-encoded JSON "
                                "object."));
    }
    invocation.client_context = std::move(*decoded);
  }
  if (type == "DryRun") {
    http::Response response{.status = 204};
    response.SetHeader("x-amzn-RequestId", request_id);
    return respond(std::move(response));
  }
  if (type == "Event") {
    // Accepted and run in the background; durable queueing and retries come with the
    // invocation-semantics work.
    auto status =
        deps_.pool->Invoke(entry.spec, std::move(invocation), [](sandbox::InvocationOutcome) {});
    if (!status.ok()) return fail(TooManyRequests("ConcurrentInvocationLimitExceeded"));
    http::Response response{.status = 202};
    response.SetHeader("x-amzn-RequestId", request_id);
    return respond(std::move(response));
  }
  invocation.tail_log = request.Header("X-Amz-Log-Type") == "Tail";
  auto status = deps_.pool->Invoke(
      entry.spec, std::move(invocation),
      [respond, request_id, version = entry.spec->version](sandbox::InvocationOutcome outcome) {
        http::Response response{.status = 200, .body = std::move(outcome.body)};
        response.SetHeader("Content-Type", "application/json")
            .SetHeader("x-amzn-RequestId", request_id)
            .SetHeader("X-Amz-Executed-Version", version);
        if (outcome.function_error) response.SetHeader("X-Amz-Function-Error", "Unhandled");
        if (!outcome.log_tail.empty()) {
          response.SetHeader("X-Amz-Log-Result", Base64Encode(outcome.log_tail));
        }
        respond(std::move(response));
      });
  if (!status.ok()) {
    if (status.code() == absl::StatusCode::kResourceExhausted) {
      return fail(TooManyRequests("ConcurrentInvocationLimitExceeded"));
    }
    return fail(AwsError(absl::StatusCode::kUnavailable, "ServiceException",
                         std::string(status.message())));
  }
}

}  // namespace serval::lambda
