#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/arn.h"
#include "iam/authorizer.h"

namespace serval::server {

// Settings of `serval up`. Thread-compatible value type.
struct ServeConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  std::string data_dir = ".serval";
  AccountContext account;
  std::string runtimes_dir;  // empty: found next to the binary or in the source tree
  // Interpreters for every python3.x and every nodejs runtime. Empty: the python3 (resolved
  // through shims) and the node first on PATH.
  std::string python_path;
  std::string node_path;
  // Access keys accepted in signatures ("ACCESS_KEY SECRET" per line). Empty: the data dir's
  // `credentials` file if there is one, else the local-tools convention test/test.
  std::string credentials_file;
  bool no_auth = false;  // accept requests without checking signatures (trusted networks only)
  // Use a clock that only moves through POST /_serval/clock/advance (for tests of retries and
  // schedules that should not wait real minutes).
  bool simulated_clock = false;
  int64_t simulated_clock_start_millis = 0;  // where the simulated clock starts; 0: real now
  std::chrono::milliseconds keep_alive{std::chrono::minutes(5)};
  // Concurrent executions across all functions (Lambda's account limit); also the most
  // execution environments kept at once.
  int concurrency_limit = 1000;
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(3)};
  // Bytes of a function's own output kept per log stream (one stream per environment).
  uint64_t log_quota_bytes = 64ull << 20;
  // The edge port's deadlines and connection cap (see http::ServerOptions); tests shorten them.
  std::chrono::seconds request_header_timeout{30};
  std::chrono::seconds transfer_timeout{30};
  size_t max_connections = 4096;
  // Async events that may wait in the queue, per function and in all; beyond them Invoke with
  // InvocationType Event gets 429.
  size_t async_queue_function_limit = 100'000;
  size_t async_queue_limit = 1'000'000;
  // Days of 1-minute metrics kept under <data dir>/metrics.
  int metrics_retention_days = 30;
  // How callers other than the operator are held to their IAM policies.
  iam::Mode iam_mode = iam::Mode::kWarn;
  // How long an EC2 or RDS instance record stays in a transitional state (pending, stopping,
  // starting...) before it reaches the next one, on Serval's clock. 0: the next read sees it.
  int64_t instance_transition_millis = 0;
  // No spare environments (see sandbox::PoolOptions::spare_environments).
  bool no_spare_environments = false;
  // Memory (MB) kept available on the host as environments start (PoolOptions); 0: not watched.
  int64_t min_available_memory_mb = 256;
  std::string meminfo_path = "/proc/meminfo";  // testing: a file standing in for it
};

// Runs Serval until SIGINT or SIGTERM. Returns the process exit code.
int Serve(const ServeConfig& config);

}  // namespace serval::server
