#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/arn.h"
#include "common/clock.h"
#include "common/worker.h"
#include "http/message.h"
#include "sandbox/pool.h"
#include "services/lambda/async_invoker.h"
#include "services/lambda/code_store.h"
#include "services/lambda/concurrency_limiter.h"
#include "services/lambda/function_registry.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::lambda {

// The Lambda front end: the REST API (control plane, versions and aliases, Invoke) as the AWS
// CLI, boto3 and the JS SDK v3 send it. Runs only on the io thread, apart from the code
// worker, which unpacks uploaded zips and hands the result back to the io thread.
class LambdaService {
 public:
  struct Dependencies {
    AccountContext account;
    FunctionRegistry* registry = nullptr;
    CodeStore* code_store = nullptr;
    sandbox::EnvironmentPool* pool = nullptr;
    const Clock* clock = nullptr;
    // The URL GetFunction reports as Code.Location for a path on Serval (presigned unless
    // signatures are off).
    std::function<std::string(const std::string& path)> code_location;
    int account_concurrency = 1000;  // concurrent executions across all functions
    boost::asio::io_context* io = nullptr;
    storage::DurableQueue* queue = nullptr;  // async invocations
    AsyncQueueLimits async_limits;
    storage::LogStore* logs = nullptr;
  };

  // Recovers the async invocations queued before the last stop and starts delivering them.
  void Start() { async_.Recover(); }
  // Stops delivering async invocations (they stay queued for the next start).
  void StopAsync() { async_.Shutdown(); }
  // The (simulated) clock moved: retries that became due run now.
  void OnClockAdvanced() { async_.PumpSoon(); }
  // Asynchronous invocations accepted and not yet delivered or dropped.
  size_t async_queued() const { return async_.queued(); }
  // Queues an asynchronous invocation for an event source (schedules, later S3 and SNS), as an
  // Invoke with InvocationType Event would. `function_arn` may carry a qualifier. Events for
  // functions that do not exist are recorded as dropped when they come up for delivery, events
  // over the queue's limits at once.
  void InvokeAsync(const std::string& function_arn, std::string payload);

  explicit LambdaService(Dependencies dependencies);

  // True for request paths this service owns (/2015-03-31/functions...).
  static bool Owns(const http::Request& request);
  void Handle(http::Request&& request, http::Responder respond);

 private:
  // What one request is about: the path below /functions/{name}, the function (if it exists)
  // and the qualifier named in the path or the Qualifier parameter.
  struct Call {
    http::Request request;
    http::Responder respond;
    std::string request_id;
    std::string api_version;            // first path segment, e.g. "2015-03-31"
    std::vector<std::string> segments;  // below /API-VERSION/functions/{name}
    std::string name;
    std::string qualifier;
    const FunctionRegistry::Function* function = nullptr;

    void Fail(const absl::Status& status);
    void Reply(int status, const boost::json::object& body);
    void ReplyEmpty(int status);
  };

  void Route(Call& call);
  // lambda_service.cc: functions
  void CreateFunction(Call& call);
  void ListFunctions(Call& call);
  void GetFunction(Call& call, bool configuration_only);
  void DeleteFunction(Call& call);
  void UpdateFunction(Call& call, bool code);
  // lambda_versions.cc: versions and aliases
  void PublishVersion(Call& call);
  void ListVersions(Call& call);
  void CreateAlias(Call& call);
  void GetAlias(Call& call);
  void ListAliases(Call& call);
  void UpdateAlias(Call& call);
  void DeleteAlias(Call& call);
  // Checks the alias's versions, gives it a new revision, stores it and answers with it.
  void StoreAlias(Call& call, AliasConfig alias, int success_status);
  // lambda_permissions.cc: tags, resource policy, reserved concurrency
  void TagResource(Call& call);
  void UntagResource(Call& call);
  void ListTags(Call& call);
  void AddPermission(Call& call);
  void RemovePermission(Call& call);
  void GetPolicy(Call& call);
  void PutConcurrency(Call& call);
  void GetConcurrency(Call& call);
  void DeleteConcurrency(Call& call);
  // Stores a $LATEST whose change does not affect what environments run (tags, policy,
  // concurrency): no new revision, no environment restarts.
  absl::Status UpdateMetadata(const Call& call, const std::function<void(FunctionConfig&)>& change);
  // lambda_event_config.cc: /2019-09-25/functions/{name}/event-invoke-config[/list]
  void HandleEventInvokeConfig(Call& call);
  // lambda_invoke.cc
  void Invoke(Call& call);

  // The version a qualifier names: $LATEST, a number, or an alias (whose primary version is
  // used; `route` picks by the alias's weights instead, as invocations do).
  absl::StatusOr<const FunctionRegistry::Entry*> Resolve(const Call& call, bool route) const;
  absl::StatusOr<const FunctionRegistry::Entry*> Resolve(const FunctionRegistry::Function& function,
                                                         const std::string& name,
                                                         const std::string& qualifier,
                                                         bool route) const;
  // The AsyncInvoker's hooks (lambda_invoke.cc).
  AsyncInvoker::StartResult StartAsync(
      const AsyncEvent& event, const AsyncInvoker::PayloadReader& payload,
      std::function<void(sandbox::InvocationOutcome, std::string)> done);
  std::optional<EventInvokeConfig> EventInvokeConfigFor(const AsyncEvent& event) const;
  // Gives a slot back and lets queued async events use it.
  void ReleaseSlot(const ConcurrencyLimiter::Slot& slot);
  // Publishes $LATEST unless it is unchanged since the last published version.
  absl::StatusOr<const FunctionRegistry::Entry*> PublishLatest(const std::string& name,
                                                               const std::string& description);
  // Stores the new $LATEST and retires environments running the old one.
  absl::Status ReplaceLatest(const FunctionConfig& old_config, FunctionConfig updated);
  // Stores and publishes (if asked) an updated $LATEST and answers with it.
  void CommitUpdate(Call& call, const FunctionConfig& current, FunctionConfig updated,
                    bool publish);
  // Publishes $LATEST of a function just stored (if asked) and answers with what was stored.
  void ReplyWithLatest(Call& call, const std::string& name, bool publish, int success_status);
  void CollectCode(const std::string& code_id);
  // Unpacks `zip` on the code worker, installs it on the io thread and calls `done` there.
  void StoreCode(std::string zip, std::function<void(absl::StatusOr<CodeStore::StoredCode>)> done);

  Dependencies deps_;
  ConcurrencyLimiter limiter_;
  AsyncInvoker async_;
  // Functions whose CreateFunction or UpdateFunctionCode waits for its zip to be unpacked: another
  // create or code update of the same name is a conflict until it is answered.
  absl::flat_hash_set<std::string> unpacking_;
  Worker code_worker_;  // last: joined before the members its jobs use are destroyed
};

}  // namespace serval::lambda
