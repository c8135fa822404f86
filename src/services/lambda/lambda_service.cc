#include "services/lambda/lambda_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>

#include "common/aws_error.h"
#include "common/ids.h"
#include "iam/authorizer.h"
#include "protocol/protocol.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_access.h"
#include "storage/log_store.h"
#include "services/access_check.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr int kDefaultListMaxItems = 50;

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> LambdaService::Create(
    const services::Platform& platform) {
  auto mappings = MappingStore::Open(platform.metadata);
  if (!mappings.ok()) return mappings.status();
  return std::make_unique<LambdaService>(Dependencies{.account = platform.account,
                                                      .registry = platform.functions,
                                                      .code_store = platform.code_store,
                                                      .pool = platform.pool,
                                                      .clock = platform.clock,
                                                      .code_location = platform.code_location,
                                                      .io = platform.io,
                                                      .invoker = platform.invoker,
                                                      .objects = platform.objects,
                                                      .endpoint = platform.endpoint,
                                                      .streams = platform.streams,
                                                      .topics = platform.topics,
                                                      .logs = platform.logs,
                                                      .authorizer = platform.authorizer},
                                         *std::move(mappings));
}

LambdaService::LambdaService(Dependencies dependencies, std::unique_ptr<MappingStore> mappings)
    : deps_(std::move(dependencies)),
      mappings_(std::move(mappings)),
      poller_(StreamPoller::Dependencies{.clock = deps_.clock,
                                         .io = deps_.io,
                                         .invoker = deps_.invoker,
                                         .mappings = mappings_.get(),
                                         .streams = deps_.streams,
                                         .topics = deps_.topics,
                                         .logs = deps_.logs}) {}

void LambdaService::Start() { poller_.Start(); }

void LambdaService::Drain(std::function<void()> done) {
  poller_.Stop();
  done();
}

void LambdaService::OnClockAdvanced() { poller_.OnClockAdvanced(); }

const services::ServiceInfo& LambdaService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "lambda",
      .signing_name = "lambda",
      .protocol = kProtocol,
      // Every API version date Lambda's operations live under (botocore's model), so that an
      // operation Serval lacks is Lambda's UnknownOperationException in its JSON, not S3's
      // catch-all path's XML.
      .path_prefixes = {"/2014-11-13/", "/2015-03-31/", "/2016-08-19/", "/2017-03-31/",
                        "/2017-10-31/", "/2018-10-31/", "/2019-09-25/", "/2019-09-30/",
                        "/2020-04-22/", "/2020-06-30/", "/2021-07-20/", "/2021-10-31/",
                        "/2021-11-15/", "/2024-08-31/", "/2025-11-30/", "/2025-12-01/",
                        "/_serval/code/"}};
  return kInfo;
}

