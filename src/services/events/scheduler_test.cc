#include "services/events/scheduler.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <utility>
#include <vector>

namespace serval::events {
namespace {

constexpr int64_t kMinute = 60'000;
// 2024-01-01T00:00:30Z: half a minute past a whole minute.
constexpr int64_t kStart = 1704067230000;

class SchedulerTest : public ::testing::Test {
 protected:
  void RunPending() {
    io_.restart();
    io_.poll();
  }

  boost::asio::io_context io_;
  ManualClock clock_{kStart};
  std::vector<std::pair<std::string, int64_t>> fired_;
  Scheduler scheduler_{
      io_, &clock_, [this](const std::string& rule, int64_t at) { fired_.emplace_back(rule, at); }};
};

TEST_F(SchedulerTest, FiresEachDueTimeInOrderWhenTheClockMoves) {
  scheduler_.Set("every-minute", "cron(* * * * ? *)", kStart, true);
  scheduler_.Set("every-5", "rate(5 minutes)", kStart, true);
  EXPECT_EQ(scheduler_.scheduled(), 2u);
  clock_.Advance(5 * kMinute);
  scheduler_.Wake();
  // cron fires at every whole minute after the start; rate 5 minutes after its (minute) anchor.
  const int64_t first_minute = kStart + 30'000;
  std::vector<std::pair<std::string, int64_t>> expected;
  for (int i = 0; i < 5; ++i) expected.emplace_back("every-minute", first_minute + i * kMinute);
  expected.insert(expected.begin() + 4, {"every-5", first_minute - kMinute + 5 * kMinute});
  EXPECT_EQ(fired_, expected);
  EXPECT_EQ(scheduler_.stats().fires, 6u);
}

TEST_F(SchedulerTest, DisabledRemovedAndInvalidRulesDoNotFire) {
  scheduler_.Set("off", "rate(1 minute)", kStart, false);
  scheduler_.Set("gone", "rate(1 minute)", kStart, true);
  scheduler_.Remove("gone");
  scheduler_.Set("bad", "rate(0 minutes)", kStart, true);
  scheduler_.Set("never", "cron(0 0 30 2 ? *)", kStart, true);
  EXPECT_EQ(scheduler_.scheduled(), 0u);
  clock_.Advance(10 * kMinute);
  scheduler_.Wake();
  EXPECT_TRUE(fired_.empty());
}

TEST_F(SchedulerTest, RescheduleReplacesTheOldSchedule) {
  scheduler_.Set("r", "rate(1 minute)", kStart, true);
  scheduler_.Set("r", "rate(10 minutes)", kStart, true);
  clock_.Advance(5 * kMinute);
  scheduler_.Wake();
  EXPECT_TRUE(fired_.empty());
  EXPECT_EQ(scheduler_.scheduled(), 1u);
}

TEST_F(SchedulerTest, ACallbackMayChangeTheRuleItFires) {
  Scheduler scheduler(io_, &clock_, [&](const std::string& rule, int64_t at) {
    fired_.emplace_back(rule, at);
    scheduler.Remove(rule);  // e.g. the rule was deleted meanwhile
  });
  scheduler.Set("once", "rate(1 minute)", kStart, true);
  clock_.Advance(3 * kMinute);
  scheduler.Wake();
  EXPECT_EQ(fired_.size(), 1u);
  EXPECT_EQ(scheduler.scheduled(), 0u);
}

TEST_F(SchedulerTest, ShutdownStopsFiring) {
  scheduler_.Set("r", "rate(1 minute)", kStart, true);
  scheduler_.Shutdown();
  clock_.Advance(3 * kMinute);
  scheduler_.Wake();
  RunPending();
  EXPECT_TRUE(fired_.empty());
}

}  // namespace
}  // namespace serval::events
