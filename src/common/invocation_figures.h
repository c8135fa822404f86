#pragma once

#include <cstdint>
#include <optional>

namespace serval {

// What one invocation cost, as its REPORT line states it: the sandbox measures it, the invoker
// records it as metrics. Thread-compatible value.
struct InvocationFigures {
  double duration_ms = 0;
  int64_t billed_ms = 0;
  int memory_mb = 0;              // the configured size
  int max_memory_mb = 0;          // the environment's peak
  std::optional<double> init_ms;  // set on a cold start: the runtime's init phase
};

}  // namespace serval