const protocol::RestRouter<LambdaService::Operation>& LambdaService::Operations() {
  using S = LambdaService;
  static const protocol::RestRouter<Operation> kOperations({
      {"POST",
       "/2015-03-31/functions",
       {kCreateFunction, [](S& s, Call& c) { s.CreateFunction(c); }, false, AccessTarget::kBody}},
      {"GET",
       "/2015-03-31/functions/",
       {"lambda:ListFunctions", [](S& s, Call& c) { s.ListFunctions(c); }, false,
        AccessTarget::kAccount}},
      {"GET",
       "/2016-08-19/account-settings/",
       {"lambda:GetAccountSettings", [](S& s, Call& c) { s.GetAccountSettings(c); }, false,
        AccessTarget::kAccount}},
      {"GET",
       "/2015-03-31/functions/{FunctionName}",
       {"lambda:GetFunction", [](S& s, Call& c) { s.GetFunction(c, false); }}},
      {"DELETE",
       "/2015-03-31/functions/{FunctionName}",
       {"lambda:DeleteFunction", [](S& s, Call& c) { s.DeleteFunction(c); }}},
      {"GET",
       "/2015-03-31/functions/{FunctionName}/configuration",
       {"lambda:GetFunctionConfiguration", [](S& s, Call& c) { s.GetFunction(c, true); }}},
      {"PUT",
       "/2015-03-31/functions/{FunctionName}/configuration",
       {"lambda:UpdateFunctionConfiguration", [](S& s, Call& c) { s.UpdateFunction(c, false); }}},
      {"PUT",
       "/2015-03-31/functions/{FunctionName}/code",
       {"lambda:UpdateFunctionCode", [](S& s, Call& c) { s.UpdateFunction(c, true); }}},
      {"POST",
       "/2015-03-31/functions/{FunctionName}/invocations",
       {"lambda:InvokeFunction", [](S& s, Call& c) { s.Invoke(c); }}},
      {"POST",
       "/2015-03-31/functions/{FunctionName}/versions",
       {"lambda:PublishVersion", [](S& s, Call& c) { s.PublishVersion(c); }}},
      {"GET",
       "/2015-03-31/functions/{FunctionName}/versions",
       {"lambda:ListVersionsByFunction", [](S& s, Call& c) { s.ListVersions(c); }}},
      {"POST",
       "/2015-03-31/functions/{FunctionName}/aliases",
       {"lambda:CreateAlias", [](S& s, Call& c) { s.CreateAlias(c); }}},
      {"GET",
       "/2015-03-31/functions/{FunctionName}/aliases",
       {"lambda:ListAliases", [](S& s, Call& c) { s.ListAliases(c); }}},
      {"GET",
       "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
       {"lambda:GetAlias", [](S& s, Call& c) { s.GetAlias(c); }}},
      {"PUT",
       "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
       {"lambda:UpdateAlias", [](S& s, Call& c) { s.UpdateAlias(c); }}},
      {"DELETE",
       "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
       {"lambda:DeleteAlias", [](S& s, Call& c) { s.DeleteAlias(c); }}},
      {"POST",
       "/2015-03-31/functions/{FunctionName}/policy",
       {"lambda:AddPermission", [](S& s, Call& c) { s.AddPermission(c); }}},
      {"GET",
       "/2015-03-31/functions/{FunctionName}/policy",
       {"lambda:GetPolicy", [](S& s, Call& c) { s.GetPolicy(c); }}},
      {"DELETE",
       "/2015-03-31/functions/{FunctionName}/policy/{StatementId}",
       {"lambda:RemovePermission", [](S& s, Call& c) { s.RemovePermission(c); }}},
      {"POST",
       "/2015-03-31/event-source-mappings",
       {kCreateEventSourceMapping, [](S& s, Call& c) { s.CreateEventSourceMapping(c); }, false,
        AccessTarget::kBody}},
      {"GET",
       "/2015-03-31/event-source-mappings",
       {"lambda:ListEventSourceMappings", [](S& s, Call& c) { s.ListEventSourceMappings(c); },
        false, AccessTarget::kAccount}},
      {"GET",
       "/2015-03-31/event-source-mappings/{UUID}",
       {"lambda:GetEventSourceMapping", [](S& s, Call& c) { s.GetEventSourceMapping(c); }, false,
        AccessTarget::kMapping}},
      {"PUT",
       "/2015-03-31/event-source-mappings/{UUID}",
       {"lambda:UpdateEventSourceMapping", [](S& s, Call& c) { s.UpdateEventSourceMapping(c); },
        false, AccessTarget::kMapping}},
      {"DELETE",
       "/2015-03-31/event-source-mappings/{UUID}",
       {"lambda:DeleteEventSourceMapping", [](S& s, Call& c) { s.DeleteEventSourceMapping(c); },
        false, AccessTarget::kMapping}},
      {"POST",
       "/2017-03-31/tags/{ARN}",
       {"lambda:TagResource", [](S& s, Call& c) { s.TagResource(c); }}},
      {"DELETE",
       "/2017-03-31/tags/{ARN}",
       {"lambda:UntagResource", [](S& s, Call& c) { s.UntagResource(c); }}},
      {"GET", "/2017-03-31/tags/{ARN}", {"lambda:ListTags", [](S& s, Call& c) { s.ListTags(c); }}},
      {"PUT",
       "/2017-10-31/functions/{FunctionName}/concurrency",
       {"lambda:PutFunctionConcurrency", [](S& s, Call& c) { s.PutConcurrency(c); }}},
      {"DELETE",
       "/2017-10-31/functions/{FunctionName}/concurrency",
       {"lambda:DeleteFunctionConcurrency", [](S& s, Call& c) { s.DeleteConcurrency(c); }}},
      {"GET",
       "/2019-09-30/functions/{FunctionName}/concurrency",
       {"lambda:GetFunctionConcurrency", [](S& s, Call& c) { s.GetConcurrency(c); }}},
      {"GET",
       "/2019-09-25/functions/{FunctionName}/event-invoke-config",
       {"lambda:GetFunctionEventInvokeConfig",
        [](S& s, Call& c) { s.HandleEventInvokeConfig(c); }}},
      {"PUT",
       "/2019-09-25/functions/{FunctionName}/event-invoke-config",
       {"lambda:PutFunctionEventInvokeConfig",
        [](S& s, Call& c) { s.HandleEventInvokeConfig(c); }}},
      {"POST",
       "/2019-09-25/functions/{FunctionName}/event-invoke-config",
       {"lambda:UpdateFunctionEventInvokeConfig",
        [](S& s, Call& c) { s.HandleEventInvokeConfig(c); }}},
      {"DELETE",
       "/2019-09-25/functions/{FunctionName}/event-invoke-config",
       {"lambda:DeleteFunctionEventInvokeConfig",
        [](S& s, Call& c) { s.HandleEventInvokeConfig(c); }}},
      {"GET",
       "/2019-09-25/functions/{FunctionName}/event-invoke-config/list",
       {"lambda:ListFunctionEventInvokeConfigs",
        [](S& s, Call& c) { s.ListEventInvokeConfigs(c); }}},
      {"POST",
       "/2021-10-31/functions/{FunctionName}/url",
       {"lambda:CreateFunctionUrlConfig", [](S& s, Call& c) { s.CreateFunctionUrl(c); }, false}},
      {"GET",
       "/2021-10-31/functions/{FunctionName}/url",
       {"lambda:GetFunctionUrlConfig", [](S& s, Call& c) { s.GetFunctionUrl(c); }, false}},
      {"PUT",
       "/2021-10-31/functions/{FunctionName}/url",
       {"lambda:UpdateFunctionUrlConfig", [](S& s, Call& c) { s.UpdateFunctionUrl(c); }, false}},
      {"DELETE",
       "/2021-10-31/functions/{FunctionName}/url",
       {"lambda:DeleteFunctionUrlConfig", [](S& s, Call& c) { s.DeleteFunctionUrl(c); }, false}},
      {"GET",
       "/2021-10-31/functions/{FunctionName}/urls",
       {"lambda:ListFunctionUrlConfigs", [](S& s, Call& c) { s.ListFunctionUrls(c); }, false}},
      // GetFunction's Code.Location: presigned, as AWS's S3 URL is; IAM is not asked.
      {"GET", "/_serval/code/{File}", {"", [](S& s, Call& c) { s.ServeCode(c); }, false}},
  });
  return kOperations;
}

