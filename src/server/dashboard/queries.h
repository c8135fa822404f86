#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "metrics/series.h"
#include "server/dashboard/usage.h"

namespace serval::dashboard {

// Many reads of Lambda's metrics gathered into one MetricStore::Query: each Add names a metric
// and its dimensions (every unit's series of it), and once Run's `done` runs, Points or Total
// give the merged answer by the index Add returned. Runs only on the io thread.
class QueryBatch {
 public:
  explicit QueryBatch(metrics::MetricStore* store) : store_(store) {}

  // The metric `metric` of namespace AWS/Lambda with exactly `dimensions` over [start, end) in
  // periods of `period` seconds; `percentiles` reads the histograms too.
  size_t Add(std::string_view metric, std::vector<metrics::Dimension> dimensions, int64_t start,
             int64_t end, int64_t period, bool percentiles);
  // The metric over the whole of `range` as one period.
  size_t AddTotal(std::string_view metric, std::vector<metrics::Dimension> dimensions,
                  const TimeRange& range, bool percentiles);
  // Every per-invocation metric (LambdaRecorder::kMetricNames) over `range`: UsageOf reads them.
  // Without `percentiles` Duration's histograms are not read (a list of many functions: reading
  // them is most of a query's work).
  size_t AddUsage(const std::vector<metrics::Dimension>& dimensions, const TimeRange& range,
                  bool percentiles = true);

  // Runs every query; `done` runs on the io thread with the batch answered (or the store's
  // error).
  static void Run(std::shared_ptr<QueryBatch> batch, std::function<void(absl::Status)> done);

  // The datapoints of query `index`, by period start.
  const std::vector<metrics::Datapoint>& Points(size_t index) const { return answers_[index]; }
  // Query `index` merged over all its periods.
  metrics::Aggregate Total(size_t index) const;
  Usage UsageOf(size_t first) const;

 private:
  metrics::MetricStore* store_;
  std::vector<metrics::SeriesQuery> queries_;
  std::vector<size_t> owner_;                             // per store query: the Add it serves
  std::vector<std::vector<metrics::Datapoint>> answers_;  // per Add
};

}  // namespace serval::dashboard
