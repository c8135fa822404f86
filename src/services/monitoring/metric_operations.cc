// CloudWatch's operations over awsJson documents (query requests arrive converted). Validation
// follows AWS's: the checks and messages of botocore's model and of CloudWatch's answers
// (docs/metrics.md lists them).

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "common/crypto.h"
#include "metrics/metric_store.h"
#include "services/monitoring/monitoring_errors.h"
#include "services/monitoring/monitoring_service.h"

namespace serval::monitoring {
namespace {

namespace json = boost::json;

constexpr size_t kMaxDimensions = 30;
constexpr size_t kMaxMetricData = 1000;
constexpr size_t kMaxValues = 150;
constexpr int64_t kMaxDatapoints = 1440;
constexpr int64_t kDefaultMaxDatapoints = 100800;
constexpr size_t kMaxQueries = 500;
constexpr size_t kListPage = 500;
constexpr int64_t kTwoWeeks = 14 * 86400;
constexpr int64_t kTwoHours = 2 * 3600;
constexpr int64_t kRecentlyActive = 3 * 3600;  // RecentlyActive=PT3H

constexpr std::string_view kUnits[] = {"Seconds",
                                       "Microseconds",
                                       "Milliseconds",
                                       "Bytes",
                                       "Kilobytes",
                                       "Megabytes",
                                       "Gigabytes",
                                       "Terabytes",
                                       "Bits",
                                       "Kilobits",
                                       "Megabits",
                                       "Gigabits",
                                       "Terabits",
                                       "Percent",
                                       "Count",
                                       "Bytes/Second",
                                       "Kilobytes/Second",
                                       "Megabytes/Second",
                                       "Gigabytes/Second",
                                       "Terabytes/Second",
                                       "Bits/Second",
                                       "Kilobits/Second",
                                       "Megabits/Second",
                                       "Gigabits/Second",
                                       "Terabits/Second",
                                       "Count/Second",
                                       "None"};

// One statistic a caller asks for: SampleCount, Average, Sum, Minimum, Maximum or pNN.
struct Stat {
  enum class Kind { kSampleCount, kAverage, kSum, kMinimum, kMaximum, kPercentile };
  Kind kind;
  double percentile = 0;
  std::string name;
};

std::optional<Stat> ParseStat(std::string_view text, bool percentiles_only = false) {
  static constexpr std::pair<std::string_view, Stat::Kind> kPlain[] = {
      {"SampleCount", Stat::Kind::kSampleCount},
      {"Average", Stat::Kind::kAverage},
      {"Sum", Stat::Kind::kSum},
      {"Minimum", Stat::Kind::kMinimum},
      {"Maximum", Stat::Kind::kMaximum}};
  if (!percentiles_only) {
    for (const auto& [name, kind] : kPlain) {
      if (text == name) return Stat{.kind = kind, .name = std::string(text)};
    }
  }
  // p0..p100 with up to two decimals: p99, p99.9, p50.25.
  if (text.size() < 2 || text.size() > 7 || text[0] != 'p') return std::nullopt;
  const std::string number(text.substr(1));
  if (number.find_first_not_of("0123456789.") != std::string::npos || number.front() == '.' ||
      number.back() == '.' || std::count(number.begin(), number.end(), '.') > 1 ||
      (number.find('.') != std::string::npos && number.size() - number.find('.') > 3)) {
    return std::nullopt;
  }
  const double percentile = std::strtod(number.c_str(), nullptr);
  if (percentile > 100) return std::nullopt;
  return Stat{.kind = Stat::Kind::kPercentile, .percentile = percentile, .name = std::string(text)};
}

std::optional<double> StatValue(const Stat& stat, const metrics::Aggregate& aggregate) {
  switch (stat.kind) {
    case Stat::Kind::kSampleCount:
      return aggregate.sample_count();
    case Stat::Kind::kAverage:
      return aggregate.average();
    case Stat::Kind::kSum:
      return aggregate.sum();
    case Stat::Kind::kMinimum:
      return aggregate.minimum();
    case Stat::Kind::kMaximum:
      return aggregate.maximum();
    case Stat::Kind::kPercentile:
      return aggregate.Percentile(stat.percentile);
  }
  return std::nullopt;
}

const json::value* Member(const json::object& object, std::string_view name) {
  return object.if_contains(json::string_view(name.data(), name.size()));
}

std::optional<std::string> OptionalString(const json::object& object, std::string_view name) {
  const json::value* value = Member(object, name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

std::optional<double> OptionalNumber(const json::value* value) {
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->to_number<double>();
}

absl::StatusOr<std::string> RequiredString(const json::object& object, std::string_view name,
                                           std::string_view parameter, size_t max_length) {
  std::optional<std::string> value = OptionalString(object, name);
  if (!value) return MissingParameter(parameter);
  if (value->empty() || value->size() > max_length) return InvalidValue(parameter, *value);
  return *value;
}

// A timestamp member as epoch seconds: awsJson sends a number, query arrives converted to one.
absl::StatusOr<std::optional<double>> OptionalTime(const json::object& object,
                                                   std::string_view name) {
  const json::value* value = Member(object, name);
  if (value == nullptr) return std::optional<double>();
  if (std::optional<double> seconds = OptionalNumber(value)) return seconds;
  return InvalidValue(name, json::serialize(*value));
}

absl::StatusOr<int64_t> RequiredTime(const json::object& object, std::string_view name) {
  absl::StatusOr<std::optional<double>> time = OptionalTime(object, name);
  if (!time.ok()) return time.status();
  if (!*time) return MissingParameter(name);
  return static_cast<int64_t>(std::floor(**time));
}

absl::StatusOr<int64_t> RequiredInteger(const json::object& object, std::string_view name,
                                        std::string_view parameter) {
  const json::value* value = Member(object, name);
  if (value == nullptr) return MissingParameter(parameter);
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() &&
      value->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(value->get_uint64());
  }
  return InvalidValue(parameter, json::serialize(*value));
}

absl::Status CheckUnit(const std::optional<std::string>& unit, std::string_view parameter) {
  if (unit && std::find(std::begin(kUnits), std::end(kUnits), *unit) == std::end(kUnits)) {
    return InvalidValue(parameter, *unit);
  }
  return absl::OkStatus();
}

// The metric a request names: namespace, name and dimensions (each with a value), sorted.
absl::StatusOr<metrics::SeriesKey> MetricKey(const json::object& metric, std::string_view prefix,
                                             std::string_view name_member = "MetricName") {
  auto name_space = RequiredString(metric, "Namespace", fmt::format("{}Namespace", prefix), 255);
  if (!name_space.ok()) return name_space.status();
  auto metric_name =
      RequiredString(metric, name_member, fmt::format("{}{}", prefix, name_member), 255);
  if (!metric_name.ok()) return metric_name.status();
  metrics::SeriesKey key{.name_space = *name_space, .metric_name = *metric_name};
  if (const json::value* dimensions = Member(metric, "Dimensions")) {
    if (!dimensions->is_array()) return InvalidValue(fmt::format("{}Dimensions", prefix), "");
    if (dimensions->get_array().size() > kMaxDimensions) {
      return InvalidParameterValue(
          fmt::format("The collection {}Dimensions must not have a size greater than {}.", prefix,
                      kMaxDimensions));
    }
    size_t index = 0;
    for (const json::value& dimension : dimensions->get_array()) {
      ++index;
      const std::string where = fmt::format("{}Dimensions.member.{}.", prefix, index);
      if (!dimension.is_object()) return InvalidValue(where, json::serialize(dimension));
      auto name = RequiredString(dimension.get_object(), "Name", where + "Name", 255);
      if (!name.ok()) return name.status();
      auto value = RequiredString(dimension.get_object(), "Value", where + "Value", 1024);
      if (!value.ok()) return value.status();
      key.dimensions.push_back({*name, *value});
    }
  }
  key.Normalize();
  for (size_t i = 1; i < key.dimensions.size(); ++i) {
    if (key.dimensions[i].name == key.dimensions[i - 1].name) {
      return InvalidParameterValue(
          fmt::format("No dimension name may appear more than once in {}Dimensions: {}", prefix,
                      key.dimensions[i].name));
    }
  }
  return key;
}

absl::Status CheckRange(int64_t start, int64_t end) {
  if (start >= end) {
    return InvalidParameterValue(
        "The parameter StartTime must be less than the parameter EndTime.");
  }
  return absl::OkStatus();
}

absl::Status CheckPeriod(int64_t period, std::string_view parameter) {
  if (period < 60 || period % 60 != 0) {
    return InvalidParameterValue(
        fmt::format("The parameter {} must be a multiple of 60 and at least 60: Serval keeps "
                    "1-minute resolution.",
                    parameter));
  }
  return absl::OkStatus();
}

int64_t FloorMinute(int64_t seconds) { return seconds - ((seconds % 60) + 60) % 60; }
int64_t CeilMinute(int64_t seconds) { return FloorMinute(seconds + 59); }

json::array DimensionsJson(const std::vector<metrics::Dimension>& dimensions) {
  json::array out;
  for (const metrics::Dimension& dimension : dimensions) {
    out.push_back(json::object{{"Name", dimension.name}, {"Value", dimension.value}});
  }
  return out;
}

// A datum's values as (value, count) pairs and statistic sets, checked.
absl::Status AddDatum(const json::object& datum, const std::string& where,
                      metrics::Aggregate* aggregate) {
  const json::value* value = Member(datum, "Value");
  const json::value* statistics = Member(datum, "StatisticValues");
  const json::value* values = Member(datum, "Values");
  const int given = (value != nullptr) + (statistics != nullptr) + (values != nullptr);
  if (given > 1) {
    return InvalidParameterCombination(
        fmt::format("The parameters {0}Value, {0}StatisticValues and {0}Values are mutually "
                    "exclusive and you have specified more than one.",
                    where));
  }
  if (given == 0) return MissingParameter(where + "Value");
  if (value != nullptr) {
    std::optional<double> number = OptionalNumber(value);
    if (!number || !std::isfinite(*number)) return InvalidValue(where + "Value", "");
    aggregate->Add(*number);
    return absl::OkStatus();
  }
  if (statistics != nullptr) {
    if (!statistics->is_object()) return InvalidValue(where + "StatisticValues", "");
    double figures[4] = {};
    constexpr std::string_view kFigures[] = {"SampleCount", "Sum", "Minimum", "Maximum"};
    for (int i = 0; i < 4; ++i) {
      std::optional<double> number = OptionalNumber(Member(statistics->get_object(), kFigures[i]));
      if (!number) return MissingParameter(where + "StatisticValues." + std::string(kFigures[i]));
      figures[i] = *number;
    }
    if (figures[0] <= 0 || figures[2] > figures[3]) {
      return InvalidParameterValue(fmt::format(
          "The parameter {}StatisticValues must have a positive SampleCount and a Minimum no "
          "greater than its Maximum.",
          where));
    }
    aggregate->AddStatistics(figures[0], figures[1], figures[2], figures[3]);
    return absl::OkStatus();
  }
  const json::value* counts = Member(datum, "Counts");
  if (!values->is_array() || (counts != nullptr && !counts->is_array())) {
    return InvalidValue(where + "Values", "");
  }
  const json::array& list = values->get_array();
  if (list.size() > kMaxValues) {
    return InvalidParameterValue(fmt::format(
        "The collection {}Values must not have a size greater than {}.", where, kMaxValues));
  }
  if (counts != nullptr && counts->get_array().size() != list.size()) {
    return InvalidParameterValue(
        fmt::format("The parameters {0}Values and {0}Counts must be of the same size.", where));
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::optional<double> number = OptionalNumber(&list[i]);
    const std::optional<double> count =
        counts != nullptr ? OptionalNumber(&counts->get_array()[i]) : 1.0;
    if (!number || !count || !std::isfinite(*number) || *count < 0) {
      return InvalidValue(fmt::format("{}Values.member.{}", where, i + 1), "");
    }
    aggregate->Add(*number, *count);
  }
  return absl::OkStatus();
}

// GetMetricData's paging token: how many datapoints earlier pages gave.
std::string PageToken(size_t offset) { return Base64Encode(fmt::format("serval:{}", offset)); }
absl::StatusOr<size_t> PageOffset(const std::string& token) {
  absl::StatusOr<std::string> decoded = Base64Decode(token);
  size_t offset = 0;
  if (!decoded.ok() || !decoded->starts_with("serval:") ||
      std::sscanf(decoded->c_str() + 7, "%zu", &offset) != 1) {
    return InvalidNextToken();
  }
  return offset;
}

}  // namespace

absl::StatusOr<json::object> MonitoringService::PutMetricData(const json::object& input) {
  auto name_space = RequiredString(input, "Namespace", "Namespace", 255);
  if (!name_space.ok()) return name_space.status();
  if (name_space->starts_with("AWS/") || name_space->starts_with(":")) {
    return InvalidValue("Namespace", *name_space);
  }
  const json::value* data = Member(input, "MetricData");
  if (data == nullptr || !data->is_array()) return MissingParameter("MetricData");
  const json::array& list = data->get_array();
  if (list.empty() || list.size() > kMaxMetricData) {
    return InvalidParameterValue(fmt::format(
        "The collection MetricData must have a size between 1 and {}.", kMaxMetricData));
  }
  const int64_t now = deps_.clock->NowMillis() / 1000;
  // Every datum is checked before any is stored: the request is taken whole or not at all.
  std::vector<std::tuple<metrics::SeriesKey, int64_t, metrics::Aggregate>> accepted;
  accepted.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = fmt::format("MetricData.member.{}.", i + 1);
    if (!list[i].is_object()) return InvalidValue(where, "");
    const json::object& datum = list[i].get_object();
    json::object metric = datum;
    metric["Namespace"] = *name_space;
    auto key = MetricKey(metric, where);
    if (!key.ok()) return key.status();
    std::optional<std::string> unit = OptionalString(datum, "Unit");
    if (absl::Status status = CheckUnit(unit, where + "Unit"); !status.ok()) return status;
    key->unit = unit.value_or("None");
    if (const json::value* resolution = Member(datum, "StorageResolution")) {
      const std::optional<double> seconds = OptionalNumber(resolution);
      if (!seconds || (*seconds != 1 && *seconds != 60)) {
        return InvalidValue(where + "StorageResolution", json::serialize(*resolution));
      }
    }
    auto timestamp = OptionalTime(datum, "Timestamp");
    if (!timestamp.ok()) return timestamp.status();
    const int64_t at = *timestamp ? static_cast<int64_t>(std::floor(**timestamp)) : now;
    if (at < now - kTwoWeeks) {
      return InvalidParameterValue(fmt::format(
          "The parameter {}Timestamp must specify a time no more than two weeks in the past.",
          where));
    }
    if (at > now + kTwoHours) {
      return InvalidParameterValue(fmt::format(
          "The parameter {}Timestamp must specify a time no more than two hours in the future.",
          where));
    }
    metrics::Aggregate aggregate;
    if (absl::Status status = AddDatum(datum, where, &aggregate); !status.ok()) return status;
    accepted.emplace_back(*std::move(key), at, std::move(aggregate));
  }
  for (const auto& [key, at, aggregate] : accepted) {
    deps_.store->Add(deps_.store->Intern(key), at, aggregate);
  }
  return json::object();
}

void MonitoringService::GetMetricStatistics(const json::object& input,
                                            protocol::JsonOperationDone done) {
  auto key = MetricKey(input, "");
  if (!key.ok()) return done(key.status());
  auto start = RequiredTime(input, "StartTime");
  if (!start.ok()) return done(start.status());
  auto end = RequiredTime(input, "EndTime");
  if (!end.ok()) return done(end.status());
  auto period = RequiredInteger(input, "Period", "Period");
  if (!period.ok()) return done(period.status());
  std::optional<std::string> unit = OptionalString(input, "Unit");
  if (absl::Status status = CheckUnit(unit, "Unit"); !status.ok()) return done(status);
  std::vector<Stat> stats;
  const json::value* plain = Member(input, "Statistics");
  const json::value* extended = Member(input, "ExtendedStatistics");
  const bool has_plain = plain != nullptr && plain->is_array() && !plain->get_array().empty();
  const bool has_extended =
      extended != nullptr && extended->is_array() && !extended->get_array().empty();
  if (has_plain && has_extended) {
    return done(InvalidParameterCombination(
        "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have "
        "specified both."));
  }
  if (!has_plain && !has_extended) {
    return done(MissingParameter("Statistics or ExtendedStatistics"));
  }
  const std::string_view list_name = has_plain ? "Statistics" : "ExtendedStatistics";
  size_t index = 0;
  for (const json::value& name : (has_plain ? plain : extended)->get_array()) {
    ++index;
    const std::string text = name.is_string() ? std::string(name.get_string()) : "";
    std::optional<Stat> stat = ParseStat(text, /*percentiles_only=*/has_extended);
    if (!stat) return done(InvalidValue(fmt::format("{}.member.{}", list_name, index), text));
    stats.push_back(*std::move(stat));
  }
  if (stats.size() > (has_plain ? 5u : 10u)) {
    return done(InvalidParameterValue(fmt::format(
        "The collection {} must not have a size greater than {}.", list_name, has_plain ? 5 : 10)));
  }
  if (absl::Status status = CheckRange(*start, *end); !status.ok()) return done(status);
  if (absl::Status status = CheckPeriod(*period, "Period"); !status.ok()) return done(status);
  const int64_t first = FloorMinute(*start);
  const int64_t last = CeilMinute(*end);
  const int64_t datapoints = (last - first + *period - 1) / *period;
  if (datapoints > kMaxDatapoints) {
    return done(InvalidParameterCombination(fmt::format(
        "You have requested up to {} datapoints, which exceeds the limit of {}. You may reduce "
        "the datapoints requested by increasing Period, or decreasing the time range.",
        datapoints, kMaxDatapoints)));
  }
  std::vector<metrics::SeriesId> series = deps_.store->Matching(*key, unit);
  std::vector<metrics::SeriesQuery> queries;
  for (metrics::SeriesId id : series) {
    queries.push_back({.series = id,
                       .start = first,
                       .end = last,
                       .period = *period,
                       .percentiles = has_extended});
  }
  deps_.store->Query(
      std::move(queries),
      [this, series, stats = std::move(stats), label = key->metric_name, done = std::move(done)](
          absl::StatusOr<std::vector<std::vector<metrics::Datapoint>>> results) {
        if (!results.ok()) return done(InternalServiceError(results.status().ToString()));
        json::array datapoints;
        for (size_t i = 0; i < results->size(); ++i) {
          const std::string& unit = deps_.store->Key(series[i]).unit;
          for (const metrics::Datapoint& datapoint : (*results)[i]) {
            json::object point{{"Timestamp", datapoint.timestamp}};
            json::object percentiles;
            for (const Stat& stat : stats) {
              std::optional<double> value = StatValue(stat, datapoint.aggregate);
              if (!value) continue;
              if (stat.kind == Stat::Kind::kPercentile) {
                percentiles[stat.name] = *value;
              } else {
                point[stat.name] = *value;
              }
            }
            if (!percentiles.empty()) point["ExtendedStatistics"] = std::move(percentiles);
            point["Unit"] = unit;
            datapoints.push_back(std::move(point));
          }
        }
        done(json::object{{"Label", label}, {"Datapoints", std::move(datapoints)}});
      });
}

void MonitoringService::GetMetricData(const json::object& input, protocol::JsonOperationDone done) {
  const json::value* queries_value = Member(input, "MetricDataQueries");
  if (queries_value == nullptr || !queries_value->is_array() ||
      queries_value->get_array().empty()) {
    return done(MissingParameter("MetricDataQueries"));
  }
  const json::array& queries = queries_value->get_array();
  if (queries.size() > kMaxQueries) {
    return done(InvalidParameterValue(fmt::format(
        "The collection MetricDataQueries must not have a size greater than {}.", kMaxQueries)));
  }
  auto start = RequiredTime(input, "StartTime");
  if (!start.ok()) return done(start.status());
  auto end = RequiredTime(input, "EndTime");
  if (!end.ok()) return done(end.status());
  if (absl::Status status = CheckRange(*start, *end); !status.ok()) return done(status);
  const std::string scan_by = OptionalString(input, "ScanBy").value_or("TimestampDescending");
  if (scan_by != "TimestampDescending" && scan_by != "TimestampAscending") {
    return done(InvalidValue("ScanBy", scan_by));
  }
  int64_t max_datapoints = kDefaultMaxDatapoints;
  if (Member(input, "MaxDatapoints") != nullptr) {
    auto given = RequiredInteger(input, "MaxDatapoints", "MaxDatapoints");
    if (!given.ok()) return done(given.status());
    if (*given < 1) return done(InvalidValue("MaxDatapoints", std::to_string(*given)));
    max_datapoints = *given;
  }
  size_t offset = 0;
  if (std::optional<std::string> token = OptionalString(input, "NextToken")) {
    auto parsed = PageOffset(*token);
    if (!parsed.ok()) return done(parsed.status());
    offset = *parsed;
  }
  // What each returned query shows, and the store queries (one per unit) that feed it.
  struct Result {
    std::string id;
    std::string label;
    Stat stat;
    std::vector<size_t> sources;
  };
  std::vector<Result> results;
  std::vector<metrics::SeriesQuery> store_queries;
  std::set<std::string> ids;
  const int64_t first = FloorMinute(*start);
  const int64_t last = CeilMinute(*end);
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string where = fmt::format("MetricDataQueries.member.{}.", i + 1);
    if (!queries[i].is_object()) return done(InvalidValue(where, ""));
    const json::object& query = queries[i].get_object();
    auto id = RequiredString(query, "Id", where + "Id", 255);
    if (!id.ok()) return done(id.status());
    if (!std::islower(static_cast<unsigned char>(id->front())) ||
        id->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            std::string::npos) {
      return done(InvalidParameterValue(fmt::format(
          "The value {} for parameter {}Id is invalid: an Id must start with a lower-case letter "
          "and hold only letters, digits and underscores.",
          *id, where)));
    }
    if (!ids.insert(*id).second) {
      return done(InvalidParameterValue(
          fmt::format("The value {} for parameter {}Id is not unique.", *id, where)));
    }
    const json::value* stat_value = Member(query, "MetricStat");
    if (Member(query, "Expression") != nullptr) {
      return done(InvalidParameterValue(fmt::format(
          "{}Expression: Serval's GetMetricData is math-free; use MetricStat queries.", where)));
    }
    if (stat_value == nullptr || !stat_value->is_object()) {
      return done(MissingParameter(where + "MetricStat"));
    }
    const json::object& metric_stat = stat_value->get_object();
    const json::value* metric = Member(metric_stat, "Metric");
    if (metric == nullptr || !metric->is_object()) {
      return done(MissingParameter(where + "MetricStat.Metric"));
    }
    auto key = MetricKey(metric->get_object(), where + "MetricStat.Metric.");
    if (!key.ok()) return done(key.status());
    auto period = RequiredInteger(metric_stat, "Period", where + "MetricStat.Period");
    if (!period.ok()) return done(period.status());
    if (absl::Status status = CheckPeriod(*period, where + "MetricStat.Period"); !status.ok()) {
      return done(status);
    }
    auto stat_name = RequiredString(metric_stat, "Stat", where + "MetricStat.Stat", 255);
    if (!stat_name.ok()) return done(stat_name.status());
    std::optional<Stat> stat = ParseStat(*stat_name);
    if (!stat) return done(InvalidValue(where + "MetricStat.Stat", *stat_name));
    std::optional<std::string> unit = OptionalString(metric_stat, "Unit");
    if (absl::Status status = CheckUnit(unit, where + "MetricStat.Unit"); !status.ok()) {
      return done(status);
    }
    const json::value* return_data = Member(query, "ReturnData");
    if (return_data != nullptr && return_data->is_bool() && !return_data->get_bool()) continue;
    Result result{.id = *id,
                  .label = OptionalString(query, "Label").value_or(key->metric_name),
                  .stat = *std::move(stat)};
    for (metrics::SeriesId series : deps_.store->Matching(*key, unit)) {
      result.sources.push_back(store_queries.size());
      store_queries.push_back({.series = series,
                               .start = first,
                               .end = last,
                               .period = *period,
                               .percentiles = result.stat.kind == Stat::Kind::kPercentile});
    }
    results.push_back(std::move(result));
  }
  deps_.store->Query(
      std::move(store_queries),
      [results = std::move(results), ascending = scan_by == "TimestampAscending", offset,
       max_datapoints,
       done = std::move(done)](absl::StatusOr<std::vector<std::vector<metrics::Datapoint>>> read) {
        if (!read.ok()) return done(InternalServiceError(read.status().ToString()));
        json::array out;
        // Datapoints are paged in the order of the queries, then of time.
        size_t skip = offset;
        auto room = static_cast<size_t>(max_datapoints);
        bool more = false;
        for (const Result& result : results) {
          std::map<int64_t, metrics::Aggregate> periods;
          for (size_t source : result.sources) {
            for (const metrics::Datapoint& datapoint : (*read)[source]) {
              periods[datapoint.timestamp].Merge(datapoint.aggregate);
            }
          }
          std::vector<std::pair<int64_t, double>> points;
          for (const auto& [timestamp, aggregate] : periods) {
            if (std::optional<double> value = StatValue(result.stat, aggregate)) {
              points.emplace_back(timestamp, *value);
            }
          }
          if (!ascending) std::reverse(points.begin(), points.end());
          const size_t skipped = std::min(skip, points.size());
          skip -= skipped;
          const size_t taken = std::min(room, points.size() - skipped);
          room -= taken;
          const bool partial = skipped + taken < points.size();
          more = more || partial;
          json::array timestamps;
          json::array values;
          for (size_t i = skipped; i < skipped + taken; ++i) {
            timestamps.push_back(points[i].first);
            values.push_back(points[i].second);
          }
          out.push_back(json::object{{"Id", result.id},
                                     {"Label", result.label},
                                     {"Timestamps", std::move(timestamps)},
                                     {"Values", std::move(values)},
                                     {"StatusCode", partial ? "PartialData" : "Complete"}});
        }
        json::object answer{{"MetricDataResults", std::move(out)}, {"Messages", json::array()}};
        if (more) answer["NextToken"] = PageToken(offset + static_cast<size_t>(max_datapoints));
        done(std::move(answer));
      });
}

