#include "services/lambda/lambda_service.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/ids.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr char kApiVersion[] = "2015-03-31";
constexpr int kDefaultListMaxItems = 50;

absl::Status UnknownOperation() {
  return AwsError(absl::StatusCode::kNotFound, "UnknownOperationException", "Unknown operation");
}

bool IsTrue(const json::object& body, std::string_view key) {
  const json::value* value = body.if_contains(json::string_view(key.data(), key.size()));
  return value && value->is_bool() && value->get_bool();
}

}  // namespace

LambdaService::LambdaService(Dependencies dependencies)
    : deps_(std::move(dependencies)),
      limiter_(deps_.account_concurrency),
      async_(
          *deps_.io, deps_.queue, deps_.logs, deps_.clock,
          [this](const AsyncEvent& event, const AsyncInvoker::PayloadReader& payload, auto done) {
            return StartAsync(event, payload, std::move(done));
          },
          [this](const AsyncEvent& event) { return EventInvokeConfigFor(event); },
          [this](const std::string& function) {
            return LambdaFunctionArn(deps_.account, function);
          },
          deps_.async_limits) {
  bool more = true;
  std::string after;
  while (more) {
    for (const auto* function : deps_.registry->List(after, 1000, &more)) {
      const FunctionConfig& config = *function->latest.config;
      limiter_.SetReservation(config.name, config.reserved_concurrency);
      after = config.name;
    }
  }
}

void LambdaService::Call::Fail(const absl::Status& status) {
  respond(ErrorResponse(status, request_id));
}

void LambdaService::Call::Reply(int status, const json::object& body) {
  http::Response response{.status = status, .body = json::serialize(body)};
  response.SetHeader("Content-Type", "application/json").SetHeader("x-amzn-RequestId", request_id);
  respond(std::move(response));
}

void LambdaService::Call::ReplyEmpty(int status) {
  http::Response response{.status = status};
  response.SetHeader("x-amzn-RequestId", request_id);
  respond(std::move(response));
}

bool LambdaService::Owns(const http::Request& request) {
  const std::string_view path = request.RawPath();
  for (std::string_view prefix :
       {"/2015-03-31/functions", "/2017-03-31/tags/", "/2017-10-31/functions/",
        "/2019-09-30/functions/", "/2019-09-25/functions/"}) {
    if (path.starts_with(prefix)) return true;
  }
  return false;
}

void LambdaService::Handle(http::Request&& request, http::Responder respond) {
  Call call{.request = std::move(request), .respond = std::move(respond), .request_id = NewUuid()};
  std::vector<std::string> segments = call.request.PathSegments();
  // API-VERSION / functions [/ {name} [/ operation [/ argument]]], or 2017-03-31 / tags / {arn}
  if (segments.size() < 2 || (segments[1] != "functions" && segments[1] != "tags")) {
    return call.Fail(UnknownOperation());
  }
  call.api_version = segments[0];
  if (segments[1] == "tags") {
    if (segments.size() != 3 || call.api_version != "2017-03-31") {
      return call.Fail(UnknownOperation());
    }
    segments.push_back("tags");  // routed like an operation on the function the ARN names
  } else if (segments.size() == 2 && call.api_version == kApiVersion) {
    if (call.request.method == "POST") return CreateFunction(call);
    if (call.request.method == "GET") return ListFunctions(call);
    return call.Fail(UnknownOperation());
  }
  auto reference = ParseFunctionReference(segments[2]);
  if (!reference.ok()) return call.Fail(reference.status());
  call.name = reference->name;
  call.qualifier = reference->qualifier;
  if (auto query = call.request.QueryParam("Qualifier"); query && !query->empty()) {
    if (!call.qualifier.empty() && call.qualifier != *query) {
      return call.Fail(
          InvalidParameter("The derived qualifier from the function name does not "
                           "match the specified qualifier."));
    }
    call.qualifier = *query;
  }
  call.segments.assign(segments.begin() + 3, segments.end());
  call.function = deps_.registry->Find(call.name);
  if (!call.function) {
    return call.Fail(FunctionNotFound(LambdaFunctionArn(deps_.account, call.name, call.qualifier)));
  }
  Route(call);
}

