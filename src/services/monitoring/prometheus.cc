#include "services/monitoring/prometheus.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>

#include "metrics/lambda_recorder.h"

namespace serval::monitoring {
namespace {

using Recorder = metrics::LambdaRecorder;
using Out = std::back_insert_iterator<std::string>;

// A label value with \, " and newline escaped, as the format demands.
void AppendEscaped(std::string_view value, std::string& out) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

void Header(std::string_view name, std::string_view type, std::string_view help, std::string& out) {
  fmt::format_to(Out(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// name{function="f",resource="f:alias"[,executed_version="3"]
void CellLabels(std::string_view name, const Recorder::Function& function,
                const Recorder::Cell& cell, std::string& out) {
  out.append(name).append("{function=\"");
  AppendEscaped(function.name, out);
  out.append("\",resource=\"");
  AppendEscaped(function.name, out);
  if (!cell.qualifier.empty()) {
    out.push_back(':');
    AppendEscaped(cell.qualifier, out);
  }
  out.push_back('"');
  if (!cell.executed_version.empty()) {
    out.append(",executed_version=\"");
    AppendEscaped(cell.executed_version, out);
    out.push_back('"');
  }
}

// One counter family: a sample per cell.
template <typename Value>
void Family(const Recorder& recorder, std::string_view name, std::string_view help, Value value,
            std::string& out) {
  Header(name, "counter", help, out);
  for (const auto& [unused, function] : recorder.functions()) {
    for (const auto& cell : function.cells) {
      CellLabels(name, function, *cell, out);
      fmt::format_to(Out(out), "}} {}\n", value(cell->totals));
    }
  }
}

void DurationHistogram(const Recorder& recorder, std::string& out) {
  constexpr std::string_view kName = "serval_lambda_duration_milliseconds";
  Header(kName, "histogram", "Time invocations spent in the handler, as their REPORT line says.",
         out);
  const std::string bucket = std::string(kName) + "_bucket";
  const std::string sum = std::string(kName) + "_sum";
  const std::string count = std::string(kName) + "_count";
  for (const auto& [unused, function] : recorder.functions()) {
    for (const auto& cell : function.cells) {
      if (cell->executed_version.empty()) continue;  // throttles only: nothing ran
      const Recorder::Totals& totals = cell->totals;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < totals.duration_buckets.size(); ++i) {
        cumulative += totals.duration_buckets[i];
        CellLabels(bucket, function, *cell, out);
        if (i < Recorder::kDurationBucketsMs.size()) {
          fmt::format_to(Out(out), ",le=\"{}\"}} {}\n", Recorder::kDurationBucketsMs[i],
                         cumulative);
        } else {
          fmt::format_to(Out(out), ",le=\"+Inf\"}} {}\n", cumulative);
        }
      }
      CellLabels(sum, function, *cell, out);
      fmt::format_to(Out(out), "}} {}\n", totals.duration_ms);
      CellLabels(count, function, *cell, out);
      fmt::format_to(Out(out), "}} {}\n", cumulative);
    }
  }
}

void ProcessFigures(std::string& out) {
  long pages = 0;
  long resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(statm);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                     (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  Header("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", out);
  fmt::format_to(Out(out), "process_resident_memory_bytes {}\n", resident * sysconf(_SC_PAGESIZE));
  Header("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.", out);
  fmt::format_to(Out(out), "process_cpu_seconds_total {}\n", cpu);
}

}  // namespace

std::string RenderPrometheus(const Recorder& recorder, const PrometheusGauges& gauges) {
  std::string out;
  size_t cells = 0;
  for (const auto& [unused, function] : recorder.functions()) cells += function.cells.size();
  out.reserve(4096 + cells * 3072);
  Family(
      recorder, "serval_lambda_invocations_total",
      "Invocations that ran (function errors included), by function, resource and version.",
      [](const Recorder::Totals& t) { return t.invocations; }, out);
  Family(
      recorder, "serval_lambda_errors_total",
      "Invocations that ended in a function error (timeouts included).",
      [](const Recorder::Totals& t) { return t.errors; }, out);
  Family(
      recorder, "serval_lambda_throttles_total", "Requests refused with TooManyRequestsException.",
      [](const Recorder::Totals& t) { return t.throttles; }, out);
  Family(
      recorder, "serval_lambda_cold_starts_total",
      "Invocations that started a new execution environment.",
      [](const Recorder::Totals& t) { return t.cold_starts; }, out);
  Family(
      recorder, "serval_lambda_billed_gb_seconds_total",
      "Billed duration times configured memory, in GB-seconds.",
      [](const Recorder::Totals& t) { return t.billed_gb_seconds; }, out);
  DurationHistogram(recorder, out);
  Header("serval_lambda_concurrent_executions", "gauge", "Invocations of a function in flight.",
         out);
  for (const auto& [unused, function] : recorder.functions()) {
    out.append("serval_lambda_concurrent_executions{function=\"");
    AppendEscaped(function.name, out);
    fmt::format_to(Out(out), "\"}} {}\n", function.in_flight);
  }
  Header("serval_lambda_account_concurrent_executions", "gauge",
         "Invocations of all functions in flight.", out);
  fmt::format_to(Out(out), "serval_lambda_account_concurrent_executions {}\n",
                 recorder.in_flight());
  Header("serval_async_queue_depth", "gauge",
         "Async invocations accepted and not yet delivered or dropped.", out);
  fmt::format_to(Out(out), "serval_async_queue_depth {}\n", gauges.async_queue_depth);
  Header("serval_metric_series", "gauge", "Time series in the metric store.", out);
  fmt::format_to(Out(out), "serval_metric_series {}\n", gauges.metric_series);
  ProcessFigures(out);
  return out;
}

}  // namespace serval::monitoring
