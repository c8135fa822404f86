#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/worker.h"
#include "http/server.h"
#include "http/sigv4.h"
#include "sandbox/environment_uids.h"
#include "sandbox/ephemeral_storage.h"
#include "sandbox/invocation.h"
#include "sandbox/isolation.h"
#include "sandbox/process.h"
#include "sandbox/root_filesystem.h"
#include "sandbox/runtime_command.h"
#include "storage/log_store.h"

namespace serval::sandbox {

// Everything environments share, owned by the pool. Thread-compatible.
struct SandboxContext {
  boost::asio::io_context* io = nullptr;
  IsolationSupport isolation;
  std::string runtimes_dir;      // Serval's runtimes/ (bootstraps)
  // serval-spare-bootstrap (host path), for spares of provided runtimes; empty: none of those.
  std::string spare_bootstrap_path;
  std::string python_path;       // interpreter for every python3.x runtime
  std::string node_path;         // interpreter for every nodejs runtime
  std::string service_endpoint;  // http://host:port of Serval itself, for functions' SDK calls
  // Where each environment's temporary credentials are registered for the edge to accept; null
  // when Serval does not check signatures (--no-auth).
  http::CredentialStore* credentials = nullptr;
  EnvironmentUids* uids = nullptr;  // with isolation.dedicated_uids
  // Disks for /tmp apart from memory; null: /tmp is a tmpfs.
  EphemeralStorage* ephemeral_storage = nullptr;
  RootFilesystemLayout root_layout;
  std::vector<sock_filter> syscall_filter;  // empty without isolation.syscall_filter
  storage::LogStore* log_store = nullptr;
  // Bytes of the function's own output an environment's log stream keeps; beyond it the output
  // is read and dropped (the runtime never blocks on a full pipe) and one line says so. Serval's
  // START/END/REPORT lines are always written.
  uint64_t log_quota_bytes = 64ull << 20;
  const Clock* clock = nullptr;
  // Waits for killed processes and removes their cgroups off the io thread.
  Worker* process_cleaner = nullptr;
};

class Environment;

// Told about an environment's state changes. Called on the io thread.
class EnvironmentObserver {
 public:
  virtual ~EnvironmentObserver() = default;
  // The environment finished an invocation (or its init) and can take the next one.
  virtual void OnIdle(Environment* environment) = 0;
  // The environment is gone (exited, killed, timed out). It takes no more invocations.
  virtual void OnDead(Environment* environment) = 0;
  // The runtime of a warm environment exited (after an uncaught exception, say) before it asked
  // for the invocation assigned to it: no function code saw it, so it must run elsewhere.
  virtual void Redeliver(std::shared_ptr<const FunctionSpec> spec, Invocation invocation,
                         InvocationCallback done) = 0;
};

// One execution environment: a runtime process, the Runtime API endpoint (2018-06-01) it polls
// on a loopback port of its own (admitting only connections from the environment's own uid), its
// temporary credentials, its log stream and its deadline timer.
//
// Runs only on the io thread. Lifecycle: kStarting -> (first /next) -> kIdle <-> kBusy, and any
// state -> kDead. An invocation may be assigned while kStarting (a cold start) or kIdle.
//
// A spare environment (kSpare) is started before its function is known: its runtime (the
// interpreter and Serval's bootstrap, loaded) waits on GET /serval/assignment of its Runtime
// API. Adopt() gives it a function: the code is mounted at /var/task, the memory limit lowered
// to the function's, and the answer carries the function's whole environment, which replaces
// the spare's; from there it is a cold start like any other, whose Init Duration counts from the
// adoption. A spare serves one function for its life, as any environment does.
class Environment : public std::enable_shared_from_this<Environment> {
 public:
  enum class State { kSpare, kStarting, kIdle, kBusy, kDead };

  // Starts the runtime process. The environment reports to `observer`, which must outlive it.
  static absl::StatusOr<std::shared_ptr<Environment>> Start(
      const SandboxContext& context, std::shared_ptr<const FunctionSpec> spec,
      EnvironmentObserver* observer);
  // Starts a spare environment of `family` (see above). Needs namespaces and a memory cgroup;
  // for a provided runtime, serval-spare-bootstrap (which becomes the function's bootstrap).
  static absl::StatusOr<std::shared_ptr<Environment>> StartSpare(const SandboxContext& context,
                                                                 RuntimeFamily family,
                                                                 EnvironmentObserver* observer);
  // Whether a function may start in a spare: one with the default /tmp size and, for Python and
  // Node, whose variables cannot change how the interpreter or Node's ric start (PYTHON*, NODE_*,
  // LD_*, locale, AWS_LAMBDA_NODEJS_*...). A provided function's bootstrap is exec'd with its
  // own variables, so any of them is fine there.
  static bool CanAdopt(const FunctionSpec& spec);
  ~Environment();

  // Whether a spare is ready to be adopted: its runtime waits for its assignment, so its process
  // has built its sandbox (root filesystem, pivot_root) and exec'd. Until then its mount
  // namespace still shows the host's tree, where Adopt's mount of the code would not be seen
  // (see mount_injection.h).
  bool ready_for_adoption() const {
    return state_ == State::kSpare && parked_assignment_.has_value();
  }
  // Gives a spare ready for adoption its function; the state becomes kStarting. On failure the
  // environment is unusable: kill it.
  absl::Status Adopt(std::shared_ptr<const FunctionSpec> spec);
  RuntimeFamily family() const { return family_; }