void LambdaService::Route(Call& call) {
  const std::string& method = call.request.method;
  const std::string operation = call.segments.empty() ? "" : call.segments[0];
  const size_t depth = call.segments.size();
  // Operations added after 2015 live under the API version they were introduced with.
  if (call.api_version == "2017-03-31" && operation == "tags") {
    if (method == "POST") return TagResource(call);
    if (method == "DELETE") return UntagResource(call);
    if (method == "GET") return ListTags(call);
  }
  if (depth == 1 && operation == "concurrency") {
    if (call.api_version == "2017-10-31" && method == "PUT") return PutConcurrency(call);
    if (call.api_version == "2017-10-31" && method == "DELETE") return DeleteConcurrency(call);
    if (call.api_version == "2019-09-30" && method == "GET") return GetConcurrency(call);
  }
  if (call.api_version == "2019-09-25" && operation == "event-invoke-config") {
    return HandleEventInvokeConfig(call);
  }
  if (call.api_version != kApiVersion) return call.Fail(UnknownOperation());
  if (operation == "policy") {
    if (depth == 1 && method == "POST") return AddPermission(call);
    if (depth == 1 && method == "GET") return GetPolicy(call);
    if (depth == 2 && method == "DELETE") return RemovePermission(call);
  }
  if (depth == 1 && operation == "invocations" && method == "POST") return Invoke(call);
  if (depth == 0 && method == "GET") return GetFunction(call, false);
  if (depth == 0 && method == "DELETE") return DeleteFunction(call);
  if (depth == 1 && operation == "configuration") {
    if (method == "GET") return GetFunction(call, true);
    if (method == "PUT") return UpdateFunction(call, false);
  }
  if (depth == 1 && operation == "code" && method == "PUT") return UpdateFunction(call, true);
  if (depth == 1 && operation == "versions") {
    if (method == "POST") return PublishVersion(call);
    if (method == "GET") return ListVersions(call);
  }
  if (depth == 1 && operation == "aliases") {
    if (method == "POST") return CreateAlias(call);
    if (method == "GET") return ListAliases(call);
  }
  if (depth == 2 && operation == "aliases") {
    if (method == "GET") return GetAlias(call);
    if (method == "PUT") return UpdateAlias(call);
    if (method == "DELETE") return DeleteAlias(call);
  }
  call.Fail(UnknownOperation());
}

absl::StatusOr<const FunctionRegistry::Entry*> LambdaService::Resolve(const Call& call,
                                                                      bool route) const {
  return Resolve(*call.function, call.name, call.qualifier, route);
}

absl::StatusOr<const FunctionRegistry::Entry*> LambdaService::Resolve(
    const FunctionRegistry::Function& function, const std::string& name,
    const std::string& qualifier, bool route) const {
  if (const FunctionRegistry::Entry* entry = function.Version(qualifier)) return entry;
  auto alias = function.aliases.find(qualifier);
  if (alias == function.aliases.end()) {
    return FunctionNotFound(LambdaFunctionArn(deps_.account, name, qualifier));
  }
  std::string_view version = alias->second.function_version;
  if (route) {
    // Each additional version takes its share of invocations; the rest go to the primary.
    double draw = RandomUnit();
    for (const auto& [extra, weight] : alias->second.additional_version_weights) {
      if (draw < weight) {
        version = extra;
        break;
      }
      draw -= weight;
    }
  }
  const FunctionRegistry::Entry* entry = function.Version(version);
  if (!entry) return FunctionNotFound(LambdaFunctionArn(deps_.account, name, version));
  return entry;
}

void LambdaService::CreateFunction(Call& call) {
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  std::string zip;
  auto config = ParseCreateFunction(*body, &zip);
  if (!config.ok()) return call.Fail(config.status());
  if (deps_.registry->Find(config->name) || unpacking_.contains(config->name)) {
    return call.Fail(ResourceConflict("Function already exist: " + config->name));
  }
  unpacking_.insert(config->name);
  StoreCode(std::move(zip), [this, call = std::move(call), config = *std::move(config),
                             publish = IsTrue(*body, "Publish")](auto code) mutable {
    unpacking_.erase(config.name);
    if (!code.ok()) return call.Fail(code.status());
    config.code_id = code->id;
    config.code_sha256 = code->sha256;
    config.code_size = code->size;
    config.last_modified_millis = deps_.clock->NowMillis();
    config.revision_id = NewUuid();
    const std::string name = config.name;
    if (auto status = deps_.registry->PutLatest(std::move(config)); !status.ok()) {
      CollectCode(code->id);
      return call.Fail(status);
    }
    ReplyWithLatest(call, name, publish, 201);
  });
}

