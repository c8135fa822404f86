#include "server/dashboard/queries.h"

#include <map>

namespace serval::dashboard {

using metrics::LambdaRecorder;

size_t QueryBatch::Add(std::string_view metric, std::vector<metrics::Dimension> dimensions,
                       int64_t start, int64_t end, int64_t period, bool percentiles) {
  metrics::SeriesKey key{.name_space = std::string(LambdaRecorder::kNamespace),
                         .metric_name = std::string(metric),
                         .dimensions = std::move(dimensions)};
  key.Normalize();
  const size_t index = answers_.size();
  answers_.emplace_back();
  for (metrics::SeriesId series : store_->Matching(key, std::nullopt)) {
    queries_.push_back({.series = series,
                        .start = start,
                        .end = end,
                        .period = period,
                        .percentiles = percentiles});
    owner_.push_back(index);
  }
  return index;
}

size_t QueryBatch::AddTotal(std::string_view metric, std::vector<metrics::Dimension> dimensions,
                            const TimeRange& range, bool percentiles) {
  return Add(metric, std::move(dimensions), range.start, range.end, range.end - range.start,
             percentiles);
}

size_t QueryBatch::AddUsage(const std::vector<metrics::Dimension>& dimensions,
                            const TimeRange& range, bool percentiles) {
  const size_t first = answers_.size();
  for (size_t metric = 0; metric < LambdaRecorder::kMetricCount; ++metric) {
    AddTotal(LambdaRecorder::kMetricNames[metric], dimensions, range,
             percentiles && metric == LambdaRecorder::kDuration);
  }
  return first;
}

void QueryBatch::Run(std::shared_ptr<QueryBatch> batch, std::function<void(absl::Status)> done) {
  std::vector<metrics::SeriesQuery> queries = batch->queries_;
  batch->store_->Query(
      std::move(queries),
      [batch, done = std::move(done)](
          absl::StatusOr<std::vector<std::vector<metrics::Datapoint>>> answers) {
        if (!answers.ok()) return done(answers.status());
        // An Add with several series (units) gets their datapoints merged by period.
        std::vector<std::map<int64_t, metrics::Aggregate>> merged(batch->answers_.size());
        for (size_t i = 0; i < answers->size(); ++i) {
          for (metrics::Datapoint& point : (*answers)[i]) {
            merged[batch->owner_[i]][point.timestamp].Merge(point.aggregate);
          }
        }
        for (size_t i = 0; i < merged.size(); ++i) {
          for (auto& [timestamp, aggregate] : merged[i]) {
            batch->answers_[i].push_back(
                {.timestamp = timestamp, .aggregate = std::move(aggregate)});
          }
        }
        done(absl::OkStatus());
      });
}

metrics::Aggregate QueryBatch::Total(size_t index) const {
  metrics::Aggregate total;
  for (const metrics::Datapoint& point : answers_[index]) total.Merge(point.aggregate);
  return total;
}

Usage QueryBatch::UsageOf(size_t first) const {
  Usage usage;
  for (size_t metric = 0; metric < LambdaRecorder::kMetricCount; ++metric) {
    usage[metric] = Total(first + metric);
  }
  return usage;
}

}  // namespace serval::dashboard
