#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "metrics/aggregate.h"
#include "metrics/lambda_recorder.h"
#include "metrics/series.h"

namespace boost::json {
class object;
}  // namespace boost::json

// The dashboard's arithmetic over metric store answers (docs/dashboard.md): the time range and
// its periods, usage figures and their cost, and the month's cost predicted from the trend.
// Pure functions: thread-safe.
namespace serval::dashboard {

// AWS Lambda's published x86 prices (us-east-1): per GB-second of billed duration, and per
// request.
inline constexpr double kPricePerGbSecond = 0.0000166667;
inline constexpr double kPricePerRequest = 0.20 / 1e6;

double CostUsd(double gb_seconds, double requests);

// The range a view covers: [start, end) in epoch seconds, aligned so that a total over it reads
// the store's hourly or daily roll-ups, and the period of its charts.
struct TimeRange {
  int64_t start = 0;
  int64_t end = 0;
  int64_t period = 60;  // of chart points; divides end - start
};

// The range from `start` to `end` (epoch seconds; `end` defaults to `now`), widened to whole
// minutes (spans up to 6 hours), hours (up to 2 days) or days (longer), with about 60 to 300
// chart points. InvalidArgument when start is not before end or the span exceeds 62 days.
absl::StatusOr<TimeRange> PlanRange(int64_t start, std::optional<int64_t> end, int64_t now);

// The period's start of every chart point of `range`.
std::vector<int64_t> PointTimes(const TimeRange& range);

// What a function (or one of its resources or versions, or the account) did over a range: each
// of Lambda's metrics (LambdaRecorder::Metric) merged over it.
using Usage = std::array<metrics::Aggregate, metrics::LambdaRecorder::kMetricCount>;

// `usage` as the dashboard shows it: counts, error rate, duration (avg, p50, p99, max),
// cold starts and their share, Init Duration, memory used against memory size and the unused
// share, billed GB-seconds and cost.
boost::json::object UsageJson(const Usage& usage);

// The month's cost predicted from the trend of daily cost (docs/dashboard.md): a least-squares
// line over the complete days of the 30 before `now` (from the first with any cost), extended
// over the rest of the month (never below zero) and added to the complete days already spent.
struct CostTrend {
  double month_to_date = 0;  // complete days of this month, plus today so far
  double predicted_month = 0;
  double slope_per_day = 0;
  double today_estimate = 0;  // the line's value today
  int days_fitted = 0;
};
// `daily_cost` holds (UTC day start, cost) in day order, for days with data only.
CostTrend PredictMonth(const std::vector<std::pair<int64_t, double>>& daily_cost, int64_t now);
boost::json::object CostTrendJson(const CostTrend& trend);

}  // namespace serval::dashboard
