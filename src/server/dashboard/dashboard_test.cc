#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/dashboard/assets.h"
#include "server/dashboard/sessions.h"
#include "server/dashboard/usage.h"

namespace serval::dashboard {
namespace {

constexpr int64_t kDay = 86400;
// 2024-03-10 12:00:00 UTC: March has 31 days, so 21 are left after today.
constexpr int64_t kMarch10Noon = 1710072000;
constexpr int64_t kMarch10 = kMarch10Noon - 12 * 3600;

TEST(PlanRange, AlignsToTheRollUpsAndPicksThePeriod) {
  auto hour = PlanRange(kMarch10Noon - 3600 + 17, std::nullopt, kMarch10Noon + 17);
  ASSERT_TRUE(hour.ok());
  EXPECT_EQ(hour->start, kMarch10Noon - 3600);
  EXPECT_EQ(hour->end, kMarch10Noon + 60);
  EXPECT_EQ(hour->period, 60);
  auto day = PlanRange(kMarch10Noon - kDay + 100, std::nullopt, kMarch10Noon + 100);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->start % 3600, 0);
  EXPECT_EQ(day->end, kMarch10Noon + 3600);
  EXPECT_EQ(day->period, 300);
  auto month = PlanRange(kMarch10Noon - 30 * kDay, kMarch10Noon, kMarch10Noon);
  ASSERT_TRUE(month.ok());
  EXPECT_EQ(month->start, kMarch10 - 30 * kDay);
  EXPECT_EQ(month->end, kMarch10 + kDay);
  EXPECT_EQ(month->period, 6 * 3600);
  EXPECT_EQ(PointTimes(*month).size(), 31u * 4);
  EXPECT_FALSE(PlanRange(10, 10, 100).ok());
  EXPECT_FALSE(PlanRange(0, 63 * kDay, 100).ok());
}

TEST(Usage, FiguresAndCostAtAwsPrices) {
  Usage usage;
  using M = metrics::LambdaRecorder::Metric;
  for (double ms : {10.0, 20.0, 30.0, 40.0}) {
    usage[M::kInvocations].Add(1);
    usage[M::kDuration].Add(ms);
    usage[M::kBilledGbSeconds].Add(ms / 1000 * 0.125);
    usage[M::kMaxMemoryUsed].Add(32);
    usage[M::kMemorySize].Add(128);
    usage[M::kColdStarts].Add(ms == 10.0 ? 1 : 0);
    usage[M::kErrors].Add(ms == 40.0 ? 1 : 0);
  }
  usage[M::kInitDuration].Add(150);
  const boost::json::object json = UsageJson(usage);
  EXPECT_EQ(json.at("invocations").as_double(), 4);
  EXPECT_EQ(json.at("errors").as_double(), 1);
  EXPECT_DOUBLE_EQ(json.at("error_rate").as_double(), 0.25);
  EXPECT_DOUBLE_EQ(json.at("cold_start_share").as_double(), 0.25);
  EXPECT_DOUBLE_EQ(json.at("unused_memory_share").as_double(), 0.75);
  EXPECT_DOUBLE_EQ(json.at("duration_avg_ms").as_double(), 25);
  EXPECT_DOUBLE_EQ(json.at("init_duration_max_ms").as_double(), 150);
  EXPECT_DOUBLE_EQ(json.at("billed_gb_seconds").as_double(), 0.0125);
  EXPECT_DOUBLE_EQ(json.at("cost_usd").as_double(), 0.0125 * 0.0000166667 + 4 * 0.2 / 1e6);
  EXPECT_DOUBLE_EQ(CostUsd(1e6, 1e6), 16.6667 + 0.2);
  EXPECT_TRUE(UsageJson(Usage{}).at("duration_p99_ms").is_null());
}

TEST(PredictMonth, ExtendsTheLeastSquaresLineOverTheRestOfTheMonth) {
  // Complete days cost 1, 2, 3 ... 9 (March 1-9), today 5 so far.
  std::vector<std::pair<int64_t, double>> daily;
  for (int day = 1; day <= 9; ++day) daily.emplace_back(kMarch10 - (10 - day) * kDay, day);
  daily.emplace_back(kMarch10, 5);
  const CostTrend trend = PredictMonth(daily, kMarch10Noon);
  EXPECT_EQ(trend.days_fitted, 9);
  EXPECT_NEAR(trend.slope_per_day, 1, 1e-9);
  EXPECT_NEAR(trend.today_estimate, 10, 1e-9);
  EXPECT_NEAR(trend.month_to_date, 45 + 5, 1e-9);
  // 45 spent, then 10 (today), 11, ... 31 (March 31).
  EXPECT_NEAR(trend.predicted_month, 45 + (10 + 31) * 22 / 2.0, 1e-6);
}

TEST(PredictMonth, FlatWithOneDayAndTodaysPaceWithNone) {
  EXPECT_NEAR(PredictMonth({{kMarch10 - kDay, 2}}, kMarch10Noon).predicted_month, 2 + 22 * 2, 1e-9);
  // Only today: 3 in half a day is a pace of 6 a day.
  const CostTrend pace = PredictMonth({{kMarch10, 3}}, kMarch10Noon);
  EXPECT_NEAR(pace.today_estimate, 6, 1e-9);
  EXPECT_NEAR(pace.predicted_month, 22 * 6, 1e-9);
  // A falling line stops at zero.
  const CostTrend falling =
      PredictMonth({{kMarch10 - 2 * kDay, 10}, {kMarch10 - kDay, 5}}, kMarch10Noon);
  EXPECT_NEAR(falling.predicted_month, 15 + 0, 1e-9);
}

TEST(Sessions, CookieRoundTripAndExpiry) {
  ManualClock clock(1000);
  SessionStore sessions(&clock);
  const std::string token = sessions.Create("test");
  EXPECT_EQ(token.size(), 64u);
  const std::string cookie = "a=b; serval_session=" + token + "; c=d";
  EXPECT_EQ(sessions.Find(cookie), "test");
  EXPECT_FALSE(sessions.Find("serval_session=" + std::string(64, '0')).has_value());
  EXPECT_FALSE(sessions.Find("xserval_session=" + token).has_value());
  EXPECT_NE(SessionStore::SetCookie(token).find("HttpOnly; SameSite=Strict"), std::string::npos);
  clock.Advance(SessionStore::kLifetimeSeconds * 1000);
  EXPECT_FALSE(sessions.Find(cookie).has_value());
  const std::string other = sessions.Create("test");
  sessions.Remove("serval_session=" + other);
  EXPECT_FALSE(sessions.Find("serval_session=" + other).has_value());
}

TEST(Assets, TheDashboardsFilesAreCompiledIn) {
  bool index = false, login = false, uplot = false;
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    index |= file.path == "index.html" && file.bytes.find("<html") != std::string_view::npos;
    login |= file.path == "login.html" && file.bytes.find("<!--error-->") != std::string_view::npos;
    uplot |= file.path == "vendor/uplot/uPlot.iife.min.js" && file.bytes.size() > 10000;
  }
  EXPECT_TRUE(index);
  EXPECT_TRUE(login);
  EXPECT_TRUE(uplot);
}

}  // namespace
}  // namespace serval::dashboard
