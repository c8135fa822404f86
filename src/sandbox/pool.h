#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sandbox/executor.h"
#include "sandbox/invocation.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::http {
class CredentialStore;
}  // namespace serval::http

namespace serval::storage {
class LogStore;
}  // namespace serval::storage

namespace serval {
class Clock;
}  // namespace serval

namespace serval::sandbox {

struct PoolOptions {
  std::string runtimes_dir;
  std::string python_path;
  std::string node_path;
  std::string service_endpoint;
  // Each environment registers its temporary credentials here (null: --no-auth).
  http::CredentialStore* credentials = nullptr;
  // Where environments' /tmp disks are kept (see ephemeral_storage.h); empty: /tmp is a tmpfs.
  std::string ephemeral_storage_dir;
  // Bytes of a function's own output kept per log stream (see SandboxContext).
  uint64_t log_quota_bytes = 64ull << 20;
  // Idle environments older than this are stopped.
  std::chrono::milliseconds keep_alive{std::chrono::minutes(5)};
  // Environments (busy, idle or starting) at once, across all functions.
  int max_environments = 1000;
  std::string instance_name = "serval";  // names this instance's cgroups
  // Keep one spare environment per runtime family ready once that family has had a cold start,
  // so the next one skips the start of the environment and of its interpreter (Environment).
  // A spare unused for keep_alive is stopped.
  bool spare_environments = true;
  // serval-spare-bootstrap, for spares of provided runtimes; empty: provided has none.
  std::string spare_bootstrap_path;
  // The host's available memory (MemAvailable) kept as environments start: below it, idle
  // environments are stopped, least recently used first, until what they held covers the
  // shortfall, and a cold start they cannot make room for is refused (ResourceExhausted); no
  // spare is started. Checked again at every reap, for pressure from other processes. 0: off.
  uint64_t min_available_memory_bytes = 0;
  // Where MemAvailable is read: /proc/meminfo, or a file tests write (a VM's balloon driver
  // moves the real figure under them).
  std::string meminfo_path = "/proc/meminfo";
};

// Execution environments of all functions: reuses warm ones, starts new ones when all are busy,
// stops idle ones after the keep-alive, and retires those of changed or deleted functions.
// Runs only on the io thread.
class EnvironmentPool : public Executor {
 public:
  EnvironmentPool(boost::asio::io_context& io, PoolOptions options, storage::LogStore* logs,
                  const Clock* clock);
  ~EnvironmentPool();

  // Layers of isolation that are not available on this machine (reported once at startup).
  std::vector<std::string> MissingIsolation() const;

  // Runs the invocation. When every environment slot is taken, the idle environment unused for
  // longest is stopped to make room; if none is idle, returns ResourceExhausted without running
  // it. Otherwise `done` is called exactly once with the outcome (a runtime that cannot even
  // start is a function error, as in Lambda).
  absl::Status Invoke(std::shared_ptr<const FunctionSpec> spec, Invocation invocation,
                      InvocationCallback done) override;

  // True when `spec` has no idle environment and at least `limit` of its environments are still
  // starting: another invocation would only add a cold start to a backlog of them. Queued work
  // waits for a warm environment instead.
  bool ColdStartsSaturated(const FunctionSpec& spec, int limit) const override;

  // Stops the idle environments of the function (of one version, if given) now and its busy
  // ones when they finish.
  void Retire(const std::string& function_name, const std::string& version = "") override;

  // Lets running invocations finish for up to `grace`, fails the rest, stops every environment
  // and then calls `done`.
  void Shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  int environment_count() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace serval::sandbox
