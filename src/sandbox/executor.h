#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "sandbox/invocation.h"

namespace serval::sandbox {

// Runs invocations in execution environments: the seam between the invoker and the sandbox, so
// that the invoker's tests can run functions without processes. EnvironmentPool is the real one.
// Runs only on the io thread.
class Executor {
 public:
  virtual ~Executor() = default;

  // Runs the invocation; `done` is called exactly once with the outcome, later, on the io
  // thread. When no environment can be had, returns ResourceExhausted at once and never calls
  // `done`.
  virtual absl::Status Invoke(std::shared_ptr<const FunctionSpec> spec, Invocation invocation,
                              InvocationCallback done) = 0;
  // True when `spec` has no idle environment and at least `limit` of its environments are still
  // starting: another invocation would only add a cold start to a backlog of them.
  virtual bool ColdStartsSaturated(const FunctionSpec& spec, int limit) const = 0;
  // Stops the idle environments of the function (of one version, if given) now and its busy
  // ones when they finish.
  virtual void Retire(const std::string& function_name, const std::string& version) = 0;
};

}  // namespace serval::sandbox
