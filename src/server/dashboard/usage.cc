#include "server/dashboard/usage.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/aws_error.h"

namespace serval::dashboard {
namespace {

namespace json = boost::json;
using Metric = metrics::LambdaRecorder::Metric;

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
constexpr int64_t kMaxSpan = 62 * kDay;

int64_t FloorTo(int64_t value, int64_t step) {
  return value >= 0 ? value / step * step : -((-value + step - 1) / step) * step;
}
int64_t CeilTo(int64_t value, int64_t step) { return -FloorTo(-value, step); }

json::value OrNull(std::optional<double> value) {
  return value ? json::value(*value) : json::value(nullptr);
}
json::value MaxOrNull(const metrics::Aggregate& aggregate) {
  return aggregate.empty() ? json::value(nullptr) : json::value(aggregate.maximum());
}
json::value AverageOrNull(const metrics::Aggregate& aggregate) {
  return aggregate.empty() ? json::value(nullptr) : json::value(aggregate.average());
}
double Share(double part, double whole) { return whole > 0 ? part / whole : 0; }

// The UTC start of the month after the one holding `seconds`, and of that month.
std::pair<int64_t, int64_t> MonthBounds(int64_t seconds) {
  const absl::CivilMonth month(
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone()));
  auto start = [](absl::CivilMonth m) {
    return absl::ToUnixSeconds(absl::FromCivil(m, absl::UTCTimeZone()));
  };
  return {start(month), start(month + 1)};
}

}  // namespace

double CostUsd(double gb_seconds, double requests) {
  return gb_seconds * kPricePerGbSecond + requests * kPricePerRequest;
}

absl::StatusOr<TimeRange> PlanRange(int64_t start, std::optional<int64_t> end, int64_t now) {
  const int64_t until = end.value_or(now);
  if (start >= until) {
    return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                    "The start of the range must be before its end.");
  }
  if (until - start > kMaxSpan) {
    return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                    "The range may span at most 62 days.");
  }
  const int64_t span = until - start;
  // Alignment: whole totals then read minute, hour or day rows; the chart period keeps the
  // number of points between about 60 and 300.
  const int64_t align = span <= 6 * kHour ? kMinute : span <= 2 * kDay ? kHour : kDay;
  TimeRange range{.start = FloorTo(start, align), .end = CeilTo(until, align)};
  const int64_t widened = range.end - range.start;
  range.period = widened <= 6 * kHour  ? kMinute
                 : widened <= 2 * kDay ? 5 * kMinute
                 : widened <= 8 * kDay ? kHour
                                       : 6 * kHour;
  return range;
}

std::vector<int64_t> PointTimes(const TimeRange& range) {
  std::vector<int64_t> times;
  times.reserve((range.end - range.start) / range.period);
  for (int64_t t = range.start; t < range.end; t += range.period) times.push_back(t);
  return times;
}

json::object UsageJson(const Usage& usage) {
  const double invocations = usage[Metric::kInvocations].sum();
  const double gb_seconds = usage[Metric::kBilledGbSeconds].sum();
  const metrics::Aggregate& duration = usage[Metric::kDuration];
  const metrics::Aggregate& memory_used = usage[Metric::kMaxMemoryUsed];
  const metrics::Aggregate& memory_size = usage[Metric::kMemorySize];
  json::object out{
      {"invocations", invocations},
      {"errors", usage[Metric::kErrors].sum()},
      {"throttles", usage[Metric::kThrottles].sum()},
      {"error_rate", Share(usage[Metric::kErrors].sum(), invocations)},
      {"duration_avg_ms", AverageOrNull(duration)},
      {"duration_p50_ms", OrNull(duration.Percentile(50))},
      {"duration_p99_ms", OrNull(duration.Percentile(99))},
      {"duration_max_ms", MaxOrNull(duration)},
      {"billed_duration_ms", usage[Metric::kBilledDuration].sum()},
      {"cold_starts", usage[Metric::kColdStarts].sum()},
      {"cold_start_share", Share(usage[Metric::kColdStarts].sum(), invocations)},
      {"init_duration_avg_ms", AverageOrNull(usage[Metric::kInitDuration])},
      {"init_duration_max_ms", MaxOrNull(usage[Metric::kInitDuration])},
      {"max_memory_used_mb", MaxOrNull(memory_used)},
      {"avg_memory_used_mb", AverageOrNull(memory_used)},
      {"memory_size_mb", MaxOrNull(memory_size)},
      {"billed_gb_seconds", gb_seconds},
      {"cost_usd", CostUsd(gb_seconds, invocations)},
  };
  // The share of the configured memory the largest invocation never touched.
  out["unused_memory_share"] =
      memory_used.empty() || memory_size.empty() || memory_size.maximum() <= 0
          ? json::value(nullptr)
          : json::value(std::max(0.0, 1 - memory_used.maximum() / memory_size.maximum()));
  return out;
}

CostTrend PredictMonth(const std::vector<std::pair<int64_t, double>>& daily_cost, int64_t now) {
  const int64_t today = FloorTo(now, kDay);
  const auto [month_start, month_end] = MonthBounds(now);
  CostTrend trend;
  double today_cost = 0;
  // The complete days of the last 30, from the first with any cost, missing days as zero.
  std::vector<double> days;
  int64_t first_day = 0;
  for (const auto& [day, cost] : daily_cost) {
    if (day >= month_start && day <= today) trend.month_to_date += cost;
    if (day == today) today_cost = cost;
    if (day >= today || day < today - 30 * kDay) continue;
    if (days.empty()) {
      if (cost <= 0) continue;
      first_day = day;
    }
    days.resize((day - first_day) / kDay + 1, 0);
    days.back() = cost;
  }
  if (!days.empty()) days.resize((today - first_day) / kDay, 0);
  trend.days_fitted = static_cast<int>(days.size());
  double intercept = 0;  // the line at today (x = 0); day i of `days` is x = i - size
  if (days.size() >= 2) {
    const double n = static_cast<double>(days.size());
    double sum_x = 0, sum_y = 0, sum_xx = 0, sum_xy = 0;
    for (size_t i = 0; i < days.size(); ++i) {
      const double x = static_cast<double>(i) - n;
      sum_x += x;
      sum_y += days[i];
      sum_xx += x * x;
      sum_xy += x * days[i];
    }
    trend.slope_per_day = (n * sum_xy - sum_x * sum_y) / (n * sum_xx - sum_x * sum_x);
    intercept = (sum_y - trend.slope_per_day * sum_x) / n;
  } else if (days.size() == 1) {
    intercept = days[0];
  } else if (now > today) {
    // Nothing but today so far: today's pace.
    intercept = today_cost * static_cast<double>(kDay) / static_cast<double>(now - today);
  }
  trend.today_estimate = std::max(0.0, intercept);
  // Spent on the complete days of this month, then the line from today to the month's end.
  trend.predicted_month =
      trend.month_to_date - today_cost + std::max(today_cost, trend.today_estimate);
  for (int64_t x = 1; today + x * kDay < month_end; ++x) {
    trend.predicted_month +=
        std::max(0.0, intercept + trend.slope_per_day * static_cast<double>(x));
  }
  return trend;
}

json::object CostTrendJson(const CostTrend& trend) {
  return {{"month_to_date_usd", trend.month_to_date},
          {"predicted_month_usd", trend.predicted_month},
          {"slope_usd_per_day", trend.slope_per_day},
          {"today_estimate_usd", trend.today_estimate},
          {"days_fitted", trend.days_fitted}};
}

}  // namespace serval::dashboard
