#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "common/clock.h"
#include "http/server.h"
#include "http/sigv4.h"
#include "iam/authorizer.h"
#include "iam/identity_store.h"
#include "invoker/invoker.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "sandbox/environment_uids.h"
#include "sandbox/peer_uid.h"
#include "sandbox/pool.h"
#include "server/admin_service.h"
#include "server/config.h"
#include "server/dashboard/dashboard_service.h"
#include "server/edge_router.h"
#include "server/runtimes_dir.h"
#include "services/event_bus.h"
#include "services/http_api_endpoint.h"
#include "services/lambda/code_store.h"
#include "services/lambda/function_registry.h"
#include "services/object_reader.h"
#include "services/registry.h"
#include "services/schedule_view.h"
#include "services/stream_source.h"
#include "services/topic_publisher.h"
#include "storage/durable_queue.h"
#include "storage/file_blob_store.h"
#include "storage/log_store.h"
#include "storage/sqlite_metadata_store.h"

namespace serval::server {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// CreateFunction's documented request limit: a 50 MB zip, base64-encoded, plus the JSON around it.
constexpr size_t kEdgeBodyLimit = 70167211;
constexpr auto kClientIdleTimeout = std::chrono::seconds(300);
constexpr auto kResponseFlushLimit = std::chrono::seconds(1);
constexpr rlim_t kDescriptorsPerEnvironment = 8;

std::shared_ptr<const sandbox::FunctionSpec> MakeSpec(const lambda::FunctionConfig& config,
                                                      const AccountContext& account,
                                                      const lambda::CodeStore& code_store) {
  auto spec = std::make_shared<sandbox::FunctionSpec>();
  spec->name = config.name;
  spec->version = config.version;
  spec->revision_id = config.revision_id;
  spec->arn = LambdaFunctionArn(account, config.name);
  spec->role_session_arn = AssumedRoleArn(account.account_id, config.role, config.name);
  spec->region = account.region;
  spec->runtime = config.runtime;
  spec->handler = config.handler;
  spec->code_dir = code_store.CodeDir(config.code_id).string();
  spec->memory_mb = config.memory_mb;
  spec->timeout_seconds = config.timeout_seconds;
  spec->ephemeral_storage_mb = config.ephemeral_storage_mb;
  spec->variables.assign(config.variables.begin(), config.variables.end());
  return spec;
}

// Polls until every accepted request has its response written (or the limit passes), then stops.
void FinishWhenResponsesFlushed(asio::io_context& io, http::Server& server,
                                std::chrono::steady_clock::time_point give_up) {
  if (server.OpenRequests() == 0 || std::chrono::steady_clock::now() >= give_up) {
    server.Stop();
    io.stop();
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(10));
  timer->async_wait([&io, &server, give_up, timer](boost::system::error_code) {
    FinishWhenResponsesFlushed(io, server, give_up);
  });
}

int64_t ResidentKilobytes() {
  std::ifstream status("/proc/self/status");
  for (std::string key; status >> key;) {
    if (key == "VmRSS:") {
      int64_t kilobytes = 0;
      status >> kilobytes;
      return kilobytes;
    }
  }
  return 0;
}

absl::StatusOr<http::CredentialStore> LoadCredentials(const ServeConfig& config,
                                                      const fs::path& data_dir) {
  std::string path = config.credentials_file;
  if (path.empty() && fs::exists(data_dir / "credentials")) path = data_dir / "credentials";
  if (path.empty()) return http::CredentialStore::WithDefaultKey();
  auto store = http::LoadCredentialFile(path);
  if (store.ok() && store->size() == 0) {
    return absl::InvalidArgumentError("no access keys in " + path);
  }
  return store;
}

// Takes the exclusive flock on `fd`, trying for up to `patience`. A Serval killed with SIGKILL
// can leave a child between its clone and its exec for a moment (a spare environment being
// built): it holds a copy of the lock until its exec closes it, and a restart must not fail on
// that.
bool LockWithin(int fd, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

// Each execution environment holds about 8 descriptors (its Runtime API listener and connection,
// pidfd, output pipe, log file, cgroup file, ...), so the usual soft limit of 1024 would stop
// Serval at ~120 environments. Raise the soft limit to the hard one and say if it is still short.
void RaiseDescriptorLimit(int concurrency_limit) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t wanted = static_cast<rlim_t>(concurrency_limit) * kDescriptorsPerEnvironment + 256;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    fmt::print(stderr,
               "WARNING: the open-file limit ({}) allows about {} execution environments, fewer "
               "than --concurrency-limit {}; raise it (ulimit -Hn) to avoid failed cold starts\n",
               limit.rlim_cur,
               limit.rlim_cur > 256 ? (limit.rlim_cur - 256) / kDescriptorsPerEnvironment : 0,
               concurrency_limit);
  }
}