const std::string& LambdaService::Call::Label(const std::string& label) const {
  static const std::string kNone;
  auto found = labels.find(label);
  return found == labels.end() ? kNone : found->second;
}

void LambdaService::Call::Fail(const absl::Status& status) {
  respond(protocol::ErrorResponse(kProtocol, status, request_id));
}

void LambdaService::Call::Reply(int status, const json::object& body) {
  respond(protocol::JsonResponse(kProtocol, status, json::serialize(body), request_id));
}

void LambdaService::Call::ReplyEmpty(int status) {
  http::Response response{.status = status};
  protocol::SetRequestId(kProtocol, request_id, response);
  respond(std::move(response));
}

void LambdaService::Handle(protocol::RequestContext context, http::Responder respond) {
  Call call{.request = std::move(context.request),
            .respond = std::move(respond),
            .request_id = std::move(context.request_id),
            .caller = std::move(context.caller)};
  auto match = Operations().Find(call.request);
  if (!match) {
    return call.Fail(protocol::UnknownOperation(
        kProtocol, call.request.method + " " + std::string(call.request.RawPath())));
  }
  call.labels = std::move(match->labels);
  const Operation& operation = *match->operation;
  if (operation.on_function) {
    if (absl::Status named = NameFunction(call); !named.ok()) return call.Fail(named);
  }
  // As AWS does, a caller who may not act on a function hears so whether or not it exists.
  if (absl::Status allowed = AuthorizeOperation(call, {operation.action, operation.target});
      !allowed.ok()) {
    return call.Fail(allowed);
  }
  if (operation.on_function) {
    call.function = deps_.registry->Find(call.name);
    if (!call.function) {
      return call.Fail(
          FunctionNotFound(LambdaFunctionArn(deps_.account, call.name, call.qualifier)));
    }
  }
  operation.run(*this, call);
}

