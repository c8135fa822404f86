#include "sandbox/environment.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>

#include "absl/strings/ascii.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "sandbox/mount_injection.h"
#include "sandbox/peer_uid.h"

namespace serval::sandbox {
namespace {

namespace asio = boost::asio;

// Runtimes post results up to this size; anything over kMaxSyncResponseBytes is refused as
// Function.ResponseSizeTooLarge, larger bodies only close the runtime's connection.
constexpr size_t kRuntimeApiBodyLimit = 32 << 20;
// A line longer than this is logged in pieces.
constexpr size_t kMaxLogLineBytes = 256 * 1024;
// A spare runs under Lambda's largest memory size until its function's is known, and with
// the default /tmp (functions asking for another size start on their own).
constexpr int kSpareMemoryMb = 10240;
constexpr int kSpareEphemeralStorageMb = 512;
// What a spare may print before its adoption (kept for the function's log stream).
constexpr size_t kMaxOutputBeforeAdoption = 64 * 1024;

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

http::Response RuntimeApiError(int status, std::string_view error_type, std::string_view message) {
  http::Response response{.status = status, .body = ErrorBody(error_type, message)};
  response.SetHeader("Content-Type", "application/json");
  return response;
}

http::Response Accepted() {
  http::Response response{.status = 202, .body = R"({"status":"OK"})"};
  response.SetHeader("Content-Type", "application/json");
  return response;
}

std::string TraceId(int64_t now_millis) {
  return fmt::format("Root=1-{:08x}-{};Parent={};Sampled=0", now_millis / 1000, RandomHex(12),
                     RandomHex(8));
}

std::string TimeoutText(int seconds) {
  return fmt::format("Task timed out after {:.2f} seconds", static_cast<double>(seconds));
}

}  // namespace

Environment::Environment(const SandboxContext& context, std::shared_ptr<const FunctionSpec> spec,
                         EnvironmentObserver* observer)
    : context_(context),
      spec_(std::move(spec)),
      observer_(observer),
      exit_watch_(*context.io),
      output_(*context.io),
      deadline_(*context.io) {}

Environment::~Environment() {
  if (runtime_api_) runtime_api_->Stop();
  // The uid may go to another environment only once nothing of this one runs under it.
  process_.Kill();
  process_.Reap();
  ReleaseIdentity();
}

void Environment::ReleaseIdentity() {
  if (uid_ != 0) context_.uids->Release(std::exchange(uid_, 0));
  if (!access_key_.empty() && context_.credentials) {
    context_.credentials->Remove(std::exchange(access_key_, ""));
  }
}

absl::StatusOr<std::shared_ptr<Environment>> Environment::Start(
    const SandboxContext& context, std::shared_ptr<const FunctionSpec> spec,
    EnvironmentObserver* observer) {
  std::shared_ptr<Environment> environment(new Environment(context, std::move(spec), observer));
  if (auto status = environment->Launch(); !status.ok()) return status;
  return environment;
}

absl::StatusOr<std::shared_ptr<Environment>> Environment::StartSpare(
    const SandboxContext& context, RuntimeFamily family, EnvironmentObserver* observer) {
  if (!context.isolation.namespaces || context.isolation.cgroup == CgroupVersion::kNone) {
    return absl::FailedPreconditionError("spare environments need namespaces and cgroups");
  }
  if (family == RuntimeFamily::kProvided && context.spare_bootstrap_path.empty()) {
    return absl::FailedPreconditionError("serval-spare-bootstrap is not installed");
  }
  if (auto status = CheckRuntimeDependencies(family, context.runtimes_dir); !status.ok()) {
    return status;
  }
  std::shared_ptr<Environment> environment(new Environment(context, nullptr, observer));
  environment->family_ = family;
  environment->state_ = State::kSpare;
  if (auto status = environment->StartProcess(); !status.ok()) return status;
  return environment;
}

bool Environment::CanAdopt(const FunctionSpec& spec) {
  if (spec.ephemeral_storage_mb != kSpareEphemeralStorageMb) return false;
  if (FamilyOf(spec.runtime).value_or(RuntimeFamily::kProvided) == RuntimeFamily::kProvided) {
    return true;
  }
  return std::none_of(spec.variables.begin(), spec.variables.end(), [](const auto& variable) {
    const std::string& name = variable.first;
    // Read as the interpreter starts, or as the Node ric loads (which a spare has done).
    return name.starts_with("PYTHON") || name.starts_with("NODE_") || name.starts_with("LD_") ||
           name.starts_with("LC_") || name == "LANG" || name == "AWS_LAMBDA_EXEC_WRAPPER" ||
           name.starts_with("AWS_LAMBDA_NODEJS_") || name == "AWS_LAMBDA_RUNTIME_VERBOSE";
  });
}

absl::Status Environment::Launch() {
  auto family = FamilyOf(spec_->runtime);
  if (!family.ok()) return family.status();
  family_ = *family;
  // Checked at every cold start, so installing the missing piece needs no restart.
  if (auto status = CheckRuntimeDependencies(family_, context_.runtimes_dir); !status.ok()) {
    return status;
  }
  if (auto status = OpenLog(); !status.ok()) return status;
  return StartProcess();
}

absl::Status Environment::OpenLog() {
  const int64_t now = context_.clock->NowMillis();
  const std::string stream = FormatLogStreamDate(now) + "/[" + spec_->version + "]" + RandomHex(16);
  auto log = context_.log_store->OpenStream("/aws/lambda/" + spec_->name, stream, now);
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  return absl::OkStatus();
}

absl::Status Environment::Adopt(std::shared_ptr<const FunctionSpec> spec) {
  if (!ready_for_adoption()) return absl::FailedPreconditionError("the spare is not ready");
  // The invocation waits from here: Init Duration counts the adoption's own work too.
  const int64_t adopted_steady_ns = SteadyNanos();
  spec_ = std::move(spec);
  if (auto status = OpenLog(); !status.ok()) return status;
  if (auto status = MountReadOnlyInto(process_.pid(), spec_->code_dir, kTaskRootMount);
      !status.ok()) {
    return status;
  }
  process_.LowerMemoryLimit(spec_->memory_mb);
  for (const std::string& variable : FunctionVariables(kTaskRootMount, kRuntimeDirMount)) {
    assignment_.append(variable);
    assignment_.push_back('\0');
  }
  state_ = State::kStarting;
  started_steady_ns_ = adopted_steady_ns;
  last_used_millis_ = context_.clock->NowMillis();
  const std::string earlier = std::exchange(output_before_adoption_, "");
  for (size_t start = 0, end; start < earlier.size(); start = end + 1) {
    end = std::min(earlier.find('\n', start), earlier.size());
    EmitLine(std::string_view(earlier).substr(start, end - start));
  }
  auto respond = std::move(*parked_assignment_);
  parked_assignment_.reset();
  OnAssignmentRequest(std::move(respond));
  return absl::OkStatus();
}

absl::Status Environment::StartProcess() {
  if (context_.isolation.dedicated_uids) {
    const std::optional<uid_t> uid = context_.uids->Acquire();
    if (!uid) return absl::ResourceExhaustedError("no free uid for another environment");
    uid_ = *uid;
  }
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.body_limit = kRuntimeApiBodyLimit;
  // The port is visible to every process of the machine (/proc/net/tcp); only the environment's
  // own processes may use it. Without dedicated uids they share Serval's, and the check is moot.
  options.admit_connection = [uid = uid_ != 0 ? uid_ : geteuid()](int socket) {
    return LocalPeerUid(socket) == uid;
  };
  std::weak_ptr<Environment> weak = weak_from_this();
  options.on_malformed_request = [weak] {
    if (auto self = weak.lock()) {
      self->Kill("Runtime.Unknown", "the runtime sent a malformed request to the Runtime API");
    }
  };
  auto server = http::Server::Start(
      *context_.io, std::move(options), [weak](http::Request&& request, http::Responder respond) {
        if (auto self = weak.lock()) {
          self->HandleRuntimeApi(std::move(request), std::move(respond));
        }
      });
  if (!server.ok()) return server.status();
  runtime_api_ = std::move(*server);

  const bool spare = spec_ == nullptr;
  LaunchSpec launch;
  // A spare's /var/task is an empty directory until its adoption mounts the code there.
  launch.task_root_host_path = spare ? "" : spec_->code_dir;
  launch.runtime_dir_host_path = context_.runtimes_dir;
  launch.cgroup_name = "env-" + RandomHex(8);
  // A spare starts with the largest limit; its adoption lowers it to the function's.
  launch.memory_mb = spare ? kSpareMemoryMb : spec_->memory_mb;
  launch.ephemeral_storage_mb = spare ? kSpareEphemeralStorageMb : spec_->ephemeral_storage_mb;
  launch.uid = uid_;
  if (!context_.syscall_filter.empty()) launch.syscall_filter = &context_.syscall_filter;
  const std::string task_root = TaskRoot(context_.isolation, launch);
  const std::string runtime_dir = RuntimeDir(context_.isolation, launch);
  const bool spare_of_provided = spare && family_ == RuntimeFamily::kProvided;
  launch.argv = spare_of_provided
                    ? std::vector<std::string>{kSpareBootstrapMount}
                    : BootstrapArgv(family_, {.task_root = task_root,
                                              .runtime_dir = runtime_dir,
                                              .python_path = context_.python_path.empty()
                                                                 ? MachinePython()
                                                                 : context_.python_path,
                                              .node_path = context_.node_path.empty()
                                                               ? MachineNode()
                                                               : context_.node_path});
  if (context_.isolation.namespaces) {
    if (context_.ephemeral_storage) {
      auto disk = context_.ephemeral_storage->Acquire(launch.ephemeral_storage_mb);
      if (!disk.ok()) return disk.status();
      tmp_disk_ = std::move(*disk);
    }
    launch.root_filesystem = PlanRootFilesystem(
        context_.root_layout, context_.isolation.new_root,
        {// The interpreter is argv[0] (a host path) unless the function brings its bootstrap.
         .interpreter = family_ == RuntimeFamily::kProvided ? "" : launch.argv[0],
         .task_root_host = launch.task_root_host_path,
         .spare_bootstrap_host = spare_of_provided ? context_.spare_bootstrap_path : "",
         .runtime_dir_host = context_.runtimes_dir,
         .tmp_device = tmp_disk_.device(),
         .tmp_size_mb = launch.ephemeral_storage_mb,
         .uid = uid_});
  }
  if (spare) {
    launch.env = RuntimeVariables(task_root, runtime_dir, {});
    launch.env.push_back("_SERVAL_SPARE=1");
  } else {
    launch.env = FunctionVariables(task_root, runtime_dir);
  }

  started_steady_ns_ = SteadyNanos();
  auto process = sandbox::Launch(context_.isolation, launch);
  if (!process.ok()) return process.status();
  process_ = std::move(*process);
  exit_watch_.assign(process_.TakePidfd());
  output_.assign(process_.TakeOutputFd());
  last_used_millis_ = context_.clock->NowMillis();
  WatchExit();
  ReadOutput();
  return absl::OkStatus();
}

std::vector<std::string> Environment::RuntimeVariables(
    const std::string& task_root, const std::string& runtime_dir,
    const std::vector<std::pair<std::string, std::string>>& variables) const {
  std::vector<std::string> env;
  auto add = [&env](std::string_view key, std::string_view value) {
    env.push_back(fmt::format("{}={}", key, value));
  };
  // Variables AWS does not reserve: a function's own value replaces the default (and must, for
  // LD_LIBRARY_PATH, since the dynamic loader takes the last of duplicates and getenv the first).
  auto add_default = [&](std::string_view key, std::string_view value) {
    if (std::none_of(variables.begin(), variables.end(),
                     [&](const auto& entry) { return entry.first == key; })) {
      add(key, value);
    }
  };
  add_default("PATH", "/usr/local/bin:/usr/bin:/bin");
  add_default("LANG", "en_US.UTF-8");
  // As AWS sets it, so libraries packaged in the zip's lib/ load by soname alone.
  add_default("LD_LIBRARY_PATH", fmt::format("/lib64:/usr/lib64:{0}:{0}/lib:{1}:{1}/lib:/opt/lib",
                                             runtime_dir, task_root));
  add("TZ", "UTC");
  add("LAMBDA_TASK_ROOT", task_root);
  add("LAMBDA_RUNTIME_DIR", runtime_dir);
  add("AWS_LAMBDA_RUNTIME_API", fmt::format("127.0.0.1:{}", runtime_api_->port()));
  if (family_ == RuntimeFamily::kNode) {
    add_default("NODE_PATH", runtime_dir + "/node/node_modules");
  }
  return env;
}

std::vector<std::string> Environment::FunctionVariables(const std::string& task_root,
                                                        const std::string& runtime_dir) {
  std::vector<std::string> env;
  // The function's own variables first: the runtime's reserved ones below take precedence.
  for (const auto& [key, value] : spec_->variables) env.push_back(key + "=" + value);
  for (std::string& variable : RuntimeVariables(task_root, runtime_dir, spec_->variables)) {
    env.push_back(std::move(variable));
  }
  auto add = [&env](std::string_view key, std::string_view value) {
    env.push_back(fmt::format("{}={}", key, value));
  };
  add("_HANDLER", spec_->handler);
  add("AWS_LAMBDA_FUNCTION_NAME", spec_->name);
  add("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(spec_->memory_mb));
  add("AWS_LAMBDA_FUNCTION_VERSION", spec_->version);
  add("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  add("AWS_LAMBDA_LOG_GROUP_NAME", log_->group());
  add("AWS_LAMBDA_LOG_STREAM_NAME", log_->stream());
  add("AWS_REGION", spec_->region);
  add("AWS_DEFAULT_REGION", spec_->region);
  if (family_ != RuntimeFamily::kProvided) add("AWS_EXECUTION_ENV", "AWS_Lambda_" + spec_->runtime);
  // Functions call Serval's own services with temporary credentials of their own, as on AWS:
  // valid only with the session token and only while the environment lives.
  http::CredentialStore::Identity identity{.secret = RandomHex(20),
                                           .session_token = Base64Encode(RandomHex(60)),
                                           .principal_arn = spec_->role_session_arn,
                                           .function_arn = spec_->arn};
  access_key_ = "ASIA" + absl::AsciiStrToUpper(RandomHex(8));
  add("AWS_ACCESS_KEY_ID", access_key_);
  add("AWS_SECRET_ACCESS_KEY", identity.secret);
  add("AWS_SESSION_TOKEN", identity.session_token);
  add("AWS_ENDPOINT_URL", context_.service_endpoint);
  if (context_.credentials) {
    context_.credentials->AddIdentity(access_key_, std::move(identity));
  } else {
    access_key_.clear();
  }
  return env;
}

void Environment::Assign(Invocation invocation, InvocationCallback done) {
  current_.emplace(Current{.invocation = std::move(invocation), .done = std::move(done)});
  ++serial_;
  if (state_ == State::kIdle) {
    current_->to_warm_environment = true;
    state_ = State::kBusy;
    if (parked_next_) {
      auto respond = std::move(*parked_next_);
      parked_next_.reset();
      Deliver(std::move(respond));
    }
    return;
  }
  // A cold start: the runtime's init counts against the function's timeout until its first /next.
  ArmDeadline(spec_->timeout_seconds);
}

void Environment::ArmDeadline(int seconds) {
  deadline_.expires_after(std::chrono::seconds(seconds));
  deadline_.async_wait([weak = weak_from_this(), serial = serial_](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->serial_ != serial || !self->current_) return;
    self->OnTimeout();
  });
}

void Environment::HandleRuntimeApi(http::Request&& request, http::Responder respond) {
  const auto segments = request.PathSegments();
  // Serval's own: a spare's wait for its function (see environment.h).
  if (segments.size() == 2 && segments[0] == "serval" && segments[1] == "assignment" &&
      request.method == "GET") {
    return OnAssignmentRequest(std::move(respond));
  }
  if (segments.size() == 2 && segments[0] == "serval" && segments[1] == "start-failure" &&
      request.method == "POST") {
    return OnStartFailure(std::move(request), std::move(respond));
  }
  // /2018-06-01/runtime/invocation/next, /.../invocation/{id}/{response|error}, /.../init/error
  if (segments.size() < 3 || segments[0] != "2018-06-01" || segments[1] != "runtime") {
    return respond(RuntimeApiError(404, "UnknownPath", "unknown Runtime API path"));
  }
  if (segments.size() == 4 && segments[2] == "invocation" && segments[3] == "next" &&
      request.method == "GET") {
    return OnNext(std::move(respond));
  }
  if (segments.size() == 5 && segments[2] == "invocation" && request.method == "POST" &&
      (segments[4] == "response" || segments[4] == "error")) {
    return OnResult(segments[3], std::move(request), std::move(respond), segments[4] == "error");
  }
  if (segments.size() == 4 && segments[2] == "init" && segments[3] == "error" &&
      request.method == "POST") {
    return OnInitError(std::move(request), std::move(respond));
  }
  respond(RuntimeApiError(404, "UnknownPath", "unknown Runtime API path"));
}

void Environment::OnAssignmentRequest(http::Responder respond) {
  if (state_ == State::kSpare) {
    parked_assignment_ = std::move(respond);
    return;
  }
  if (assignment_.empty()) {
    return respond(RuntimeApiError(404, "UnknownPath", "this environment has its function"));
  }
  http::Response response{.status = 200, .body = std::exchange(assignment_, "")};
  response.SetHeader("Content-Type", "application/octet-stream");
  respond(std::move(response));
}

void Environment::OnStartFailure(http::Request&& request, http::Responder respond) {
  spare_start_failure_ = std::move(request.body);
  respond(Accepted());
}

void Environment::OnNext(http::Responder respond) {
  if (state_ == State::kDead) return;
  if (state_ == State::kStarting) {
    pending_init_ms_ = (SteadyNanos() - started_steady_ns_) / 1e6;
    if (current_) {
      deadline_.cancel();
      state_ = State::kBusy;
      return Deliver(std::move(respond));
    }
    state_ = State::kIdle;
    parked_next_ = std::move(respond);
    return observer_->OnIdle(this);
  }
  if (current_ && !current_->delivered) return Deliver(std::move(respond));
  if (current_) {
    // Park first: completing makes the environment idle, and the pool may hand it work at once.
    parked_next_ = std::move(respond);
    return FailCurrent(
        "Runtime.Unknown",
        "RequestId: " + current_->invocation.request_id +
            " Error: the runtime asked for the next event without reporting this one",
        "error");
  }
  parked_next_ = std::move(respond);
}

void Environment::Deliver(http::Responder respond) {
  Current& current = *current_;
  current.delivered = true;
  current.delivered_steady_ns = SteadyNanos();
  EmitLine("START RequestId: " + current.invocation.request_id + " Version: " + spec_->version);
  // The runtime compares the deadline with its own (real) clock, whatever clock Serval runs on.
  const int64_t now = RealClock::Instance().NowMillis();
  ArmDeadline(spec_->timeout_seconds);
  http::Response response{.status = 200, .body = current.invocation.payload};
  response.SetHeader("Content-Type", "application/json")
      .SetHeader("Lambda-Runtime-Aws-Request-Id", current.invocation.request_id)
      .SetHeader("Lambda-Runtime-Deadline-Ms",
                 std::to_string(now + int64_t{spec_->timeout_seconds} * 1000))
      .SetHeader("Lambda-Runtime-Invoked-Function-Arn",
                 current.invocation.invoked_function_arn.empty()
                     ? spec_->arn
                     : current.invocation.invoked_function_arn)
      .SetHeader("Lambda-Runtime-Trace-Id", TraceId(now));
  if (!current.invocation.client_context.empty()) {
    response.SetHeader("Lambda-Runtime-Client-Context", current.invocation.client_context);
  }
  respond(std::move(response));
}

void Environment::OnResult(const std::string& request_id, http::Request&& request,
                           http::Responder respond, bool is_error) {
  if (!current_ || !current_->delivered || current_->invocation.request_id != request_id) {
    return respond(RuntimeApiError(400, "InvalidRequestID", "Invalid request ID"));
  }
  if (request.body_too_large || request.body.size() > kMaxSyncResponseBytes) {
    respond(RuntimeApiError(413, "RequestEntityTooLarge", "response payload too large"));
    return FailCurrent("Function.ResponseSizeTooLarge",
                       fmt::format("Response payload size exceeded maximum allowed payload size "
                                   "({} bytes).",
                                   kMaxSyncResponseBytes),
                       "error");
  }
  respond(Accepted());
  InvocationOutcome outcome{.body = std::move(request.body), .function_error = is_error};
  if (is_error && outcome.body.empty()) {
    std::string type(request.Header("Lambda-Runtime-Function-Error-Type"));
    outcome.body = ErrorBody(type.empty() ? "Runtime.Unknown" : type, "");
  }
  Complete(std::move(outcome), is_error ? "error" : "");
}

void Environment::OnInitError(http::Request&& request, http::Responder respond) {
  respond(Accepted());
  init_error_body_ = std::move(request.body);
  if (init_error_body_.empty()) {
    std::string type(request.Header("Lambda-Runtime-Function-Error-Type"));
    init_error_body_ = ErrorBody(type.empty() ? "Runtime.Unknown" : type, "init failed");
  }
  // The runtime exits after reporting; the invocation it was started for gets the init error.
  process_.Kill();
  state_ = State::kDead;
  if (current_) {
    EmitLine("START RequestId: " + current_->invocation.request_id + " Version: " + spec_->version);
    Complete({.body = init_error_body_, .function_error = true}, "error");
  }
  MarkDead();
}

void Environment::Complete(InvocationOutcome outcome, const std::string& status_note) {
  deadline_.cancel();
  DrainOutputNow();
  if (!partial_line_.empty()) {
    std::string line = std::move(partial_line_);
    partial_line_.clear();
    EmitOutputLine(line);
  }
  Current& current = *current_;
  const double duration_ms =
      current.delivered ? (SteadyNanos() - current.delivered_steady_ns) / 1e6 : 0.0;
  const int64_t billed_ms = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(duration_ms)));
  const uint64_t peak_mb = (process_.PeakMemoryBytes() + (1 << 20) - 1) >> 20;
  EmitLine("END RequestId: " + current.invocation.request_id);
  std::string report = fmt::format(
      "REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\tMemory Size: {} MB\t"
      "Max Memory Used: {} MB\t",
      current.invocation.request_id, duration_ms, billed_ms, spec_->memory_mb, peak_mb);
  outcome.figures = InvocationFigures{.duration_ms = duration_ms,
                                      .billed_ms = billed_ms,
                                      .memory_mb = spec_->memory_mb,
                                      .max_memory_mb = static_cast<int>(peak_mb),
                                      .init_ms = pending_init_ms_};
  if (pending_init_ms_) {
    report += fmt::format("Init Duration: {:.2f} ms\t", *pending_init_ms_);
    pending_init_ms_.reset();
  }
  if (!status_note.empty()) report += "Status: " + status_note + "\t";
  EmitLine(report);
  log_->Flush();
  if (current.invocation.tail_log) {
    const std::string& text = current.log_text;
    outcome.log_tail =
        text.size() > kMaxLogTailBytes ? text.substr(text.size() - kMaxLogTailBytes) : text;
  }
  InvocationCallback done = std::move(current.done);
  current_.reset();
  last_used_millis_ = context_.clock->NowMillis();
  if (state_ == State::kBusy) state_ = State::kIdle;
  done(std::move(outcome));
  if (state_ == State::kIdle) observer_->OnIdle(this);
}

