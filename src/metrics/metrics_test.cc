#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>

#include "common/clock.h"
#include "metrics/aggregate.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "metrics/series.h"

namespace serval::metrics {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDay = 86400;
// 2024-01-01T00:00:00Z: a day boundary.
constexpr int64_t kEpoch = 1704067200;

TEST(AggregateTest, FiguresAndPercentilesWithinOnePercent) {
  Aggregate aggregate;
  for (int i = 1; i <= 1000; ++i) aggregate.Add(i);
  EXPECT_EQ(aggregate.sample_count(), 1000);
  EXPECT_EQ(aggregate.sum(), 500500);
  EXPECT_EQ(aggregate.minimum(), 1);
  EXPECT_EQ(aggregate.maximum(), 1000);
  EXPECT_NEAR(*aggregate.Percentile(50), 500, 5);
  EXPECT_NEAR(*aggregate.Percentile(90), 900, 9);
  EXPECT_NEAR(*aggregate.Percentile(99), 990, 10);
  EXPECT_EQ(*aggregate.Percentile(100), 1000);  // clamped to the maximum
  EXPECT_EQ(*aggregate.Percentile(0), 1);
}

TEST(AggregateTest, ZeroAndWeightedValues) {
  Aggregate aggregate;
  aggregate.Add(0, 9);
  aggregate.Add(100, 1);
  EXPECT_EQ(aggregate.sample_count(), 10);
  EXPECT_EQ(*aggregate.Percentile(90), 0);
  EXPECT_NEAR(*aggregate.Percentile(99), 100, 1);
}

TEST(AggregateTest, NoPercentilesForStatisticSetsOrNegativeValues) {
  Aggregate set;
  set.AddStatistics(4, 10, 1, 4);
  EXPECT_EQ(set.sample_count(), 4);
  EXPECT_EQ(set.average(), 2.5);
  EXPECT_FALSE(set.Percentile(50).has_value());
  Aggregate single;
  single.AddStatistics(3, 21, 7, 7);  // equal values are known values
  EXPECT_NEAR(*single.Percentile(50), 7, 0.07);
  Aggregate negative;
  negative.Add(-1);
  EXPECT_FALSE(negative.Percentile(50).has_value());
}

TEST(AggregateTest, EncodesAndMerges) {
  Aggregate a;
  a.Add(3.5);
  a.Add(12, 2);
  Aggregate b;
  b.Add(700);
  std::optional<Aggregate> decoded = Aggregate::Decode(a.Encode());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, a);
  decoded->Merge(b);
  EXPECT_EQ(decoded->sample_count(), 4);
  EXPECT_EQ(decoded->maximum(), 700);
  EXPECT_NEAR(*decoded->Percentile(100), 700, 7);
  std::optional<Aggregate> figures_only = Aggregate::Decode(a.Encode(), false);
  EXPECT_EQ(figures_only->sum(), a.sum());
  EXPECT_FALSE(Aggregate::Decode("short").has_value());
}

TEST(SeriesKeyTest, EncodesInOrderAndRoundTrips) {
  SeriesKey key{.name_space = "AWS/Lambda",
                .metric_name = "Duration",
                .dimensions = {{"Resource", "f:1"}, {"FunctionName", "f"}},
                .unit = "Milliseconds"};
  key.Normalize();
  EXPECT_EQ(key.dimensions[0].name, "FunctionName");
  EXPECT_EQ(SeriesKey::Decode(key.Encode()), key);
  EXPECT_TRUE(key.Encode().starts_with(key.EncodeWithoutUnit()));
  EXPECT_TRUE(key.Encode().starts_with(SeriesKey::NamespacePrefix("AWS/Lambda")));
  EXPECT_FALSE(key.Encode().starts_with(SeriesKey::NamespacePrefix("AWS/Lamb")));
  SeriesKey nul{.name_space = std::string("a\0b", 3), .metric_name = "m"};
  EXPECT_EQ(SeriesKey::Decode(nul.Encode()), nul);
}

class MetricStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("metrics_test_" + std::to_string(::getpid()) + "_" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  void Reopen(int retention_days = 30) {
    store_.reset();
    auto store = MetricStore::Open({.dir = dir_,
                                    .retention_days = retention_days,
                                    .clock = &clock_,
                                    .io = &io_,
                                    .post_to_io = [this](std::function<void()> work) {
                                      boost::asio::post(io_, std::move(work));
                                    }});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::vector<std::vector<Datapoint>> Query(std::vector<SeriesQuery> queries) {
    std::optional<absl::StatusOr<std::vector<std::vector<Datapoint>>>> result;
    store_->Query(std::move(queries), [&](auto answer) { result = std::move(answer); });
    while (!result) {
      io_.restart();
      io_.run_one();
    }
    EXPECT_TRUE(result->ok()) << result->status();
    return **result;
  }

  void Flush() {
    bool done = false;
    store_->Drain([&] { done = true; });
    while (!done) {
      io_.restart();
      io_.run_one();
    }
  }

  SeriesKey Key(std::string name, std::string function = "f") {
    SeriesKey key{.name_space = "AWS/Lambda",
                  .metric_name = std::move(name),
                  .dimensions = {{"FunctionName", std::move(function)}},
                  .unit = "Count"};
    return key;
  }

  fs::path dir_;
  ManualClock clock_{(kEpoch + 30 * kDay) * 1000};
  boost::asio::io_context io_;
  std::unique_ptr<MetricStore> store_;
};

TEST_F(MetricStoreTest, AggregatesPendingAndStoredIntoPeriods) {
  const SeriesId id = store_->Intern(Key("Invocations"));
  EXPECT_EQ(store_->Intern(Key("Invocations")), id);
  const int64_t start = kEpoch + 29 * kDay;
  Aggregate one;
  one.Add(1);
  for (int minute = 0; minute < 10; ++minute) store_->Add(id, start + minute * 60 + 5, one);
  Flush();
  store_->Add(id, start + 3 * 60, one);  // pending, into a stored minute
  auto results = Query({{.series = id, .start = start, .end = start + 600, .period = 300},
                        {.series = id, .start = start + 60, .end = start + 120, .period = 60}});
  ASSERT_EQ(results[0].size(), 2u);
  EXPECT_EQ(results[0][0].timestamp, start);
  EXPECT_EQ(results[0][0].aggregate.sum(), 6);
  EXPECT_EQ(results[0][1].aggregate.sum(), 5);
  ASSERT_EQ(results[1].size(), 1u);
  EXPECT_EQ(results[1][0].aggregate.sample_count(), 1);
}

TEST_F(MetricStoreTest, RollUpsServeLongPeriodsWithPercentiles) {
  const SeriesId id = store_->Intern(Key("Duration"));
  const int64_t start = kEpoch;
  for (int day = 0; day < 3; ++day) {
    for (int i = 1; i <= 100; ++i) {
      Aggregate value;
      value.Add(i);
      store_->Add(id, start + day * kDay + (i - 1) * 864, value);  // spread over the day
    }
  }
  Flush();
  auto days = Query({{.series = id,
                      .start = start,
                      .end = start + 3 * kDay,
                      .period = kDay,
                      .percentiles = true}});
  ASSERT_EQ(days[0].size(), 3u);
  for (const Datapoint& day : days[0]) {
    EXPECT_EQ(day.aggregate.sample_count(), 100);
    EXPECT_NEAR(*day.aggregate.Percentile(99), 99, 1);
  }
  auto hours = Query({{.series = id, .start = start, .end = start + kDay, .period = 3600}});
  ASSERT_EQ(hours[0].size(), 24u);
  EXPECT_EQ(hours[0][0].aggregate.sample_count(), 5);              // 0..3456 s
  EXPECT_FALSE(hours[0][0].aggregate.Percentile(50).has_value());  // not asked for
}

TEST_F(MetricStoreTest, SurvivesReopen) {
  SeriesKey key = Key("Errors");
  const SeriesId id = store_->Intern(key);
  Aggregate value;
  value.Add(1, 3);
  const int64_t at = kEpoch + 29 * kDay;
  store_->Add(id, at, value);
  ASSERT_TRUE(store_->FlushAndWait().ok());
  Reopen();
  bool more = false;
  auto listed = store_->List({.name_space = "AWS/Lambda"}, "", 10, &more);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(store_->Key(listed[0]), key);
  EXPECT_EQ(store_->Intern(key), listed[0]);
  auto results = Query({{.series = listed[0], .start = at, .end = at + 60}});
  ASSERT_EQ(results[0].size(), 1u);
  EXPECT_EQ(results[0][0].aggregate.sum(), 3);
}

TEST_F(MetricStoreTest, ListsWithFiltersAndPages) {
  for (std::string function : {"a", "b", "c"}) {
    for (std::string name : {"Errors", "Invocations"}) {
      Aggregate value;
      value.Add(1);
      store_->Add(store_->Intern(Key(name, function)), kEpoch + 29 * kDay, value);
    }
  }
  bool more = false;
  auto page = store_->List({.metric_name = "Errors"}, "", 2, &more);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_TRUE(more);
  auto rest = store_->List({.metric_name = "Errors"}, store_->Key(page[1]).Encode(), 2, &more);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_FALSE(more);
  EXPECT_EQ(store_->Key(rest[0]).dimensions[0].value, "c");
  EXPECT_EQ(store_->List({.dimensions = {{"FunctionName", "b"}}}, "", 10, &more).size(), 2u);
  EXPECT_EQ(store_->List({.dimensions = {{"FunctionName", std::nullopt}}}, "", 10, &more).size(),
            6u);
  EXPECT_EQ(store_->List({.name_space = "AWS/Lamb"}, "", 10, &more).size(), 0u);
  EXPECT_EQ(store_->Matching(Key("Errors", "a"), std::nullopt).size(), 1u);
  EXPECT_EQ(store_->Matching(Key("Errors", "a"), "Seconds").size(), 0u);
}

TEST_F(MetricStoreTest, RetentionDropsOldBucketsAndSeries) {
  Reopen(/*retention_days=*/2);
  Aggregate value;
  value.Add(1);
  const SeriesId old_series = store_->Intern(Key("Old"));
  const SeriesId kept = store_->Intern(Key("Kept"));
  const int64_t now = clock_.NowMillis() / 1000;
  store_->Add(old_series, now - 5 * kDay, value);
  store_->Add(kept, now - 5 * kDay, value);
  store_->Add(kept, now - 60, value);
  Flush();
  store_->Start();  // sweeps at once
  Flush();
  bool more = false;
  auto listed = store_->List({}, "", 10, &more);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(store_->Key(listed[0]).metric_name, "Kept");
  auto results = Query({{.series = kept, .start = now - 6 * kDay, .end = now, .period = 60}});
  ASSERT_EQ(results[0].size(), 1u);
  EXPECT_EQ(results[0][0].timestamp, now - 60);
  Reopen();
  EXPECT_EQ(store_->List({}, "", 10, &more).size(), 1u);
}

TEST_F(MetricStoreTest, RecorderPublishesAwsDimensionSets) {
  LambdaRecorder recorder(store_.get(), &clock_);
  LambdaRecorder::Cell* cell = recorder.Started("f", "live", "3");
  recorder.Finished(cell, false,
                    InvocationFigures{.duration_ms = 12.5,
                                      .billed_ms = 13,
                                      .memory_mb = 1024,
                                      .max_memory_mb = 40,
                                      .init_ms = 100});
  recorder.Finished(recorder.Started("f", "", "$LATEST"), true,
                    InvocationFigures{.duration_ms = 1, .billed_ms = 1, .memory_mb = 128});
  recorder.Throttled("f", "");
  const int64_t now = clock_.NowMillis() / 1000;
  auto sum_of = [&](std::string metric, std::vector<Dimension> dimensions) {
    SeriesKey key{.name_space = "AWS/Lambda",
                  .metric_name = std::move(metric),
                  .dimensions = std::move(dimensions)};
    key.Normalize();
    auto series = store_->Matching(key, std::nullopt);
    if (series.size() != 1) return -1.0;
    auto results = Query({{.series = series[0], .start = now - 60, .end = now + 60}});
    return results[0].empty() ? 0.0 : results[0][0].aggregate.sum();
  };
  EXPECT_EQ(sum_of("Invocations", {}), 2);
  EXPECT_EQ(sum_of("Invocations", {{"FunctionName", "f"}}), 2);
  EXPECT_EQ(sum_of("Invocations", {{"FunctionName", "f"}, {"Resource", "f:live"}}), 1);
  EXPECT_EQ(sum_of("Invocations",
                   {{"FunctionName", "f"}, {"Resource", "f:live"}, {"ExecutedVersion", "3"}}),
            1);
  EXPECT_EQ(sum_of("Errors", {{"FunctionName", "f"}, {"Resource", "f"}}), 1);
  EXPECT_EQ(sum_of("Throttles", {{"FunctionName", "f"}}), 1);
  EXPECT_EQ(sum_of("ColdStarts", {{"FunctionName", "f"}}), 1);
  EXPECT_EQ(sum_of("InitDuration", {{"FunctionName", "f"}}), 100);
  EXPECT_DOUBLE_EQ(sum_of("BilledGBSeconds", {}), 0.013 + 0.001 / 8);
  EXPECT_EQ(sum_of("ConcurrentExecutions", {{"FunctionName", "f"}}), 1);
  const auto& totals = recorder.functions().at("f").cells[0]->totals;
  EXPECT_EQ(totals.invocations, 1u);
  EXPECT_EQ(totals.cold_starts, 1u);
  EXPECT_EQ(totals.duration_buckets[3], 1u);  // 12.5 ms: (10, 25]
}

}  // namespace
}  // namespace serval::metrics
