#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/arn.h"
#include "common/clock.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval {
namespace http {
class CredentialStore;
}  // namespace http
namespace iam {
class Authorizer;
class IdentityStore;
}  // namespace iam
namespace storage {
class BlobStore;
class MetadataStore;
class LogStore;
}  // namespace storage
namespace sandbox {
class EnvironmentPool;
}  // namespace sandbox
namespace invoker {
class Invoker;
}  // namespace invoker
namespace metrics {
class MetricStore;
class LambdaRecorder;
}  // namespace metrics
namespace lambda {
class FunctionRegistry;
class CodeStore;
}  // namespace lambda
namespace services {
struct ObjectReaderSlot;
struct TopicPublisherSlot;
struct EventPublisherSlot;
struct HttpApiEndpointSlot;
struct StreamSourceSlot;
struct ScheduleViewSlot;
}  // namespace services
}  // namespace serval

namespace serval::services {

// What Serval's composition root (server/serve.cc) hands every front end it creates: the shared
// state and machinery a service may use. Everything outlives the services. Thread-compatible.
struct Platform {
  AccountContext account;
  const Clock* clock = nullptr;  // decides behaviour (retries, schedules); simulated in tests
  boost::asio::io_context* io = nullptr;       // the io thread every service runs on
  storage::MetadataStore* metadata = nullptr;  // records (write-through, loaded at start)
  // Objects, parts and packages; keys start with the service's name ("s3/").
  storage::BlobStore* blobs = nullptr;
  // Runs a closure on the io thread: how a service's workers hand results back.
  std::function<void(std::function<void()>)> post_to_io;
  storage::LogStore* logs = nullptr;
  invoker::Invoker* invoker = nullptr;  // every invocation goes through it
  // The time-series store (CloudWatch metrics) and the recorder of Lambda's figures in it.
  metrics::MetricStore* metrics = nullptr;
  const metrics::LambdaRecorder* lambda_metrics = nullptr;
  // Functions: their configurations, code and execution environments.
  lambda::FunctionRegistry* functions = nullptr;
  lambda::CodeStore* code_store = nullptr;
  sandbox::EnvironmentPool* pool = nullptr;
  // A URL on Serval for `path`, presigned for `service` unless signatures are off (GetFunction's
  // Code.Location).
  std::function<std::string(const std::string& path)> code_location;
  // Serval's own URL ("http://127.0.0.1:4566"), for links in what services send out.
  std::string endpoint;
  // The data directory: a service that keeps files of its own keeps them under
  // <data_dir>/<service name>.
  std::string data_dir;
  // Stored objects for front ends other than S3 (object_reader.h): S3 fills it in.
  ObjectReaderSlot* objects = nullptr;
  // Publishing to topics for front ends other than SNS (topic_publisher.h): SNS fills it in.
  TopicPublisherSlot* topics = nullptr;
  // Events on EventBridge's default bus for front ends other than events (event_bus.h): the
  // events front end fills it in.
  EventPublisherSlot* events = nullptr;
  // HTTP APIs for the front end that serves execute-api URLs (http_api_endpoint.h): the
  // apigatewayv2 front end fills it in.
  HttpApiEndpointSlot* http_apis = nullptr;
  // Table streams for Lambda's event source mappings (stream_source.h): the DynamoDB front end
  // fills it in.
  StreamSourceSlot* streams = nullptr;
  // Schedule rules and their next fire times (schedule_view.h): the events front end fills it
  // in.
  ScheduleViewSlot* schedules = nullptr;
  // IAM: the account's roles, users and policies (changed by the IAM front end), the one check
  // every front end makes of a request's caller against them, and the access keys the edge
  // accepts (null under --no-auth), which IAM's access keys and STS's sessions join.
  iam::IdentityStore* identities = nullptr;
  iam::Authorizer* authorizer = nullptr;
  http::CredentialStore* credentials = nullptr;
  // How long EC2 and RDS instance records stay in a transitional state (`serval up
  // --instance-transition-ms`), on `clock`.
  int64_t instance_transition_millis = 0;
};

}  // namespace serval::services