void LambdaService::ListFunctions(Call& call) {
  auto max_items = ParseMaxItems(call.request.QueryParam("MaxItems"), kDefaultListMaxItems);
  if (!max_items.ok()) return call.Fail(max_items.status());
  auto after = DecodeMarker(call.request.QueryParam("Marker"));
  if (!after.ok()) return call.Fail(after.status());
  const bool all_versions = call.request.QueryParam("FunctionVersion") == "ALL";
  bool more = false;
  json::array functions;
  const auto page = deps_.registry->List(*after, *max_items, &more);
  for (const FunctionRegistry::Function* function : page) {
    json::object latest;
    WriteFunctionConfiguration(*function->latest.config, deps_.account, latest);
    if (!all_versions) {
      functions.emplace_back(std::move(latest));
      continue;
    }
    // With FunctionVersion=ALL every version is listed, each ARN qualified.
    latest["FunctionArn"] =
        LambdaFunctionArn(deps_.account, function->latest.config->name, kLatest);
    functions.emplace_back(std::move(latest));
    for (const auto& [number, version] : function->versions) {
      json::object entry;
      WriteFunctionConfiguration(*version.config, deps_.account, entry);
      functions.emplace_back(std::move(entry));
    }
  }
  json::object out;
  out["Functions"] = std::move(functions);
  if (more && !page.empty()) out["NextMarker"] = EncodeMarker(page.back()->latest.config->name);
  call.Reply(200, out);
}

void LambdaService::GetFunction(Call& call, bool configuration_only) {
  auto entry = Resolve(call, /*route=*/false);
  if (!entry.ok()) return call.Fail(entry.status());
  const FunctionConfig& config = *(*entry)->config;
  json::object configuration;
  WriteFunctionConfiguration(config, deps_.account, configuration);
  if (configuration_only) return call.Reply(200, configuration);
  json::object out;
  out["Configuration"] = std::move(configuration);
  out["Code"] = json::object{
      {"RepositoryType", "S3"},
      {"Location", deps_.code_location(fmt::format("/_serval/code/{}.zip", config.code_id))}};
  const FunctionConfig& latest = *call.function->latest.config;
  if (!latest.tags.empty()) {
    json::object tags;
    for (const auto& [key, value] : latest.tags) tags[key] = value;
    out["Tags"] = std::move(tags);
  }
  if (latest.reserved_concurrency) {
    out["Concurrency"] =
        json::object{{"ReservedConcurrentExecutions", *latest.reserved_concurrency}};
  }
  call.Reply(200, out);
}

void LambdaService::DeleteFunction(Call& call) {
  const std::string name = call.name;
  if (call.qualifier.empty()) {
    std::vector<std::string> code_ids = {call.function->latest.config->code_id};
    for (const auto& [number, version] : call.function->versions) {
      code_ids.push_back(version.config->code_id);
    }
    if (auto status = deps_.registry->Remove(name); !status.ok()) return call.Fail(status);
    limiter_.SetReservation(name, std::nullopt);
    deps_.pool->Retire(name);
    async_.DropFunction(name);
    for (const std::string& code_id : code_ids) CollectCode(code_id);
    return call.ReplyEmpty(204);
  }
  if (call.qualifier == kLatest) {
    return call.Fail(
        InvalidParameter("$LATEST version cannot be deleted without deleting the function."));
  }
  const FunctionRegistry::Entry* entry = call.function->Version(call.qualifier);
  if (!entry) {
    return call.Fail(
        call.function->aliases.count(call.qualifier)
            ? InvalidParameter("Deletion of aliases is done with DeleteAlias.")
            : FunctionNotFound(LambdaFunctionArn(deps_.account, name, call.qualifier)));
  }
  for (const auto& [alias_name, alias] : call.function->aliases) {
    if (alias.function_version == call.qualifier ||
        alias.additional_version_weights.count(call.qualifier)) {
      return call.Fail(ResourceConflict(
          fmt::format("Unable to delete version because the following aliases reference it: [{}]",
                      alias_name)));
    }
  }
  const std::string code_id = entry->config->code_id;
  if (auto status = deps_.registry->RemoveVersion(name, std::stoi(call.qualifier)); !status.ok()) {
    return call.Fail(status);
  }
  deps_.pool->Retire(name, call.qualifier);
  CollectCode(code_id);
  call.ReplyEmpty(204);
}