  // Runs the invocation next. Requires state kStarting with nothing assigned, or kIdle.
  void Assign(Invocation invocation, InvocationCallback done);
  // Kills the process; a running invocation fails with `error_type`/`reason`.
  void Kill(const std::string& error_type, const std::string& reason);

  State state() const { return state_; }
  // A spare has no function until adopted: spec() is valid only when this is true.
  bool has_function() const { return spec_ != nullptr; }
  // The most memory the environment has held (its cgroup's peak, else its runtime's VmHWM).
  uint64_t peak_memory_bytes() const { return process_.PeakMemoryBytes(); }
  bool has_assignment() const { return current_.has_value(); }
  const FunctionSpec& spec() const { return *spec_; }
  const std::shared_ptr<const FunctionSpec>& spec_ptr() const { return spec_; }
  int64_t last_used_millis() const { return last_used_millis_; }

 private:
  struct Current {
    Invocation invocation;
    InvocationCallback done;
    bool delivered = false;
    bool to_warm_environment = false;  // assigned when idle, not as a cold start
    int64_t delivered_steady_ns = 0;
    std::string log_text;  // this invocation's log lines, for the Tail option
  };

  Environment(const SandboxContext& context, std::shared_ptr<const FunctionSpec> spec,
              EnvironmentObserver* observer);
  absl::Status Launch();
  // Starts the runtime process of `family_`: for spec_, or a spare when spec_ is null.
  absl::Status StartProcess();
  absl::Status OpenLog();
  // The function's environment variables (its temporary credentials registered here).
  std::vector<std::string> FunctionVariables(const std::string& task_root,
                                             const std::string& runtime_dir);
  // What every process of the runtime is started with, whatever its function: the function's
  // own `variables` replace the defaults AWS lets them replace (none for a spare).
  std::vector<std::string> RuntimeVariables(
      const std::string& task_root, const std::string& runtime_dir,
      const std::vector<std::pair<std::string, std::string>>& variables) const;
  void OnAssignmentRequest(http::Responder respond);
  void OnStartFailure(http::Request&& request, http::Responder respond);
  void HandleRuntimeApi(http::Request&& request, http::Responder respond);
  void OnNext(http::Responder respond);
  void Deliver(http::Responder respond);
  void OnResult(const std::string& request_id, http::Request&& request, http::Responder respond,
                bool is_error);
  void OnInitError(http::Request&& request, http::Responder respond);
  void Complete(InvocationOutcome outcome, const std::string& status_note);
  void FailCurrent(const std::string& error_type, const std::string& message,
                   const std::string& status_note);
  void OnTimeout();
  void ArmDeadline(int seconds);
  void OnExit();
  void WatchExit();
  void ReadOutput();
  void DrainOutputNow();
  void ConsumeOutput(std::string_view chunk);
  void EmitLine(std::string_view line);
  // A line of the function's own output: logged while within the quota.
  void EmitOutputLine(std::string_view line);
  void MarkDead();
  // Gives back the uid and retires the temporary credentials; idempotent.
  void ReleaseIdentity();
  // Hands the killed process to the process cleaner, which reaps it and removes its cgroups;
  // its uid is released once it is gone.
  void RetireProcess();

  SandboxContext context_;
  std::shared_ptr<const FunctionSpec> spec_;
  EnvironmentObserver* observer_;
  RuntimeFamily family_ = RuntimeFamily::kProvided;
  State state_ = State::kStarting;
  // A spare's wait for its function, and the answer (NAME=value, each NUL-terminated) once
  // adopted, until delivered (it holds the credentials).
  std::optional<http::Responder> parked_assignment_;
  std::string assignment_;
  // Output of a spare before its adoption, written to the function's log stream then.
  std::string output_before_adoption_;
  // Why serval-spare-bootstrap could not start the function's bootstrap (it said so).
  std::string spare_start_failure_;
  ChildProcess process_;
  std::unique_ptr<http::Server> runtime_api_;
  std::unique_ptr<storage::LogStreamWriter> log_;
  boost::asio::posix::stream_descriptor exit_watch_;
  boost::asio::posix::stream_descriptor output_;
  boost::asio::steady_timer deadline_;
  std::optional<Current> current_;
  std::optional<http::Responder> parked_next_;  // a /next waiting for work
  std::string partial_line_;
  uint64_t output_bytes_ = 0;      // of the function's own output logged so far
  bool output_truncated_ = false;  // the quota was reached (the log says so): drop the rest
  char read_buffer_[16384];
  int64_t started_steady_ns_ = 0;
  std::optional<double> pending_init_ms_;  // reported on the first REPORT line
  std::string init_error_body_;
  int64_t last_used_millis_ = 0;
  uint64_t serial_ = 0;     // increments per assignment; stale timer firings compare it
  uid_t uid_ = 0;           // the environment's own uid; 0 without dedicated uids
  EphemeralDisk tmp_disk_;  // its /tmp, when on a disk of its own
  std::string access_key_;  // its temporary key, registered in context_.credentials
};

}  // namespace serval::sandbox
