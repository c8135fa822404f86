#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/arn.h"
#include "common/clock.h"
#include "common/worker.h"
#include "iam/authorizer.h"
#include "invoker/invoker.h"
#include "protocol/rest_router.h"
#include "sandbox/pool.h"
#include "services/lambda/code_store.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_access.h"
#include "services/lambda/mapping_store.h"
#include "services/lambda/stream_poller.h"
#include "services/object_reader.h"
#include "services/platform.h"
#include "services/service.h"
#include "services/stream_source.h"
#include "services/topic_publisher.h"

namespace boost::json {
class object;
class value;
}  // namespace boost::json

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::lambda {

// The Lambda front end: the REST API (control plane, versions and aliases, Invoke) as the AWS
// CLI, boto3 and the JS SDK v3 send it, and the code downloads GetFunction's Code.Location
// points at. Invocations go to the invoker. Runs only on the io thread, apart from two workers
// that hand their results back to it: the upload decoder (a code upload's JSON and base64) and
// the code worker (unpacking zips). Event source mappings deliver DynamoDB stream records through
// the stream poller.
class LambdaService : public services::Service {
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
    boost::asio::io_context* io = nullptr;
    invoker::Invoker* invoker = nullptr;
    // Where Code.S3Bucket/S3Key packages are read from (null: not available).
    services::ObjectReaderSlot* objects = nullptr;
    // Serval's own URL ("http://127.0.0.1:4566"): function URLs are on its port.
    std::string endpoint;
    // Event source mappings: the streams they read (DynamoDB's, once it exists), the topics
    // their discarded batches go to, and the logs those are recorded in.
    services::StreamSourceSlot* streams = nullptr;
    services::TopicPublisherSlot* topics = nullptr;
    storage::LogStore* logs = nullptr;
    // Holds callers to their policies (null: every call is allowed); in enforce mode, a
    // function's role must exist and trust Lambda.
    iam::Authorizer* authorizer = nullptr;
  };

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  LambdaService(Dependencies dependencies, std::unique_ptr<MappingStore> mappings);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  // Starts the stream poller; Drain stops it (a batch in flight is delivered again later).
  void Start() override;
  void Drain(std::function<void()> done) override;
  void OnClockAdvanced() override;

 private:
  static constexpr protocol::Protocol kProtocol = protocol::Protocol::kRestJson1;

  // What one request is about: its labels from the URI, and for operations on a function, the
  // function (which exists) and the qualifier named in the path or the Qualifier parameter.
  struct Call {
    http::Request request;
    http::Responder respond;
    std::string request_id;
    protocol::Caller caller;
    absl::flat_hash_map<std::string, std::string> labels;
    std::string name;
    std::string qualifier;
    const FunctionRegistry::Function* function = nullptr;

    // The URI label `label` ("Name" of /aliases/{Name}); empty when the route has none.
    const std::string& Label(const std::string& label) const;
    void Fail(const absl::Status& status);
    void Reply(int status, const boost::json::object& body);
    void ReplyEmpty(int status);
  };
  // One row of the operation table: what IAM is asked (lambda_access.h), the handler, and
  // whether the route names a function ({FunctionName} or a tag ARN) that must exist before it
  // runs.
  struct Operation {
    std::string_view action;  // the IAM action ("lambda:GetFunction"); empty: none is asked
    void (*run)(LambdaService& service, Call& call);
    bool on_function = true;
    AccessTarget target = AccessTarget::kFunction;
  };
  static const protocol::RestRouter<Operation>& Operations();
  // Sets the call's function name and qualifier from its {FunctionName} (or tag {ARN}) label and
  // Qualifier parameter.
  absl::Status NameFunction(Call& call) const;
  // IAM (lambda_access.h): OK when the call's caller may make `requests` (or is not held to
  // policies: unsigned, no authorizer, or --iam off); Lambda's AccessDeniedException otherwise.
  // Authorizing says whether requests need building at all; Authorize is the one place Lambda
  // asks the authorizer. AuthorizeOperation asks what the operation table's row names.
  bool Authorizing(const Call& call) const;
  absl::Status Authorize(const Call& call, const iam::AccessRequest& request);
  absl::Status AuthorizeOperation(Call& call, const OperationAccess& access);
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
  // The account's limits and what its functions use of them (GetAccountSettings).
  void GetAccountSettings(Call& call);
  void DeleteConcurrency(Call& call);
  // How a call is answered once the registry change it made is durable (FunctionRegistry writes
  // complete on the io thread, after the handler returned).
  using Then = std::function<void(Call&)>;
  static Then Replying(int status, boost::json::object body);
  static Then ReplyingEmpty(int status);
  // The registry's completion for `call`: a failed write fails the call; otherwise `then` runs
  // with call.function found again by name (null if the function is gone meanwhile).
  FunctionRegistry::Done Answer(Call call, Then then);
  // Stores a $LATEST whose change does not affect what environments run (tags, policy,
  // concurrency): no new revision, no environment restarts. `change` applies to the function as
  // the registry holds it now; `then` answers once it is durable.
  void UpdateMetadata(Call& call, const std::function<void(FunctionConfig&)>& change, Then then);
  // lambda_function_urls.cc: /2021-10-31/functions/{name}/url[s]
  void CreateFunctionUrl(Call& call);
  void GetFunctionUrl(Call& call);
  void UpdateFunctionUrl(Call& call);
  void DeleteFunctionUrl(Call& call);
  void ListFunctionUrls(Call& call);
  // Resolves the call's function and qualifier for a function URL operation, with the checks and
  // messages AWS gives them (`not_found` for a function or alias that does not exist).
  absl::Status FindUrlTarget(Call& call, std::string_view not_found);
  // "http://{url_id}.lambda-url.{region}.localhost:{port}/".
  std::string FunctionUrlOf(std::string_view url_id) const;
  // lambda_event_config.cc: /2019-09-25/functions/{name}/event-invoke-config[/list]
  void HandleEventInvokeConfig(Call& call);
  void ListEventInvokeConfigs(Call& call);
  // lambda_event_sources.cc: /2015-03-31/event-source-mappings[/{UUID}]
  void CreateEventSourceMapping(Call& call);
  void GetEventSourceMapping(Call& call);
  void ListEventSourceMappings(Call& call);
  void UpdateEventSourceMapping(Call& call);
  void DeleteEventSourceMapping(Call& call);
  // The mapping the call's {UUID} names (ResourceNotFoundException when there is none).
  absl::StatusOr<const EventSourceMapping*> FindMapping(const Call& call) const;
  // Sets `mapping.function_arn` from a FunctionName (name, ARN, qualified ARN or alias), checking
  // that the function and qualifier exist.
  absl::Status SetMappingFunction(const boost::json::value& name,
                                  EventSourceMapping& mapping) const;
  // Stores a new mapping, with the checkpoints a LATEST start needs (the newest sequence number
  // of each shard now), starts it and answers 202.
  void StoreNewMapping(Call call, EventSourceMapping mapping);
  // lambda_invoke.cc
  void Invoke(Call& call);
  // GET /_serval/code/<sha256>.zip: a deployment package, streamed from disk.
  void ServeCode(Call& call);

  // The version the call's qualifier names (see Invoker::Resolve).
  absl::StatusOr<const FunctionRegistry::Entry*> Resolve(const Call& call) const;
  // In --iam enforce mode, AWS's refusal of a role that does not exist or does not trust Lambda.
  absl::Status CheckExecutionRole(std::string_view role_arn) const;
  // Publishes $LATEST of function `name` unless it is unchanged since the last published
  // version, and answers with the version's configuration.
  void PublishLatest(Call& call, const std::string& name, const std::string& description,
                     int success_status);
  // Stores the new $LATEST and retires environments running the old one; `done` once durable.
  void ReplaceLatest(const FunctionConfig& old_config, FunctionConfig updated,
                     FunctionRegistry::Done done);
  // Stores and publishes (if asked) an updated $LATEST and answers with it.
  void CommitUpdate(Call& call, const FunctionConfig& current, FunctionConfig updated,
                    bool publish);
  // Publishes $LATEST of a function just stored (if asked) and answers with what was stored.
  void ReplyWithLatest(Call& call, const std::string& name, bool publish, int success_status);
  void CollectCode(const std::string& code_id);
  void UpdateFunctionCode(Call& call);
  // Decodes a code upload's body on the upload decoder (JSON and base64 of up to 70 MB) and
  // continues with `next` on the io thread.
  void DecodeUpload(Call call, bool create, FunctionConfig base,
                    std::function<void(Call&, absl::StatusOr<CodeUpload>)> next);
  // Reads the package a Code.S3Bucket/S3Key upload names into upload.code.zip, then `next`.
  void ReadS3Package(Call call, CodeUpload upload,
                     std::function<void(Call&, absl::StatusOr<CodeUpload>)> next);
  // Unpacks and installs `zip` on the code worker and calls `done` on the io thread, which must
  // name the package in the registry at once (before it returns) or collect it.
  void StoreCode(std::string zip, std::function<void(absl::StatusOr<CodeStore::StoredCode>)> done);

  Dependencies deps_;
  // Functions whose CreateFunction or UpdateFunctionCode waits for its zip to be unpacked: another
  // create or code update of the same name is a conflict until it is answered.
  absl::flat_hash_set<std::string> unpacking_;
  // Code packages being installed for a create or code update, by id: not collected meanwhile.
  absl::flat_hash_map<std::string, int> pinned_code_;
  std::unique_ptr<MappingStore> mappings_;
  StreamPoller poller_;
  // Last: joined before the members their jobs use are destroyed. Decoding has a thread of its
  // own so that a small upload is not decoded behind a large package's unpack.
  Worker upload_decoder_{"lambda-upload", Worker::Priority::kBulk};
  Worker code_worker_{"lambda-code", Worker::Priority::kBulk};
};

}  // namespace serval::lambda
