#pragma once

#include <cstddef>
#include <string>

namespace serval::metrics {
class LambdaRecorder;
}  // namespace serval::metrics

namespace serval::monitoring {

// Serval-wide gauges /metrics shows beside the functions' figures.
struct PrometheusGauges {
  size_t async_queue_depth = 0;  // async invocations accepted and not yet delivered or dropped
  size_t metric_series = 0;      // series in the metric store
};

// The Prometheus text exposition format (version 0.0.4) of Lambda's figures since Serval
// started, per (function, resource, executed version): serval_lambda_invocations_total,
// _errors_total, _throttles_total, _cold_starts_total, _billed_gb_seconds_total, the
// serval_lambda_duration_milliseconds histogram; per function the invocations in flight; and
// process figures (resident memory, CPU seconds, start time). One string is built with one
// growing buffer: no allocation per function. Thread-compatible with `recorder`.
std::string RenderPrometheus(const metrics::LambdaRecorder& recorder,
                             const PrometheusGauges& gauges);

}  // namespace serval::monitoring