absl::StatusOr<json::object> MonitoringService::ListMetrics(const json::object& input) {
  metrics::SeriesFilter filter{.name_space = OptionalString(input, "Namespace"),
                               .metric_name = OptionalString(input, "MetricName")};
  if (const json::value* dimensions = Member(input, "Dimensions")) {
    if (!dimensions->is_array()) return InvalidValue("Dimensions", "");
    if (dimensions->get_array().size() > 10) {
      return InvalidParameterValue(
          "The collection Dimensions must not have a size greater than 10.");
    }
    size_t index = 0;
    for (const json::value& dimension : dimensions->get_array()) {
      ++index;
      const std::string where = fmt::format("Dimensions.member.{}.", index);
      if (!dimension.is_object()) return InvalidValue(where, "");
      auto name = RequiredString(dimension.get_object(), "Name", where + "Name", 255);
      if (!name.ok()) return name.status();
      filter.dimensions.emplace_back(*name, OptionalString(dimension.get_object(), "Value"));
    }
  }
  if (std::optional<std::string> recently = OptionalString(input, "RecentlyActive")) {
    if (*recently != "PT3H") return InvalidValue("RecentlyActive", *recently);
    filter.active_since = deps_.clock->NowMillis() / 1000 - kRecentlyActive;
  }
  std::string after;
  if (std::optional<std::string> token = OptionalString(input, "NextToken")) {
    absl::StatusOr<std::string> decoded = Base64Decode(*token);
    if (!decoded.ok() || decoded->empty()) return InvalidNextToken();
    after = *decoded;
  }
  bool more = false;
  json::array listed;
  std::string last_metric;
  for (metrics::SeriesId id : deps_.store->List(filter, after, kListPage, &more)) {
    const metrics::SeriesKey& key = deps_.store->Key(id);
    // A metric stored with several units is one metric.
    std::string metric = key.EncodeWithoutUnit();
    if (metric == last_metric) continue;
    last_metric = std::move(metric);
    listed.push_back(json::object{{"Namespace", key.name_space},
                                  {"MetricName", key.metric_name},
                                  {"Dimensions", DimensionsJson(key.dimensions)}});
  }
  json::object answer{{"Metrics", std::move(listed)}};
  // The next page starts after every unit of the last metric listed: units are ASCII, so each
  // unit's encoding orders below 0xff.
  if (more) answer["NextToken"] = Base64Encode(last_metric + "\xff");
  return answer;
}

}  // namespace serval::monitoring