absl::Status LambdaService::NameFunction(Call& call) const {
  // Tag operations name the function by its ARN.
  auto reference = ParseFunctionReference(call.labels.contains("ARN") ? call.Label("ARN")
                                                                      : call.Label("FunctionName"));
  if (!reference.ok()) return reference.status();
  if (absl::Status reachable = CheckReachable(*reference, deps_.account); !reachable.ok()) {
    return reachable;
  }
  call.name = reference->name;
  call.qualifier = reference->qualifier;
  if (auto query = call.request.QueryParam("Qualifier"); query && !query->empty()) {
    if (absl::Status valid = CheckQualifier(*query); !valid.ok()) return valid;
    if (!call.qualifier.empty() && call.qualifier != *query) {
      return InvalidParameter(
          "The derived qualifier from the function name does not match the specified "
          "qualifier.");
    }
    call.qualifier = *query;
  }
  return absl::OkStatus();
}

bool LambdaService::Authorizing(const Call& call) const {
  return services::AccessChecked(deps_.authorizer, call.caller);
}

absl::Status LambdaService::Authorize(const Call& call, const iam::AccessRequest& request) {
  return deps_.authorizer->Check(call.caller, request, "AccessDeniedException");
}

absl::Status LambdaService::AuthorizeOperation(Call& call, const OperationAccess& access) {
  if (!Authorizing(call) || access.action.empty() || access.target == AccessTarget::kBody) {
    return absl::OkStatus();
  }
  AccessSubject subject;
  switch (access.target) {
    case AccessTarget::kAccount:
    case AccessTarget::kBody:
      break;
    case AccessTarget::kFunction: {
      // Function URL operations resolve their function themselves (with their own messages):
      // a label that names none asks nothing here.
      if (call.name.empty() && !NameFunction(call).ok()) return absl::OkStatus();
      subject.function = call.name;
      subject.qualifier = call.qualifier;
      if (const FunctionRegistry::Function* function = deps_.registry->Find(call.name)) {
        subject.policy = function->Policy(call.qualifier);
      }
      break;
    }
    case AccessTarget::kMapping:
      subject.mapping = call.Label("UUID");
      if (const EventSourceMapping* mapping = mappings_->Find(subject.mapping)) {
        subject.mapping_function_arn = mapping->function_arn;
      }
      break;
  }
  return Authorize(call, AccessRequestFor(access, deps_.account, subject));
}

absl::Status LambdaService::CheckExecutionRole(std::string_view role_arn) const {
  // Only enforced: scripts that pass any role ARN keep working in the default mode.
  if (deps_.authorizer == nullptr || deps_.authorizer->mode() != iam::Mode::kEnforce ||
      deps_.authorizer->ServiceMayAssumeRole(role_arn, "lambda.amazonaws.com")) {
    return absl::OkStatus();
  }
  return InvalidParameter("The role defined for the function cannot be assumed by Lambda.");
}

absl::StatusOr<const FunctionRegistry::Entry*> LambdaService::Resolve(const Call& call) const {
  return deps_.invoker->Resolve(*call.function, call.qualifier, /*route=*/false);
}