void Environment::FailCurrent(const std::string& error_type, const std::string& message,
                              const std::string& status_note) {
  if (!current_) return;
  Complete({.body = ErrorBody(error_type, message), .function_error = true}, status_note);
}

void Environment::OnTimeout() {
  const std::string& request_id = current_->invocation.request_id;
  const std::string text = TimeoutText(spec_->timeout_seconds);
  if (!current_->delivered) {
    EmitLine("START RequestId: " + request_id + " Version: " + spec_->version);
  }
  EmitLine(FormatIso8601Millis(context_.clock->NowMillis()) + " " + request_id + " " + text);
  process_.Kill();
  state_ = State::kDead;  // no OnIdle from Complete: this environment is finished
  FailCurrent("Sandbox.Timedout", "RequestId: " + request_id + " Error: " + text, "timeout");
  MarkDead();
}

void Environment::Kill(const std::string& error_type, const std::string& reason) {
  if (state_ == State::kDead) return;
  process_.Kill();
  state_ = State::kDead;
  if (current_ && !error_type.empty()) {
    if (!current_->delivered) {
      EmitLine("START RequestId: " + current_->invocation.request_id +
               " Version: " + spec_->version);
    }
    FailCurrent(error_type, "RequestId: " + current_->invocation.request_id + " Error: " + reason,
                "error");
  }
  MarkDead();
}