void LambdaService::UpdateFunction(Call& call, bool code) {
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const FunctionConfig& current = *call.function->latest.config;
  if (const json::value* revision = body->if_contains("RevisionId");
      revision && revision->is_string() && revision->get_string() != current.revision_id) {
    return call.Fail(RevisionMismatch());
  }
  FunctionConfig updated = current;
  if (!code) {
    if (auto status = ApplyConfigurationUpdate(*body, updated); !status.ok()) {
      return call.Fail(status);
    }
    return CommitUpdate(call, current, std::move(updated), /*publish=*/false);
  }
  if (unpacking_.contains(current.name)) {
    return call.Fail(ResourceConflict(
        "The operation cannot be performed at this time. An update is in progress for "
        "resource: " +
        LambdaFunctionArn(deps_.account, current.name)));
  }
  auto zip = ParseCodeUpdate(*body, updated);
  if (!zip.ok()) return call.Fail(zip.status());
  if (IsTrue(*body, "DryRun")) {
    json::object out;
    WriteFunctionConfiguration(current, deps_.account, out);
    return call.Reply(200, out);
  }
  unpacking_.insert(current.name);
  StoreCode(*std::move(zip), [this, call = std::move(call), name = current.name,
                              architectures = updated.architectures,
                              publish = IsTrue(*body, "Publish")](auto stored) mutable {
    unpacking_.erase(name);
    if (!stored.ok()) return call.Fail(stored.status());
    // The function may have been deleted or changed (tags, configuration) during the unpack: the
    // new code applies to what it is now.
    const FunctionRegistry::Function* function = deps_.registry->Find(name);
    if (!function) {
      CollectCode(stored->id);
      return call.Fail(FunctionNotFound(LambdaFunctionArn(deps_.account, name)));
    }
    const FunctionConfig& now = *function->latest.config;
    FunctionConfig rebased = now;
    rebased.architectures = std::move(architectures);
    rebased.code_id = stored->id;
    rebased.code_sha256 = stored->sha256;
    rebased.code_size = stored->size;
    CommitUpdate(call, now, std::move(rebased), publish);
  });
}

void LambdaService::CommitUpdate(Call& call, const FunctionConfig& current, FunctionConfig updated,
                                 bool publish) {
  const std::string name = current.name;
  if (auto status = ReplaceLatest(current, std::move(updated)); !status.ok()) {
    return call.Fail(status);
  }
  ReplyWithLatest(call, name, publish, 200);
}

void LambdaService::ReplyWithLatest(Call& call, const std::string& name, bool publish,
                                    int success_status) {
  const FunctionRegistry::Entry* reported = &deps_.registry->Find(name)->latest;
  if (publish) {
    auto published = PublishLatest(name, "");
    if (!published.ok()) return call.Fail(published.status());
    reported = *published;
  }
  json::object out;
  WriteFunctionConfiguration(*reported->config, deps_.account, out);
  call.Reply(success_status, out);
}

absl::Status LambdaService::ReplaceLatest(const FunctionConfig& old_config,
                                          FunctionConfig updated) {
  const std::string old_code = old_config.code_id;
  const std::string name = old_config.name;
  updated.last_modified_millis = deps_.clock->NowMillis();
  updated.revision_id = NewUuid();
  const std::string new_code = updated.code_id;
  if (auto status = deps_.registry->PutLatest(std::move(updated)); !status.ok()) {
    if (new_code != old_code) CollectCode(new_code);
    return status;
  }
  deps_.pool->Retire(name, kLatest);
  if (new_code != old_code) CollectCode(old_code);
  return absl::OkStatus();
}

void LambdaService::CollectCode(const std::string& code_id) {
  if (!deps_.registry->UsesCode(code_id)) deps_.code_store->Remove(code_id);
}

void LambdaService::StoreCode(std::string zip,
                              std::function<void(absl::StatusOr<CodeStore::StoredCode>)> done) {
  code_worker_.Post([this, zip = std::move(zip), done = std::move(done)]() mutable {
    auto staged = deps_.code_store->Unpack(zip);
    // Installing (and collecting) code stays on the io thread, so a package cannot be removed
    // between the check that it exists and the commit of a function naming it.
    boost::asio::post(*deps_.io, [this, staged = std::move(staged), done = std::move(done)]() {
      if (!staged.ok()) return done(staged.status());
      done(deps_.code_store->Install(*staged));
    });
  });
}

}  // namespace serval::lambda
