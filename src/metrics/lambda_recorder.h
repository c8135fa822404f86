#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "common/clock.h"
#include "common/invocation_figures.h"
#include "metrics/aggregate.h"
#include "metrics/metric_store.h"

namespace serval::metrics {

// The Resource dimension of an invocation: "fn", or "fn:qualifier" (an alias or a version).
std::string ResourceName(std::string_view function, std::string_view qualifier);

// Lambda's metrics (namespace AWS/Lambda), recorded as invocations finish. The hot path costs
// one hash lookup and a few additions: each (function, resource, executed version) has a cell
// that accumulates the current minute's figures and the totals since start (for Prometheus);
// once a minute, and before every query, the cells are rolled into the store under the
// dimension sets AWS publishes: none, {FunctionName}, {FunctionName, Resource} and
// {FunctionName, Resource, ExecutedVersion}. Figures are stamped with the minute the
// invocation ended, by the injected clock. In steady state recording allocates nothing (cells
// and their histograms keep their capacity). Runs only on the io thread.
class LambdaRecorder {
 public:
  static constexpr std::string_view kNamespace = "AWS/Lambda";
  // The per-invocation metrics, in the order of kMetricNames and kMetricUnits.
  enum Metric {
    kInvocations,
    kErrors,
    kThrottles,
    kDuration,
    kBilledDuration,
    kBilledGbSeconds,
    kInitDuration,
    kColdStarts,
    kMaxMemoryUsed,
    kMemorySize,
    kMetricCount,
  };
  static constexpr std::array<std::string_view, kMetricCount> kMetricNames = {
      "Invocations",     "Errors",       "Throttles",  "Duration",      "BilledDuration",
      "BilledGBSeconds", "InitDuration", "ColdStarts", "MaxMemoryUsed", "MemorySize"};
  static constexpr std::array<std::string_view, kMetricCount> kMetricUnits = {
      "Count", "Count",        "Count", "Milliseconds", "Milliseconds",
      "None",  "Milliseconds", "Count", "Megabytes",    "Megabytes"};
  // Published per function and for the account: the most invocations in flight in a minute.
  static constexpr std::string_view kConcurrentExecutions = "ConcurrentExecutions";
  // Upper bounds of the duration histogram Prometheus is given (ms; +Inf follows).
  static constexpr std::array<double, 14> kDurationBucketsMs = {
      1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

  // What a cell has counted since Serval started.
  struct Totals {
    uint64_t invocations = 0;
    uint64_t errors = 0;
    uint64_t throttles = 0;
    uint64_t cold_starts = 0;
    double duration_ms = 0;
    double billed_gb_seconds = 0;
    // Invocations per duration bucket (not cumulative); the last is +Inf.
    std::array<uint64_t, kDurationBucketsMs.size() + 1> duration_buckets{};
  };
  // The store's series of each metric (ConcurrentExecutions last) under one dimension set,
  // looked up once and kept: a minute's roll then costs no key building.
  using SeriesIds = std::array<SeriesId, kMetricCount + 1>;
  static constexpr SeriesId kNoSeries = ~SeriesId{0};
  static constexpr SeriesIds kNoSeriesIds = [] {
    SeriesIds ids{};
    ids.fill(kNoSeries);
    return ids;
  }();

  struct Function;
  struct Cell {
    Function* function = nullptr;
    std::string qualifier;         // as invoked: empty, an alias or a version
    std::string executed_version;  // empty for throttles: nothing ran
    Totals totals;
    std::array<Aggregate, kMetricCount> minute;  // this minute's figures
    SeriesIds version_series = kNoSeriesIds;     // {FunctionName, Resource, ExecutedVersion}
    SeriesIds resource_series = kNoSeriesIds;    // {FunctionName, Resource}
  };
  struct Function {
    std::string name;
    int in_flight = 0;
    int max_in_flight = 0;  // this minute
    bool deleted = false;   // forgotten once nothing is in flight
    std::vector<std::unique_ptr<Cell>> cells;
    SeriesIds series = kNoSeriesIds;  // {FunctionName}
  };

  // Registers itself as `store`'s collector; both outlive each other's use.
  LambdaRecorder(MetricStore* store, const Clock* clock);

  // An invocation of `function` as `qualifier` named it (empty, an alias or a version: the
  // Resource dimension is "fn" or "fn:qualifier") got its concurrency slot to run
  // `executed_version`; the cell it is to be finished with.
  Cell* Started(std::string_view function, std::string_view qualifier,
                std::string_view executed_version);
  // It ended: with `figures` when an environment ran it.
  void Finished(Cell* cell, bool function_error, const std::optional<InvocationFigures>& figures);
  // It never ran after all (no environment could be had).
  void Abandoned(Cell* cell);
  // A request was refused with TooManyRequestsException.
  void Throttled(std::string_view function, std::string_view qualifier);
  // The function was deleted: its cells go once nothing of it is in flight.
  void FunctionDeleted(std::string_view function);

  // Moves the cells' figures into the store (the store's collector).
  void Collect();

  const absl::node_hash_map<std::string, Function>& functions() const { return functions_; }
  int in_flight() const { return in_flight_; }

 private:
  Cell* CellOf(std::string_view function, std::string_view qualifier,
               std::string_view executed_version);
  void EndInFlight(Cell* cell);
  // Collects first when the clock entered a new minute since the figures in the cells began.
  void Roll();
  // Adds each metric's minute to the store under one dimension set (`ids`, filled in on first
  // use from `dimensions`).
  void Emit(const std::array<Aggregate, kMetricCount>& figures, SeriesIds& ids,
            const std::function<std::vector<Dimension>()>& dimensions);
  // Adds one metric's minute.
  void EmitOne(int metric, const Aggregate& aggregate, SeriesIds& ids,
               const std::function<std::vector<Dimension>()>& dimensions);

  MetricStore* store_;
  const Clock* clock_;
  int64_t minute_ = 0;  // the minute (epoch seconds) the cells' figures belong to
  int in_flight_ = 0;
  int max_in_flight_ = 0;                    // this minute, account-wide
  SeriesIds account_series_ = kNoSeriesIds;  // no dimensions
  absl::node_hash_map<std::string, Function> functions_;
};

}  // namespace serval::metrics