void Environment::WatchExit() {
  exit_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [weak = weak_from_this()](boost::system::error_code ec) {
                           auto self = weak.lock();
                           if (ec || !self) return;
                           self->OnExit();
                         });
}

void Environment::OnExit() {
  if (state_ == State::kDead) return;
  const std::string reason = process_.Reap();
  state_ = State::kDead;
  if (current_ && !current_->delivered && current_->to_warm_environment) {
    Current undelivered = std::move(*current_);
    current_.reset();
    MarkDead();
    return observer_->Redeliver(spec_, std::move(undelivered.invocation),
                                std::move(undelivered.done));
  }
  if (current_) {
    const std::string& request_id = current_->invocation.request_id;
    if (!current_->delivered) {
      EmitLine("START RequestId: " + request_id + " Version: " + spec_->version);
    }
    std::optional<std::string> failure = process_.StartFailure();
    if (!failure && !spare_start_failure_.empty()) failure = spare_start_failure_;
    if (failure) {
      // The bootstrap never ran (missing, not executable, ...): Lambda's InvalidEntrypoint.
      EmitLine("RequestId: " + request_id + " Error: " + *failure + "\nRuntime.InvalidEntrypoint");
      FailCurrent("Runtime.InvalidEntrypoint", "RequestId: " + request_id + " Error: " + *failure,
                  "error");
    } else if (!init_error_body_.empty()) {
      Complete({.body = init_error_body_, .function_error = true}, "error");
    } else {
      const std::string why = reason == "exit status 0"
                                  ? "Runtime exited without providing a reason"
                                  : "Runtime exited with error: " + reason;
      EmitLine("RequestId: " + request_id + " Error: " + why + "\nRuntime.ExitError");
      FailCurrent("Runtime.ExitError", "RequestId: " + request_id + " Error: " + why, "error");
    }
  }
  MarkDead();
}

