#include "metrics/lambda_recorder.h"

#include <algorithm>
#include <cmath>

namespace serval::metrics {
namespace {

int64_t MinuteOf(int64_t millis) { return millis / 60000 * 60; }

// Debian's abseil has its own string_view: the hash maps look up by that.
absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

// Adds every figure of `from` to `into`.
void MergeAll(const std::array<Aggregate, LambdaRecorder::kMetricCount>& from,
              std::array<Aggregate, LambdaRecorder::kMetricCount>* into) {
  for (size_t i = 0; i < from.size(); ++i) (*into)[i].Merge(from[i]);
}

}  // namespace

std::string ResourceName(std::string_view function, std::string_view qualifier) {
  std::string name(function);
  if (!qualifier.empty()) name.append(":").append(qualifier);
  return name;
}

LambdaRecorder::LambdaRecorder(MetricStore* store, const Clock* clock)
    : store_(store), clock_(clock), minute_(MinuteOf(clock->NowMillis())) {
  store_->SetCollector([this] { Collect(); });
}

LambdaRecorder::Cell* LambdaRecorder::CellOf(std::string_view function, std::string_view qualifier,
                                             std::string_view executed_version) {
  auto found = functions_.find(Absl(function));
  if (found == functions_.end()) {
    found = functions_.try_emplace(std::string(function)).first;
    found->second.name = std::string(function);
  }
  Function& state = found->second;
  state.deleted = false;
  for (const auto& cell : state.cells) {
    if (cell->qualifier == qualifier && cell->executed_version == executed_version) {
      return cell.get();
    }
  }
  auto cell = std::make_unique<Cell>();
  cell->function = &state;
  cell->qualifier = std::string(qualifier);
  cell->executed_version = std::string(executed_version);
  state.cells.push_back(std::move(cell));
  return state.cells.back().get();
}

LambdaRecorder::Cell* LambdaRecorder::Started(std::string_view function, std::string_view qualifier,
                                              std::string_view executed_version) {
  Roll();
  Cell* cell = CellOf(function, qualifier, executed_version);
  Function& state = *cell->function;
  state.max_in_flight = std::max(state.max_in_flight, ++state.in_flight);
  max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
  return cell;
}

void LambdaRecorder::Finished(Cell* cell, bool function_error,
                              const std::optional<InvocationFigures>& figures) {
  Roll();
  EndInFlight(cell);
  Totals& totals = cell->totals;
  auto& minute = cell->minute;
  ++totals.invocations;
  totals.errors += function_error;
  minute[kInvocations].Add(1);
  minute[kErrors].Add(function_error ? 1 : 0);
  if (!figures) return;
  const bool cold = figures->init_ms.has_value();
  const double gb_seconds = figures->billed_ms / 1000.0 * figures->memory_mb / 1024.0;
  totals.cold_starts += cold;
  totals.duration_ms += figures->duration_ms;
  totals.billed_gb_seconds += gb_seconds;
  ++totals.duration_buckets[std::lower_bound(kDurationBucketsMs.begin(), kDurationBucketsMs.end(),
                                             figures->duration_ms) -
                            kDurationBucketsMs.begin()];
  minute[kDuration].Add(figures->duration_ms);
  minute[kBilledDuration].Add(static_cast<double>(figures->billed_ms));
  minute[kBilledGbSeconds].Add(gb_seconds);
  minute[kColdStarts].Add(cold ? 1 : 0);
  if (cold) minute[kInitDuration].Add(*figures->init_ms);
  minute[kMaxMemoryUsed].Add(figures->max_memory_mb);
  minute[kMemorySize].Add(figures->memory_mb);
}

void LambdaRecorder::EndInFlight(Cell* cell) {
  --cell->function->in_flight;
  --in_flight_;
}

void LambdaRecorder::Abandoned(Cell* cell) { EndInFlight(cell); }

void LambdaRecorder::Throttled(std::string_view function, std::string_view qualifier) {
  Roll();
  Cell* cell = CellOf(function, qualifier, "");
  ++cell->totals.throttles;
  cell->minute[kThrottles].Add(1);
}

void LambdaRecorder::FunctionDeleted(std::string_view function) {
  auto found = functions_.find(Absl(function));
  if (found != functions_.end()) found->second.deleted = true;
}

void LambdaRecorder::Roll() {
  if (MinuteOf(clock_->NowMillis()) != minute_) Collect();
}

void LambdaRecorder::EmitOne(int metric, const Aggregate& aggregate, SeriesIds& ids,
                             const std::function<std::vector<Dimension>()>& dimensions) {
  if (aggregate.empty()) return;
  SeriesId& id = ids[metric];
  if (id == kNoSeries || !store_->Live(id)) {
    const bool concurrency = metric == kMetricCount;
    SeriesKey key{
        .name_space = std::string(kNamespace),
        .metric_name = std::string(concurrency ? kConcurrentExecutions : kMetricNames[metric]),
        .dimensions = dimensions(),
        .unit = std::string(concurrency ? "Count" : kMetricUnits[metric])};
    key.Normalize();
    id = store_->Intern(key);
  }
  store_->Add(id, minute_, aggregate);
}

void LambdaRecorder::Emit(const std::array<Aggregate, kMetricCount>& figures, SeriesIds& ids,
                          const std::function<std::vector<Dimension>()>& dimensions) {
  for (int metric = 0; metric < kMetricCount; ++metric) {
    EmitOne(metric, figures[metric], ids, dimensions);
  }
}

void LambdaRecorder::Collect() {
  using Figures = std::array<Aggregate, kMetricCount>;
  Figures account;
  for (auto it = functions_.begin(); it != functions_.end();) {
    Function& function = it->second;
    auto name = [&function] { return Dimension{"FunctionName", function.name}; };
    Figures whole;
    // Each qualifier's figures over the versions it ran, with the first of its cells (which
    // keeps the qualifier's series ids).
    std::vector<std::pair<Cell*, Figures>> resources;
    for (const auto& cell : function.cells) {
      if (std::all_of(cell->minute.begin(), cell->minute.end(),
                      [](const Aggregate& a) { return a.empty(); })) {
        continue;
      }
      Cell* raw = cell.get();
      // Throttled requests ran no version: they count for the resource, not a version.
      if (!cell->executed_version.empty()) {
        Emit(cell->minute, cell->version_series, [&] {
          return std::vector<Dimension>{name(),
                                        {"Resource", ResourceName(function.name, raw->qualifier)},
                                        {"ExecutedVersion", raw->executed_version}};
        });
      }
      auto resource = std::find_if(resources.begin(), resources.end(), [raw](const auto& r) {
        return r.first->qualifier == raw->qualifier;
      });
      if (resource == resources.end()) {
        resources.emplace_back(raw, Figures{});
        resource = resources.end() - 1;
      }
      MergeAll(cell->minute, &resource->second);
      MergeAll(cell->minute, &whole);
      for (Aggregate& aggregate : cell->minute) aggregate.Clear();
    }
    for (auto& resource : resources) {
      Cell* first = resource.first;
      Emit(resource.second, first->resource_series, [&] {
        return std::vector<Dimension>{name(),
                                      {"Resource", ResourceName(function.name, first->qualifier)}};
      });
    }
    auto function_dimensions = [&] { return std::vector<Dimension>{name()}; };
    Emit(whole, function.series, function_dimensions);
    MergeAll(whole, &account);
    if (function.max_in_flight > 0) {
      Aggregate concurrency;
      concurrency.Add(function.max_in_flight);
      EmitOne(kMetricCount, concurrency, function.series, function_dimensions);
    }
    function.max_in_flight = function.in_flight;
    if (function.deleted && function.in_flight == 0) {
      functions_.erase(it++);
    } else {
      ++it;
    }
  }
  auto no_dimensions = [] { return std::vector<Dimension>{}; };
  Emit(account, account_series_, no_dimensions);
  if (max_in_flight_ > 0) {
    Aggregate concurrency;
    concurrency.Add(max_in_flight_);
    EmitOne(kMetricCount, concurrency, account_series_, no_dimensions);
  }
  max_in_flight_ = in_flight_;
  minute_ = MinuteOf(clock_->NowMillis());
}

}  // namespace serval::metrics