int Serve(const ServeConfig& config) {
  const auto started = std::chrono::steady_clock::now();
  signal(SIGPIPE, SIG_IGN);
  RaiseDescriptorLimit(config.concurrency_limit);
  const fs::path data_dir = fs::absolute(config.data_dir);
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    fmt::print(stderr, "serval: cannot create data dir {}: {}\n", data_dir.string(), ec.message());
    return 1;
  }
  // One Serval per data dir: a second would interleave writes to the same logs and code.
  const int lock_fd =
      ::open((data_dir / "serval.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || !LockWithin(lock_fd, std::chrono::seconds(3))) {
    fmt::print(stderr, "serval: another Serval is already using the data dir {}\n",
               data_dir.string());
    return 1;
  }
  asio::io_context io(1);
  const storage::PostToIo post_to_io = [&io](std::function<void()> work) {
    asio::post(io, std::move(work));
  };
  auto metadata = storage::SqliteMetadataStore::Open(data_dir / "serval.db", post_to_io);
  if (!metadata.ok()) {
    fmt::print(stderr, "serval: {}\n", metadata.status().ToString());
    return 1;
  }
  auto blob_store = storage::FileBlobStore::Open(data_dir / "blobs");
  if (!blob_store.ok()) {
    fmt::print(stderr, "serval: {}\n", blob_store.status().ToString());
    return 1;
  }
  storage::LogStore log_store(data_dir / "logs");
  lambda::CodeStore code_store(data_dir / "code");
  if (auto status = code_store.Open(); !status.ok()) {
    fmt::print(stderr, "serval: cannot open the code store: {}\n", status.ToString());
    return 1;
  }
  auto registry =
      lambda::FunctionRegistry::Open(metadata->get(), [&](const lambda::FunctionConfig& function) {
        return MakeSpec(function, config.account, code_store);
      });
  if (!registry.ok()) {
    fmt::print(stderr, "serval: cannot load functions: {}\n", registry.status().ToString());
    return 1;
  }

  auto credentials = LoadCredentials(config, data_dir);
  if (!credentials.ok()) {
    fmt::print(stderr, "serval: {}\n", credentials.status().ToString());
    return 1;
  }

  const std::string advertised_host = config.host == "0.0.0.0" ? "127.0.0.1" : config.host;
  sandbox::PoolOptions pool_options;
  pool_options.runtimes_dir = ResolveRuntimesDir(config.runtimes_dir);
  pool_options.python_path = config.python_path;
  pool_options.node_path = config.node_path;
  pool_options.keep_alive = config.keep_alive;
  pool_options.log_quota_bytes = config.log_quota_bytes;
  pool_options.ephemeral_storage_dir = data_dir / "ephemeral";
  pool_options.max_environments = config.concurrency_limit;
  pool_options.spare_environments = !config.no_spare_environments;
  pool_options.min_available_memory_bytes =
      static_cast<uint64_t>(config.min_available_memory_mb) << 20;
  pool_options.meminfo_path = config.meminfo_path;
  pool_options.spare_bootstrap_path = SpareBootstrapPath();
  pool_options.instance_name = fmt::format("serval-{}", getpid());

  http::ServerOptions edge_options;
  edge_options.host = config.host;
  edge_options.port = config.port;
  edge_options.body_limit = kEdgeBodyLimit;
  edge_options.idle_timeout = kClientIdleTimeout;
  edge_options.header_timeout = config.request_header_timeout;
  edge_options.transfer_timeout = config.transfer_timeout;
  edge_options.max_connections = config.max_connections;
  // One function must not take the edge's connections from everyone else: an environment's
  // connections (its uid, from the kernel's socket table) count against a share of their own.
  edge_options.connection_owner = [](int socket) -> std::optional<uint32_t> {
    const std::optional<uid_t> uid = sandbox::LocalPeerUid(socket);
    if (!uid || !sandbox::EnvironmentUids::Owns(*uid)) return std::nullopt;
    return *uid;
  };
  edge_options.refusal_response = &EdgeRouter::RefusalResponse;
  std::unique_ptr<EdgeRouter> router;
  edge_options.screen_header = [&router](http::Request& headers) {
    return router->ScreenHeader(headers);
  };
  edge_options.stream_request_body = [&router](const http::Request& headers) {
    return router->StreamsBody(headers);
  };
  auto edge = http::Server::Start(io, edge_options,
                                  [&router](http::Request&& request, http::Responder respond) {
                                    router->Handle(std::move(request), std::move(respond));
                                  });
  if (!edge.ok()) {
    fmt::print(stderr, "serval: {}\n", std::string(edge.status().message()));
    return 1;
  }
  const std::string endpoint = fmt::format("http://{}:{}", advertised_host, (*edge)->port());
  pool_options.service_endpoint = endpoint;
  pool_options.credentials = config.no_auth ? nullptr : &*credentials;
  // Serval presigns its own code-download URLs with one of the operator's keys.
  // {access key, secret}. Not a structured binding: clang 14 cannot capture one in a lambda.
  const std::pair<std::string, std::string> presign_key = *credentials->AnyKey();
  // Time that decides behaviour (retries, event age) comes from here; tests move it by hand.
  std::unique_ptr<ManualClock> manual_clock;
  if (config.simulated_clock) {
    manual_clock = std::make_unique<ManualClock>(config.simulated_clock_start_millis > 0
                                                     ? config.simulated_clock_start_millis
                                                     : RealClock().NowMillis());
  }
  const Clock* clock =
      manual_clock ? static_cast<const Clock*>(manual_clock.get()) : &RealClock::Instance();
  storage::DurableQueueOptions queue_options;
  queue_options.post_to_io = post_to_io;
  auto queue = storage::DurableQueue::Open(data_dir / "async-queue", std::move(queue_options));
  if (!queue.ok()) {
    fmt::print(stderr, "serval: cannot open the async queue: {}\n", queue.status().ToString());
    return 1;
  }
  auto metric_store = metrics::MetricStore::Open({.dir = data_dir / "metrics",
                                                  .retention_days = config.metrics_retention_days,
                                                  .clock = clock,
                                                  .io = &io,
                                                  .post_to_io = post_to_io});
  if (!metric_store.ok()) {
    fmt::print(stderr, "serval: cannot open the metrics: {}\n", metric_store.status().ToString());
    return 1;
  }
  metrics::LambdaRecorder lambda_metrics(metric_store->get(), clock);
  sandbox::EnvironmentPool pool(io, pool_options, &log_store, clock);
  // GetFunction's Code.Location: a presigned URL valid for 10 minutes, as AWS's is.
  const std::string host_port = endpoint.substr(std::string_view("http://").size());
  auto code_location = [&](const std::string& path) {
    if (config.no_auth) return endpoint + path;
    return endpoint + http::PresignTarget("GET", host_port, path, presign_key.first,
                                          presign_key.second, config.account.region, "lambda",
                                          RealClock::Instance().NowMillis(), 600);
  };
  // SNS fills this in when its front end is created (below); async destinations publish here.
  services::TopicPublisherSlot topics;
  invoker::Invoker invoker(invoker::Invoker::Dependencies{
      .account = config.account,
      .registry = registry->get(),
      .executor = &pool,
      .clock = clock,
      .io = &io,
      .queue = queue->get(),
      .logs = &log_store,
      .account_concurrency = config.concurrency_limit,
      .async_limits = {config.async_queue_function_limit, config.async_queue_limit},
      .metrics = &lambda_metrics,
      .publish_to_topic = [&topics](const std::string& topic_arn, std::string message,
                                    std::vector<services::ServiceMessageAttribute> attributes,
                                    std::function<void(absl::Status)> settled) {
        if (topics.publisher == nullptr) {
          return settled(absl::UnavailableError("SNS is not available"));
        }
        topics.publisher->PublishForService(topic_arn, "", std::move(message),
                                            std::move(attributes), std::move(settled));
      }});
  auto identities = iam::IdentityStore::Open(metadata->get(), config.account.account_id);
  if (!identities.ok()) {
    fmt::print(stderr, "serval: cannot load IAM: {}\n", identities.status().ToString());
    return 1;
  }
  iam::Authorizer authorizer(config.iam_mode, config.account.account_id, clock);
  authorizer.SetIdentities(identities->get());
  services::ObjectReaderSlot objects;
  services::EventPublisherSlot events;
  services::HttpApiEndpointSlot http_apis;
  services::StreamSourceSlot streams;
  services::ScheduleViewSlot schedules;
  const services::Platform platform{.account = config.account,
                                    .clock = clock,
                                    .io = &io,
                                    .metadata = metadata->get(),
                                    .blobs = blob_store->get(),
                                    .post_to_io = post_to_io,
                                    .logs = &log_store,
                                    .invoker = &invoker,
                                    .metrics = metric_store->get(),
                                    .lambda_metrics = &lambda_metrics,
                                    .functions = registry->get(),
                                    .code_store = &code_store,
                                    .pool = &pool,
                                    .code_location = code_location,
                                    .endpoint = endpoint,
                                    .data_dir = data_dir.string(),
                                    .objects = &objects,
                                    .topics = &topics,
                                    .events = &events,
                                    .http_apis = &http_apis,
                                    .streams = &streams,
                                    .schedules = &schedules,
                                    .identities = identities->get(),
                                    .authorizer = &authorizer,
                                    .credentials = config.no_auth ? nullptr : &*credentials,
                                    .instance_transition_millis =
                                        config.instance_transition_millis};
  auto services = services::CreateServices(platform);
  if (!services.ok()) {
    fmt::print(stderr, "serval: {}\n", services.status().ToString());
    return 1;
  }
  auto stats_json = [&] {
    const invoker::Invoker::Stats invocations = invoker.stats();
    boost::json::object calls;
    for (const auto& [function, count] : router->calls_by_function()) calls[function] = count;
    boost::json::object stats{{"rss_kb", ResidentKilobytes()},
                              {"environments", pool.environment_count()},
                              {"async_events_queued", invocations.async_queued},
                              {"events_undeliverable", invocations.undeliverable},
                              {"calls_by_function", std::move(calls)}};
    for (const auto& service : *services) service->AddStats(stats);
    authorizer.AddStats(stats);
    return boost::json::serialize(stats);
  };
  std::function<int64_t(int64_t)> advance_clock;
  if (manual_clock) {
    advance_clock = [&](int64_t millis) {
      manual_clock->Advance(millis);
      invoker.OnClockAdvanced();
      for (const auto& service : *services) service->OnClockAdvanced();
      return manual_clock->NowMillis();
    };
  }
  AdminService admin(stats_json, advance_clock);
  dashboard::DashboardService dashboard(platform, config.no_auth ? nullptr : &*credentials,
                                        &RealClock::Instance());
  std::vector<services::Service*> routed{&admin, &dashboard};
  for (const auto& service : *services) routed.push_back(service.get());
  router = std::make_unique<EdgeRouter>(
      routed, EdgeRouter::Options{.credentials = config.no_auth ? nullptr : &*credentials,
                                  // Signatures carry the client's real time.
                                  .signature_clock = &RealClock::Instance(),
                                  .region = config.account.region,
                                  .account_id = config.account.account_id,
                                  .body_limit = kEdgeBodyLimit,
                                  .post_to_io = post_to_io});
  invoker.Start();
  (*metric_store)->Start();
  for (const auto& service : *services) service->Start();

  const double ready_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  fmt::print("Serval ready on {} in {:.1f} ms (data dir {}, {} functions)\n", endpoint, ready_ms,
             data_dir.string(), (*registry)->size());
  for (const std::string& missing : pool.MissingIsolation()) {
    fmt::print(stderr, "WARNING: isolation layer not available, running without it: {}\n", missing);
  }
  for (const std::string& missing : MissingRuntimeDependencies(pool_options.runtimes_dir)) {
    fmt::print(stderr, "WARNING: {}\n", missing);
  }
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(boost::system::error_code, int)> on_signal =
      [&](boost::system::error_code error, int) {
        if (error) return;
        if (stopping) {  // a second signal: stop now
          io.stop();
          return;
        }
        stopping = true;
        fmt::print("Serval shutting down\n");
        std::fflush(stdout);
        (*edge)->StopAccepting();
        // Once every front end has drained: no more async deliveries, then the environments.
        auto undrained = std::make_shared<size_t>(services->size() + 1);
        auto after_drain = [&, undrained] {
          if (--*undrained > 0) return;
          invoker.Drain();
          pool.Shutdown(config.shutdown_grace, [&] {
            FinishWhenResponsesFlushed(io, **edge,
                                       std::chrono::steady_clock::now() + kResponseFlushLimit);
          });
        };
        for (const auto& service : *services) service->Drain(after_drain);
        after_drain();  // the +1: so that no services at all still go on
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  io.run();
  // Figures of invocations that finished during the shutdown, and of the last minute.
  if (absl::Status flushed = (*metric_store)->FlushAndWait(); !flushed.ok()) {
    fmt::print(stderr, "serval: metrics of the last minute were lost: {}\n", flushed.ToString());
  }
  return 0;
}

}  // namespace serval::server