void Environment::ReadOutput() {
  output_.async_read_some(asio::buffer(read_buffer_),
                          [weak = weak_from_this()](boost::system::error_code ec, size_t n) {
                            auto self = weak.lock();
                            if (!self) return;
                            if (n > 0) self->ConsumeOutput({self->read_buffer_, n});
                            if (!ec) self->ReadOutput();
                          });
}

void Environment::DrainOutputNow() {
  if (!output_.is_open()) return;
  const int fd = output_.native_handle();
  while (true) {
    const ssize_t n = ::read(fd, read_buffer_, sizeof(read_buffer_));
    if (n > 0) {
      ConsumeOutput({read_buffer_, static_cast<size_t>(n)});
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN (nothing more now) or EOF
  }
}

void Environment::ConsumeOutput(std::string_view chunk) {
  partial_line_.append(chunk);
  size_t start = 0;
  while (true) {
    const size_t newline = partial_line_.find('\n', start);
    if (newline == std::string::npos) break;
    EmitOutputLine(std::string_view(partial_line_).substr(start, newline - start));
    start = newline + 1;
  }
  partial_line_.erase(0, start);
  if (partial_line_.size() >= kMaxLogLineBytes) {
    std::string line = std::move(partial_line_);
    partial_line_.clear();
    EmitOutputLine(line);
  }
}

void Environment::EmitOutputLine(std::string_view line) {
  if (output_truncated_) return;
  if (output_bytes_ + line.size() <= context_.log_quota_bytes) {
    output_bytes_ += line.size() + 1;
    return EmitLine(line);
  }
  output_truncated_ = true;
  EmitLine(
      fmt::format("[serval] this log stream reached its quota of {} bytes of function "
                  "output; further output of this environment is dropped",
                  context_.log_quota_bytes));
}

void Environment::EmitLine(std::string_view line) {
  if (!log_) {  // a spare, before its adoption
    if (output_before_adoption_.size() + line.size() < kMaxOutputBeforeAdoption) {
      output_before_adoption_.append(line).push_back('\n');
    }
    return;
  }
  log_->Append(context_.clock->NowMillis(), line);
  if (current_) {
    current_->log_text.append(line);
    current_->log_text.push_back('\n');
    // Only the tail is ever reported; keep the buffer bounded for chatty functions.
    if (current_->log_text.size() > 4 * kMaxLogTailBytes) {
      current_->log_text.erase(0, current_->log_text.size() - kMaxLogTailBytes);
    }
  }
}

void Environment::MarkDead() {
  state_ = State::kDead;
  deadline_.cancel();
  parked_next_.reset();
  if (runtime_api_) runtime_api_->Stop();
  process_.Kill();
  RetireProcess();
  DrainOutputNow();
  if (!partial_line_.empty()) {
    EmitOutputLine(partial_line_);
    partial_line_.clear();
  }
  if (log_) log_->Flush();
  boost::system::error_code ignored;
  exit_watch_.close(ignored);
  output_.close(ignored);
  observer_->OnDead(this);
}

void Environment::RetireProcess() {
  // The credentials go at once; the uid may go to another environment only once nothing of this
  // one runs under it, which waiting for the killed process tells.
  const uid_t uid = std::exchange(uid_, 0);
  ReleaseIdentity();
  // Waiting for a killed process (a large one takes milliseconds to tear down) and removing its
  // cgroups (which the kernel may call busy for a moment after) happen on the reaper.
  auto process = std::make_shared<ChildProcess>(std::move(process_));
  context_.process_cleaner->Post([process, uid, uids = context_.uids, io = context_.io] {
    process->Reap();
    process->Release();
    if (uid != 0) asio::post(*io, [uids, uid] { uids->Release(uid); });
  });
}

}  // namespace serval::sandbox