void LambdaService::CreateFunction(Call& call) {
  DecodeUpload(std::move(call), /*create=*/true, {}, [this](Call& call, auto upload) {
    if (!upload.ok()) return call.Fail(upload.status());
    FunctionConfig& config = upload->config;
    if (absl::Status role = CheckExecutionRole(config.role); !role.ok()) return call.Fail(role);
    if (Authorizing(call)) {
      for (const iam::AccessRequest& request :
           CreateFunctionRequests(deps_.account, config.name, config.role)) {
        if (absl::Status allowed = Authorize(call, request); !allowed.ok()) {
          return call.Fail(allowed);
        }
      }
    }
    if (deps_.registry->Find(config.name) || unpacking_.contains(config.name)) {
      return call.Fail(ResourceConflict("Function already exist: " + config.name));
    }
    unpacking_.insert(config.name);
    StoreCode(std::move(upload->zip), [this, call = std::move(call), config = std::move(config),
                                       publish = upload->publish](auto code) mutable {
      unpacking_.erase(config.name);
      if (!code.ok()) return call.Fail(code.status());
      config.code_id = code->id;
      config.code_sha256 = code->sha256;
      config.code_size = code->size;
      config.last_modified_millis = deps_.clock->NowMillis();
      config.revision_id = NewUuid();
      const std::string name = config.name;
      deps_.registry->PutLatest(
          std::move(config), [this, call = std::move(call), name, publish,
                              code_id = code->id](absl::Status status) mutable {
            if (!status.ok()) {
              CollectCode(code_id);
              return call.Fail(status);
            }
            // The function's log group exists from now on, as CloudWatch Logs shows it (made on the
            // code worker: it syncs a directory). The function is answered for either way.
            code_worker_.Post([this, call = std::move(call), name, publish,
                               now = deps_.clock->NowMillis()]() mutable {
              const absl::Status group = deps_.logs->EnsureGroup("/aws/lambda/" + name, now);
              boost::asio::post(
                  *deps_.io, [this, call = std::move(call), name, publish, group]() mutable {
                    if (!group.ok()) {
                      fmt::print(stderr, "serval: log group of function {} not created: {}\n", name,
                                 group.ToString());
                    }
                    ReplyWithLatest(call, name, publish, 201);
                  });
            });
          });
    });
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
  auto entry = Resolve(call);
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
    deps_.registry->Remove(name,
                           [this, call = std::move(call), code_ids](absl::Status status) mutable {
                             if (!status.ok()) return call.Fail(status);
                             for (const std::string& code_id : code_ids) CollectCode(code_id);
                             call.ReplyEmpty(204);
                           });
    // With the function gone from the registry: its queued events are dropped (each recorded)
    // now, not when the write completes, so none is meanwhile dispatched to a function that is
    // not there (and a function created again under the name keeps its own). A delete whose
    // write fails still loses them.
    deps_.invoker->FunctionDeleted(name);
    return;
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
  const std::string version = call.qualifier;
  deps_.registry->RemoveVersion(
      name, std::stoi(version),
      [this, call = std::move(call), name, version, code_id](absl::Status status) mutable {
        if (!status.ok()) return call.Fail(status);
        deps_.pool->Retire(name, version);
        CollectCode(code_id);
        call.ReplyEmpty(204);
      });
}

void LambdaService::UpdateFunction(Call& call, bool code) {
  if (code) return UpdateFunctionCode(call);
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const FunctionConfig& current = *call.function->latest.config;
  if (const json::value* revision = body->if_contains("RevisionId");
      revision && revision->is_string() && revision->get_string() != current.revision_id) {
    return call.Fail(RevisionMismatch());
  }
  FunctionConfig updated = current;
  if (auto status = ApplyConfigurationUpdate(*body, updated); !status.ok()) {
    return call.Fail(status);
  }
  if (Authorizing(call) && body->contains("Role")) {
    if (absl::Status allowed = Authorize(call, PassRoleRequest(updated.role)); !allowed.ok()) {
      return call.Fail(allowed);
    }
  }
  if (updated.role != current.role) {
    if (absl::Status role = CheckExecutionRole(updated.role); !role.ok()) return call.Fail(role);
  }
  CommitUpdate(call, current, std::move(updated), /*publish=*/false);
}

void LambdaService::UpdateFunctionCode(Call& call) {
  auto update_in_progress = [this](const std::string& name) {
    return ResourceConflict(
        "The operation cannot be performed at this time. An update is in progress for "
        "resource: " +
        LambdaFunctionArn(deps_.account, name));
  };
  if (unpacking_.contains(call.name)) return call.Fail(update_in_progress(call.name));
  FunctionConfig base = *call.function->latest.config;
  DecodeUpload(std::move(call), /*create=*/false, std::move(base),
               [this, update_in_progress](Call& call, auto upload) {
                 if (!upload.ok()) return call.Fail(upload.status());
                 // The function may have changed or gone while the request was decoded.
                 call.function = deps_.registry->Find(call.name);
                 if (!call.function) {
                   return call.Fail(FunctionNotFound(LambdaFunctionArn(deps_.account, call.name)));
                 }
                 const FunctionConfig& current = *call.function->latest.config;
                 if (!upload->revision_id.empty() && upload->revision_id != current.revision_id) {
                   return call.Fail(RevisionMismatch());
                 }
                 if (unpacking_.contains(current.name))
                   return call.Fail(update_in_progress(current.name));
                 if (upload->dry_run) {
                   json::object out;
                   WriteFunctionConfiguration(current, deps_.account, out);
                   return call.Reply(200, out);
                 }
                 unpacking_.insert(current.name);
                 StoreCode(
                     std::move(upload->zip), [this, call = std::move(call), name = current.name,
                                              architectures = upload->config.architectures,
                                              publish = upload->publish](auto stored) mutable {
                       unpacking_.erase(name);
                       if (!stored.ok()) return call.Fail(stored.status());
                       // The function may have been deleted or changed (tags, configuration) during
                       // the unpack: the new code applies to what it is now.
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
               });
}

void LambdaService::CommitUpdate(Call& call, const FunctionConfig& current, FunctionConfig updated,
                                 bool publish) {
  const std::string name = current.name;
  ReplaceLatest(current, std::move(updated),
                Answer(std::move(call), [this, name, publish](Call& call) {
                  ReplyWithLatest(call, name, publish, 200);
                }));
}

void LambdaService::ReplyWithLatest(Call& call, const std::string& name, bool publish,
                                    int success_status) {
  const FunctionRegistry::Function* function = deps_.registry->Find(name);
  if (!function) return call.Fail(FunctionNotFound(LambdaFunctionArn(deps_.account, name)));
  if (publish) return PublishLatest(call, name, "", success_status);
  json::object out;
  WriteFunctionConfiguration(*function->latest.config, deps_.account, out);
  call.Reply(success_status, out);
}

void LambdaService::ReplaceLatest(const FunctionConfig& old_config, FunctionConfig updated,
                                  FunctionRegistry::Done done) {
  // Copied first: `old_config` is the registry's, replaced by PutLatest.
  const std::string old_code = old_config.code_id;
  const std::string name = old_config.name;
  updated.last_modified_millis = deps_.clock->NowMillis();
  updated.revision_id = NewUuid();
  const std::string new_code = updated.code_id;
  deps_.registry->PutLatest(std::move(updated), [this, name, old_code, new_code,
                                                 done = std::move(done)](absl::Status status) {
    // A failed write restored the old $LATEST: environments started meanwhile ran the change.
    if (!status.ok()) deps_.pool->Retire(name, kLatest);
    // Only now is it known which package no record names any more.
    if (new_code != old_code) CollectCode(status.ok() ? old_code : new_code);
    done(std::move(status));
  });
  deps_.pool->Retire(name, kLatest);
}

void LambdaService::CollectCode(const std::string& code_id) {
  // Decided once nothing is being written: a change in flight may yet fail and bring back a
  // record that names the package.
  deps_.registry->WhenSettled([this, code_id] {
    if (deps_.registry->UsesCode(code_id) || pinned_code_.contains(code_id)) return;
    code_worker_.Post([this, code_id] { deps_.code_store->Remove(code_id); });
  });
}

void LambdaService::DecodeUpload(Call call, bool create, FunctionConfig base,
                                 std::function<void(Call&, absl::StatusOr<CodeUpload>)> next) {
  upload_decoder_.Post([this, call = std::move(call), create, base = std::move(base),
                        next = std::move(next)]() mutable {
    absl::StatusOr<CodeUpload> upload =
        DecodeCodeUpload(call.request.body, create, std::move(base));
    call.request.body = std::string();  // the decoded zip is all that is needed now
    boost::asio::post(*deps_.io, [this, call = std::move(call), upload = std::move(upload),
                                  next = std::move(next)]() mutable {
      if (!upload.ok() || upload->s3_bucket.empty()) return next(call, std::move(upload));
      ReadS3Package(std::move(call), *std::move(upload), std::move(next));
    });
  });
}

void LambdaService::ReadS3Package(Call call, CodeUpload upload,
                                  std::function<void(Call&, absl::StatusOr<CodeUpload>)> next) {
  services::ObjectReader* reader = deps_.objects ? deps_.objects->reader : nullptr;
  if (!reader) {
    return next(call, InvalidParameter("S3 is not available to read function code from"));
  }
  const std::string bucket = upload.s3_bucket, key = upload.s3_key;
  reader->ReadObject(
      bucket, key, kMaxUnzippedBytes,
      [call = std::move(call), upload = std::move(upload),
       next = std::move(next)](absl::StatusOr<std::string> bytes) mutable {
        // A package from S3 is not held to the 50 MB of a zip sent in the request.
        if (AwsErrorCode(bytes.status()) == "EntityTooLarge") return next(call, UnzippedTooLarge());
        if (!bytes.ok()) {
          // As Lambda reports S3's answer: "... S3 Error Code: NoSuchKey. S3 Error Message: ...".
          return next(call,
                      InvalidParameter(fmt::format(
                          "Error occurred while GetObject. S3 Error Code: {}. S3 Error "
                          "Message: {}",
                          AwsErrorCode(bytes.status()), std::string(bytes.status().message()))));
        }
        upload.zip = *std::move(bytes);
        next(call, std::move(upload));
      });
}

void LambdaService::StoreCode(std::string zip,
                              std::function<void(absl::StatusOr<CodeStore::StoredCode>)> done) {
  code_worker_.Post([this, zip = std::move(zip), done = std::move(done)]() mutable {
    auto staged = deps_.code_store->Unpack(zip);
    boost::asio::post(*deps_.io, [this, staged = std::move(staged),
                                  done = std::move(done)]() mutable {
      if (!staged.ok()) return done(staged.status());
      // Installing and collecting both run on the code worker, in the order the io thread asks.
      // The package is pinned from now until `done` has named it in the registry (or given up):
      // a collection decided before the pin was queued ahead of this install, which then puts
      // the package back; one decided after it sees the pin (or the registry's use).
      const std::string id = staged->code.id;
      ++pinned_code_[id];
      code_worker_.Post([this, id, staged = *std::move(staged), done = std::move(done)]() mutable {
        auto installed = deps_.code_store->Install(std::move(staged));
        boost::asio::post(*deps_.io, [this, id, installed = std::move(installed),
                                      done = std::move(done)]() mutable {
          if (--pinned_code_[id] == 0) pinned_code_.erase(id);
          done(std::move(installed));
        });
      });
    });
  });
}

void LambdaService::ServeCode(Call& call) {
  // /_serval/code/<64 hex>.zip: the deployment package GetFunction's Code.Location points at.
  const std::string& file = call.Label("File");
  const bool well_formed =
      file.size() == 68 && file.ends_with(".zip") &&
      std::all_of(file.begin(), file.end() - 4, [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
      });
  const std::filesystem::path zip =
      well_formed ? deps_.code_store->ZipPath(file.substr(0, 64)) : std::filesystem::path();
  std::error_code ec;
  if (!well_formed || !std::filesystem::is_regular_file(zip, ec)) {
    return call.Fail(
        AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", "No such code package"));
  }
  // Streamed from disk: a 50 MB package is never held in memory.
  http::Response response{.status = 200, .body_file = zip.string()};
  response.SetHeader("Content-Type", "application/zip");
  protocol::SetRequestId(kProtocol, call.request_id, response);
  call.respond(std::move(response));
}

}  // namespace serval::lambda
