#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/invocation_figures.h"

namespace serval::sandbox {

// An immutable snapshot of what an execution environment runs. Environments started for one
// snapshot never run another: a configuration change starts fresh ones. Thread-compatible.
struct FunctionSpec {
  std::string name;
  std::string version = "$LATEST";
  std::string revision_id;  // identifies this snapshot
  std::string arn;          // unqualified function ARN
  // The principal the environment's credentials sign as: its execution role's session
  // (arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION), as on AWS.
  std::string role_session_arn;
  std::string region;
  std::string runtime;
  std::string handler;
  std::string code_dir;  // host path of the unpacked code
  int memory_mb = 128;
  int timeout_seconds = 3;
  int ephemeral_storage_mb = 512;
  std::vector<std::pair<std::string, std::string>> variables;
};

// One request to run a function. Thread-compatible.
struct Invocation {
  std::string request_id;
  std::string payload;         // event bytes, passed through unparsed
  std::string client_context;  // JSON text or empty
  bool tail_log = false;       // collect the last 4 KB of this invocation's log
  // The ARN the caller used (qualified with the alias or version it named); the runtime reports
  // it as context.invoked_function_arn. Empty means the function's unqualified ARN.
  std::string invoked_function_arn;
};

// How an invocation ended, as the Invoke API reports it. Thread-compatible.
struct InvocationOutcome {
  std::string body;             // the function's result, or the error JSON
  bool function_error = false;  // X-Amz-Function-Error: Unhandled
  std::string log_tail;         // when requested: START..REPORT, at most 4 KB
  // What its REPORT line says; nullopt when no environment ran it (one could not be started).
  std::optional<InvocationFigures> figures;
};

using InvocationCallback = std::function<void(InvocationOutcome)>;

// The error body Lambda reports for failures it detects itself (timeouts, exits, oversized
// results): {"errorType": ..., "errorMessage": ...}.
std::string ErrorBody(std::string_view error_type, std::string_view message);

// Sizes the Lambda service enforces on responses (bytes).
inline constexpr size_t kMaxSyncResponseBytes = 6291556;
inline constexpr size_t kMaxLogTailBytes = 4096;

}  // namespace serval::sandbox
