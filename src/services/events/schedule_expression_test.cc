#include "services/events/schedule_expression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace serval::events {
namespace {

constexpr int64_t kMinute = 60'000;

// "2024-03-15T10:00" or "2024-03-15T10:00:30" (UTC) to epoch millis, via libc, independently of
// the code under test.
int64_t Ms(const std::string& iso) {
  std::tm parts{};
  int seconds = 0;
  const int fields = std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &parts.tm_year, &parts.tm_mon,
                                 &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &seconds);
  EXPECT_GE(fields, 5) << iso;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  parts.tm_sec = seconds;
  return static_cast<int64_t>(timegm(&parts)) * 1000;
}

std::string Iso(int64_t millis) {
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
  return buffer;
}

std::vector<std::string> IsoAll(const std::vector<int64_t>& times) {
  std::vector<std::string> out;
  for (int64_t t : times) out.push_back(Iso(t).substr(0, 16));
  return out;
}

ScheduleExpression MustParse(const std::string& text) {
  absl::StatusOr<ScheduleExpression> parsed = ParseScheduleExpression(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? *std::move(parsed) : *ParseScheduleExpression("rate(1 minute)");
}

struct FireCase {
  std::string expression;
  std::string after;
  std::vector<std::string> expected;  // successive fire times, minute precision
};

// Fire times worked out by hand from a calendar (weekdays checked with Python's datetime).
const std::vector<FireCase>& FireCases() {
  static const auto* cases = new std::vector<FireCase>{
      // AWS's documented examples.
      {"cron(0 10 * * ? *)", "2024-03-15T09:59:59", {"2024-03-15T10:00", "2024-03-16T10:00"}},
      {"cron(0 10 * * ? *)", "2024-03-15T10:00", {"2024-03-16T10:00"}},  // strictly after
      {"cron(15 12 * * ? *)", "2024-03-15T12:15", {"2024-03-16T12:15", "2024-03-17T12:15"}},
      {"cron(0 18 ? * MON-FRI *)",
       "2024-03-14T18:00",
       {"2024-03-15T18:00", "2024-03-18T18:00", "2024-03-19T18:00"}},
      {"cron(0 8 1 * ? *)", "2024-11-15T00:00", {"2024-12-01T08:00", "2025-01-01T08:00"}},
      {"cron(0/15 * * * ? *)",
       "2024-03-15T10:07:30",
       {"2024-03-15T10:15", "2024-03-15T10:30", "2024-03-15T10:45", "2024-03-15T11:00"}},
      {"cron(0/10 * ? * MON-FRI *)",
       "2024-03-15T23:45",  // Friday night, then the weekend is skipped
       {"2024-03-15T23:50", "2024-03-18T00:00", "2024-03-18T00:10"}},
      {"cron(0/5 8-17 ? * MON-FRI *)",
       "2024-03-15T17:50",
       {"2024-03-15T17:55", "2024-03-18T08:00", "2024-03-18T08:05"}},
      {"cron(0 9 ? * 2#1 *)",  // first Monday of the month
       "2024-03-15T00:00",
       {"2024-04-01T09:00", "2024-05-06T09:00", "2024-06-03T09:00"}},
      {"cron(0 0 L * ? *)",  // last day of the month, leap February
       "2024-01-31T00:00",
       {"2024-02-29T00:00", "2024-03-31T00:00", "2024-04-30T00:00"}},
      {"cron(0 0 L * ? *)", "2023-01-31T00:00", {"2023-02-28T00:00", "2023-03-31T00:00"}},
      {"cron(0 0 ? * 6L *)",  // last Friday
       "2024-03-01T00:00",
       {"2024-03-29T00:00", "2024-04-26T00:00", "2024-05-31T00:00"}},
      {"cron(0 12 15W * ? *)",  // 06-15 is a Saturday, 09-15 a Sunday
       "2024-06-01T00:00",
       {"2024-06-14T12:00", "2024-07-15T12:00", "2024-08-15T12:00", "2024-09-16T12:00"}},
      {"cron(0 12 1W * ? *)", "2024-05-15T00:00", {"2024-06-03T12:00"}},  // Sat 1st -> Mon 3rd
      {"cron(0 12 31W * ? *)",  // Sun 31st -> Fri 29th; April has no 31st; May 31 is a Friday
       "2024-03-01T00:00",
       {"2024-03-29T12:00", "2024-05-31T12:00"}},
      {"cron(0 12 LW * ? *)",  // 03-31 Sunday, 08-31 Saturday
       "2024-03-01T00:00",
       {"2024-03-29T12:00", "2024-04-30T12:00"}},
      {"cron(0 12 lw * ? *)", "2024-08-01T00:00", {"2024-08-30T12:00"}},
      {"cron(5,35 14 * * ? *)", "2024-03-15T14:05", {"2024-03-15T14:35", "2024-03-16T14:05"}},
      {"cron(0 2 ? * SAT *)", "2024-03-15T00:00", {"2024-03-16T02:00", "2024-03-23T02:00"}},
      {"cron(15 10 ? * 6L 2002-2005)", "2002-01-01T00:00", {"2002-01-25T10:15"}},
      {"cron(0 2 ? * SAT#3 *)", "2024-03-01T00:00", {"2024-03-16T02:00", "2024-04-20T02:00"}},
      {"cron(* * ? * SAT#3 *)",
       "2024-03-16T23:58",
       {"2024-03-16T23:59", "2024-04-20T00:00", "2024-04-20T00:01"}},
      {"cron(0/5 5 ? JAN 1-5 2022)",  // 1-5 is SUN-THU; 2022-01-02 is a Sunday
       "2022-01-01T00:00",
       {"2022-01-02T05:00", "2022-01-02T05:05"}},
      {"cron(0/30 20-2 ? * MON-FRI *)",  // wrapping hours; Saturday 00-02 is not MON-FRI
       "2024-03-15T23:45",
       {"2024-03-18T00:00", "2024-03-18T00:30", "2024-03-18T01:00"}},
      {"cron(0/30 20-2 ? * MON-FRI *)", "2024-03-18T02:30", {"2024-03-18T20:00"}},
      // Leap years and rollovers.
      {"cron(0 0 29 2 ? *)", "2024-03-01T00:00", {"2028-02-29T00:00", "2032-02-29T00:00"}},
      {"cron(0 0 29 2 ? *)", "2096-03-01T00:00", {"2104-02-29T00:00"}},  // 2100 is no leap year
      {"cron(59 23 31 * ? *)", "2024-01-31T23:59", {"2024-03-31T23:59", "2024-05-31T23:59"}},
      {"cron(0 0 1 1 ? *)", "2024-06-01T00:00", {"2025-01-01T00:00", "2026-01-01T00:00"}},
      {"cron(59 23 31 12 ? *)", "2024-12-31T23:58:59", {"2024-12-31T23:59", "2025-12-31T23:59"}},
      {"cron(0 0 1 1 ? 2020/4)", "2020-01-01T00:00", {"2024-01-01T00:00", "2028-01-01T00:00"}},
      {"cron(0 0 1 1 ? 2198-2199)", "2198-06-01T00:00", {"2199-01-01T00:00"}},
      // AWS numbering and the other field forms.
      {"cron(0 0 ? * 1 *)", "2024-03-15T00:00", {"2024-03-17T00:00"}},  // 1 = SUN
      {"cron(0 0 ? * 7 *)", "2024-03-15T00:00", {"2024-03-16T00:00"}},  // 7 = SAT
      {"cron(0 0 ? * L *)", "2024-03-15T00:00", {"2024-03-16T00:00"}},  // L alone = SAT
      {"cron(0 0 ? * fril *)", "2024-03-01T00:00", {"2024-03-29T00:00"}},
      {"cron(0 0 ? * FRI-MON *)",  // wrapping weekdays
       "2024-03-14T00:00",
       {"2024-03-15T00:00", "2024-03-16T00:00", "2024-03-17T00:00", "2024-03-18T00:00",
        "2024-03-22T00:00"}},
      {"cron(0 0 ? jan,jul mon 2024)", "2024-01-31T00:00", {"2024-07-01T00:00"}},
      {"cron(0 0 1 NOV-FEB ? *)",
       "2024-02-01T00:00",
       {"2024-11-01T00:00", "2024-12-01T00:00", "2025-01-01T00:00", "2025-02-01T00:00",
        "2025-11-01T00:00"}},
      {"cron(*/20 * * * ? *)", "2024-03-15T10:00", {"2024-03-15T10:20", "2024-03-15T10:40"}},
      {"cron(10-50/10 9 * * ? *)",
       "2024-03-15T09:00",
       {"2024-03-15T09:10", "2024-03-15T09:20", "2024-03-15T09:30", "2024-03-15T09:40",
        "2024-03-15T09:50", "2024-03-16T09:10"}},
      {"cron(0 0 */10 * ? *)",  // days 1, 11, 21, 31
       "2024-01-21T00:00",
       {"2024-01-31T00:00", "2024-02-01T00:00"}},
      {"cron(0 0 ? * 5#5 *)",  // fifth Thursday: Feb 2024 has 29 days starting on a Thursday
       "2024-01-01T00:00",
       {"2024-02-29T00:00", "2024-05-30T00:00"}},
      {"cron(0   10  * * ? *)", "2024-03-15T00:00", {"2024-03-15T10:00"}},  // runs of spaces
      // rate() with the default anchor (the Unix epoch).
      {"rate(1 minute)", "2024-03-15T10:00:30", {"2024-03-15T10:01", "2024-03-15T10:02"}},
      {"rate(5 minutes)", "2024-03-15T10:01", {"2024-03-15T10:05", "2024-03-15T10:10"}},
      {"rate(1 hour)", "2024-03-15T10:00", {"2024-03-15T11:00", "2024-03-15T12:00"}},
      {"rate(1 day)", "2024-03-15T10:00", {"2024-03-16T00:00"}},
      // Day 19798 since the epoch (2024-03-16) is even.
      {"rate(2 days)", "2024-03-15T10:00", {"2024-03-16T00:00", "2024-03-18T00:00"}},
  };
  return *cases;
}

TEST(ScheduleExpression, FireTimesFromFixedInstants) {
  for (const FireCase& c : FireCases()) {
    SCOPED_TRACE(c.expression + " after " + c.after);
    const ScheduleExpression expression = MustParse(c.expression);
    const std::vector<int64_t> times =
        NextFireTimes(expression, Ms(c.after), static_cast<int>(c.expected.size()));
    EXPECT_EQ(IsoAll(times), c.expected);
    for (int64_t t : times) EXPECT_TRUE(expression.FiresAt(t)) << Iso(t);
  }
}

TEST(ScheduleExpression, KindAndRateAccessors) {
  const ScheduleExpression rate = MustParse("rate(15 minutes)");
  EXPECT_EQ(rate.kind(), ScheduleExpression::Kind::kRate);
  EXPECT_EQ(rate.text(), "rate(15 minutes)");
  EXPECT_EQ(rate.rate_value(), 15);
  EXPECT_EQ(rate.rate_unit(), ScheduleExpression::RateUnit::kMinute);
  EXPECT_EQ(rate.rate_period_millis(), 15 * kMinute);
  EXPECT_EQ(MustParse("rate(2 days)").rate_period_millis(), 2 * 86'400'000);
  EXPECT_EQ(MustParse("rate(3 hours)").rate_unit(), ScheduleExpression::RateUnit::kHour);
  EXPECT_EQ(MustParse("cron(0 10 * * ? *)").kind(), ScheduleExpression::Kind::kCron);
}

TEST(ScheduleExpression, RateCountsFromTheAnchorMinute) {
  ScheduleExpression rate = MustParse("rate(5 minutes)");
  const int64_t created = Ms("2024-03-15T10:03:27");
  rate.set_rate_anchor_millis(created);
  EXPECT_EQ(rate.rate_anchor_millis(), created);
  EXPECT_EQ(IsoAll(NextFireTimes(rate, created, 3)),
            (std::vector<std::string>{"2024-03-15T10:08", "2024-03-15T10:13", "2024-03-15T10:18"}));
  // Strictly after: a fire time itself is not returned again.
  EXPECT_EQ(Iso(*rate.NextFireAfter(Ms("2024-03-15T10:08"))), "2024-03-15T10:13:00");
  EXPECT_EQ(Iso(*rate.NextFireAfter(Ms("2024-03-15T10:07:59"))), "2024-03-15T10:08:00");
  // Before the anchor, the first fire is one period after it, never the anchor minute itself.
  EXPECT_EQ(Iso(*rate.NextFireAfter(Ms("2024-03-15T09:00"))), "2024-03-15T10:08:00");
  EXPECT_FALSE(rate.FiresAt(Ms("2024-03-15T10:03")));
  EXPECT_TRUE(rate.FiresAt(Ms("2024-03-15T10:13")));
  EXPECT_FALSE(rate.FiresAt(Ms("2024-03-15T10:13") + 1));

  ScheduleExpression days = MustParse("rate(2 days)");
  days.set_rate_anchor_millis(created);
  EXPECT_EQ(IsoAll(NextFireTimes(days, Ms("2024-03-16T00:00"), 2)),
            (std::vector<std::string>{"2024-03-17T10:03", "2024-03-19T10:03"}));

  ScheduleExpression hourly = MustParse("rate(1 hour)");
  hourly.set_rate_anchor_millis(created);
  EXPECT_EQ(Iso(*hourly.NextFireAfter(Ms("2024-06-01T00:00"))), "2024-06-01T00:03:00");
}

TEST(ScheduleExpression, NoFireAfterTheHorizonOrForPastYears) {
  EXPECT_FALSE(MustParse("cron(15 10 ? * 6L 2002-2005)").NextFireAfter(Ms("2024-01-01T00:00")));
  EXPECT_FALSE(MustParse("cron(0 0 1 1 ? 2199)").NextFireAfter(Ms("2199-01-01T00:00")));
  EXPECT_FALSE(MustParse("cron(* * * * ? *)").NextFireAfter(kScheduleHorizonMillis - 1));
  EXPECT_EQ(*MustParse("cron(* * * * ? *)").NextFireAfter(kScheduleHorizonMillis - kMinute - 1),
            kScheduleHorizonMillis - kMinute);
  EXPECT_FALSE(MustParse("rate(1000000000 days)").NextFireAfter(0));
  EXPECT_FALSE(MustParse("rate(1 minute)").NextFireAfter(INT64_MAX));
  // Before 1970 the first fire is the first one in 1970.
  EXPECT_EQ(*MustParse("cron(0 0 1 1 ? *)").NextFireAfter(INT64_MIN), 0);
  EXPECT_EQ(*MustParse("rate(1 hour)").NextFireAfter(INT64_MIN), 3'600'000);
  ScheduleExpression far = MustParse("rate(1 minute)");
  far.set_rate_anchor_millis(INT64_MIN);
  EXPECT_EQ(*far.NextFireAfter(INT64_MIN), 0);
  far.set_rate_anchor_millis(INT64_MAX);
  EXPECT_FALSE(far.NextFireAfter(0));
}

TEST(ScheduleExpression, ExpressionsThatNeverFireEndQuickly) {
  for (const char* text :
       {"cron(0 0 30 2 ? *)", "cron(0 0 31 4,6,9,11 ? *)", "cron(0 0 31 FEB ? *)",
        "cron(0 0 ? 2 2#5 2101-2103)", "cron(* * 31W 2 ? *)"}) {
    SCOPED_TRACE(text);
    const ScheduleExpression expression = MustParse(text);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(expression.NextFireAfter(0));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::milliseconds(100));
  }
}

TEST(ScheduleExpression, NextFireTimesHelper) {
  const ScheduleExpression expression = MustParse("cron(0 0 1 1 ? 2198-2199)");
  EXPECT_EQ(NextFireTimes(expression, 0, 5).size(), 2u);
  EXPECT_TRUE(NextFireTimes(expression, 0, 0).empty());
  EXPECT_TRUE(NextFireTimes(expression, 0, -3).empty());
  const std::vector<int64_t> minutes = NextFireTimes(MustParse("rate(1 minute)"), 0, 5000);
  ASSERT_EQ(minutes.size(), 5000u);
  EXPECT_EQ(minutes.back(), 5000 * kMinute);
}

struct InvalidCase {
  std::string expression;
  std::string message;  // must appear in the error message
};

TEST(ScheduleExpression, InvalidExpressionsSayWhatIsWrong) {
  const std::vector<InvalidCase> cases = {
      // rate()
      {"rate(0 minutes)", "positive whole number, not 0"},
      {"rate(1 minutes)", "a value of 1 needs the singular unit 'minute', not 'minutes'"},
      {"rate(1 hours)", "singular unit 'hour'"},
      {"rate(1 days)", "singular unit 'day'"},
      {"rate(5 minute)", "needs the plural unit 'minutes', not 'minute'"},
      {"rate(10 hour)", "plural unit 'hours'"},
      {"rate(10 day)", "plural unit 'days'"},
      {"rate(-1 hours)", "the value '-1' is not a positive whole number"},
      {"rate(1.5 hours)", "the value '1.5' is not a positive whole number"},
      {"rate(foo minutes)", "the value 'foo' is not a positive whole number"},
      {"rate(10 weeks)", "the unit 'weeks' is not one of minute, minutes"},
      {"rate(10 seconds)", "the unit 'seconds'"},
      {"rate(10 years)", "the unit 'years'"},
      {"rate(10 minutess)", "the unit 'minutess'"},
      {"rate(10 MINUTES)", "the unit 'MINUTES'"},
      {"rate()", "expected rate(value unit)"},
      {"rate(10)", "a value and a unit separated by one space"},
      {"rate( 10 minutes )", "unexpected space inside the parentheses"},
      {"rate(10  minutes)", "exactly one space"},
      {" rate(10 minutes)", "unexpected space before the expression"},
      {"rate(99999999999 minutes)", "too large"},
      // cron() shape
      {"cron(0 10 * * ?)",
       "expected 6 fields (minutes hours day-of-month month day-of-week "
       "year), found 5"},
      {"cron(0 10 * * ? * *)", "found 7"},
      {"cron()", "expected 6 fields"},
      {"cron(INVALID)", "found 1"},
      {"cron( 0 10 * * ? *)", "unexpected space inside the parentheses"},
      {"cron(0 10 ? * ? *)", "day-of-month and day-of-week cannot both be ?"},
      {"cron(0 1 * * * *)",
       "cron(0 1 * * * *): day-of-month and day-of-week cannot both be specified; use ? in one "
       "of them"},
      {"cron(0 1 1 * MON *)", "cannot both be specified"},
      {"cron(0 10 * * ?? *)",
       "day-of-week field '?"
       "?': '?' must be the whole field"},
      {"cron(0 10 ?,1 * ? *)", "day-of-month field '?,1': '?' must be the whole field"},
      {"cron(0 ? * * ? *)", "hours field '?': '?' is only allowed in the day-of-month and"},
      // out-of-range values
      {"cron(71 8 1 * ? *)", "minutes field '71': 71 is out of range; the allowed values are 0-59"},
      {"cron(0 24 * * ? *)", "hours field '24': 24 is out of range"},
      {"cron(0 0 32 * ? *)", "day-of-month field '32': 32 is out of range"},
      {"cron(0 0 0 * ? *)", "day-of-month field '0': 0 is out of range"},
      {"cron(0 0 * 13 ? *)",
       "month field '13': 13 is out of range; the allowed values are 1-12 or "
       "JAN-DEC"},
      {"cron(0 0 ? * 8 *)", "day-of-week field '8': 8 is out of range"},
      {"cron(0 0 ? * 0 *)", "1-7 or SUN-SAT (1 = SUN)"},
      {"cron(0 0 1 * ? 1969)",
       "year field '1969': 1969 is out of range; the allowed values are "
       "1970-2199"},
      {"cron(0 0 1 * ? 2200)", "2200 is out of range"},
      {"cron(0 0 1 * ? 99999999999999)", "out of range"},
      {"cron(0 0-99 * * ? *)", "hours field '0-99': 99 is out of range"},
      // names
      {"cron(0 dummy ? * MON-FRI *)", "hours field 'dummy': 'dummy' is not a number in 0-23"},
      {"cron(7 20 * * NOT *)", "day-of-week field 'NOT': 'NOT' is not a day-of-week name"},
      {"cron(0 0 ? * FUN *)", "'FUN' is not a day-of-week name or number"},
      {"cron(0 0 ? * FRIDAY *)", "'FRIDAY' is not a day-of-week name"},
      {"cron(0 0 ? * JAN *)", "'JAN' is not a day-of-week name"},
      {"cron(0 0 1 JANUARY ? *)", "'JANUARY' is not a month name"},
      {"cron(0 0 1 SUN ? *)", "'SUN' is not a month name"},
      {"cron(0 0 ? * MON-XYZ *)", "'XYZ' is not a day-of-week name"},
      // steps, ranges, lists
      {"cron(0/0 * * * ? *)", "minutes field '0/0': step 0 is out of range 1-59"},
      {"cron(0/60 * * * ? *)", "step 60 is out of range 1-59"},
      {"cron(0/ * * * ? *)", "'/' must be followed by a step number"},
      {"cron(*5 * * * ? *)", "'*' can only be followed by a step"},
      {"cron(0 0 1 1 ? 2010-2005)", "year field '2010-2005': the range 2010-2005 runs backwards"},
      {"cron(0 0 1 1 ? 2010-)", "a value is missing"},
      {"cron(0 0 1,,2 * ? *)", "day-of-month field '1,,2': a list has an empty item"},
      {"cron(0 0 1, * ? *)", "a list has an empty item"},
      {"cron(0-5-9 0 1 * ? *)", "unexpected '-9'"},
      {"cron(0 0 1 * ? 2020x)", "year field '2020x': unexpected 'x'"},
      // L, W and #
      {"cron(0 0 ? * 6#6 *)",
       "day-of-week field '6#6': week number 6 after '#' is out of range "
       "1-5"},
      {"cron(0 0 ? * 6#0 *)", "week number 0 after '#' is out of range 1-5"},
      {"cron(0 0 ? * 8#1 *)", "8 is out of range"},
      {"cron(0 0 ? * 6# *)", "'#' must be followed by a week number 1-5"},
      {"cron(0 0 ? * #3 *)", "unexpected character '#'"},
      {"cron(0 0 ? * 3#1,6#3 *)", "only one '#' expression is allowed"},
      {"cron(0 0 ? * 2-6#3 *)", "'#' must follow a single day"},
      {"cron(0 0 1#1 * ? *)", "day-of-month field '1#1': '#' is only allowed in the day-of-week"},
      {"cron(0 0 1-15W * ? *)",
       "day-of-month field '1-15W': 'W' cannot be combined with a list, "
       "range, step or '*'"},
      {"cron(0 0 1,15W * ? *)", "'W' cannot be combined"},
      {"cron(0 0 W * ? *)",
       "L and W appear only as L (last day), LW (last weekday) or a day "
       "with W"},
      {"cron(0 0 32W * ? *)", "day-of-month field '32W': 32 is out of range"},
      {"cron(0 0 0W * ? *)", "0 is out of range"},
      {"cron(0 0 L-2 * ? *)", "'L' cannot be combined"},
      {"cron(0 0 L5 * ? *)", "L and W appear only as"},
      {"cron(0 0 ? * 6W *)", "day-of-week field '6W': unexpected 'W'"},
      {"cron(0 0 ? * 1,6L *)", "'L' cannot be combined with a list"},
      {"cron(0 0 ? * 6LL *)", "L must follow a single day"},
      {"cron(L 0 1 * ? *)",
       "minutes field 'L': 'L' is only allowed in the day-of-month and "
       "day-of-week"},
      {"cron(0 5W 1 * ? *)", "hours field '5W': 'W' is only allowed in the day-of-month"},
      {"cron(0 0 1 * ? 2020#2)", "year field '2020#2': '#' is only allowed in the day-of-week"},
      // the envelope
      {"", "schedule expression is empty"},
      {"cron(0 10 * * ? *) x", "unexpected text after the closing parenthesis: ' x'"},
      {"cron(0 10 * * ? *)x", "unexpected text after the closing parenthesis"},
      {"cron(0 10 * * ? *", "unbalanced parentheses: the closing ')' is missing"},
      {"cron((0 10 * * ? *)", "unbalanced parentheses"},
      {"cron(0 10 * * ? *))", "unbalanced parentheses"},
      {"cron 0 10 * * ? *", "expected rate(value unit) or cron(minutes hours"},
      {"CRON(0 10 * * ? *)", "expected rate(value unit) or cron("},
      {"at(2024-01-01T00:00:00)", "expected rate(value unit) or cron("},
      {"0 10 * * ? *", "expected rate(value unit) or cron("},
      {"cron(0 10 * * ? *)\t", "the byte 0x09 at offset 18"},
      {std::string("cron(0 10 * * ? *)\0", 19), "the byte 0x00 at offset 18"},
      {"cron(0 10 * * ? \xC3\xA9)", "the byte 0xC3 at offset 16; only printable ASCII"},
      {"rate(5 minutes\xFF)", "the byte 0xFF"},
      {"cron(" + std::string(300, '0') + " 10 * * ? *)",
       "is too long: 317 bytes, the limit is 256"},
      {"rate(" + std::string(1 << 20, '1') + " minutes)", "too long"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.expression.size() > 80 ? c.expression.substr(0, 80) + "..." : c.expression);
    const absl::StatusOr<ScheduleExpression> parsed = ParseScheduleExpression(c.expression);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.message), std::string_view::npos)
        << "message: " << parsed.status().message() << "\nwanted: " << c.message;
  }
}

TEST(ScheduleExpression, LongestAcceptedInputParses) {
  // A 256-byte expression made of a long minutes list is fine.
  std::string minutes = "0";
  while (minutes.size() + std::string("cron( 10 * * ? *)").size() + 2 <= 256) minutes += ",0";
  const std::string text = "cron(" + minutes + " 10 * * ? *)";
  ASSERT_LE(text.size(), 256u);
  EXPECT_TRUE(ParseScheduleExpression(text).ok()) << text.size();
}

// --- Differential check: NextFireAfter's field skipping against a minute-by-minute scan ---

// Random but valid expressions from the grammar, to compare the skipping search with brute force.
std::string RandomCron(std::mt19937_64& rng) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % n); };
  auto simple = [&](int lo, int hi) -> std::string {
    const int span = hi - lo + 1;
    switch (pick(6)) {
      case 0:
        return "*";
      case 1:
        return std::to_string(lo + pick(span));
      case 2: {
        const int a = lo + pick(span), b = lo + pick(span);
        return std::to_string(a) + "-" + std::to_string(b);
      }
      case 3:
        return std::to_string(lo + pick(span)) + "/" + std::to_string(1 + pick(span - 1));
      case 4:
        return std::to_string(lo + pick(span)) + "," + std::to_string(lo + pick(span)) + "," +
               std::to_string(lo + pick(span));
      default:
        return "*/" + std::to_string(1 + pick(std::max(1, span - 1)));
    }
  };
  std::string dom = "?";
  std::string dow = "?";
  if (pick(2) == 0) {
    switch (pick(5)) {
      case 0:
        dom = "L";
        break;
      case 1:
        dom = "LW";
        break;
      case 2:
        dom = std::to_string(1 + pick(31)) + "W";
        break;
      default:
        dom = simple(1, 31);
    }
  } else {
    switch (pick(5)) {
      case 0:
        dow = std::to_string(1 + pick(7)) + "L";
        break;
      case 1:
        dow = std::to_string(1 + pick(7)) + "#" + std::to_string(1 + pick(5));
        break;
      default:
        dow = simple(1, 7);
    }
  }
  std::string year = pick(4) == 0 ? simple(2020, 2030) : "*";
  if (year.find('-') != std::string::npos) {
    // Year ranges cannot run backwards; keep them ascending.
    const int a = std::stoi(year.substr(0, 4)), b = std::stoi(year.substr(5));
    year = std::to_string(std::min(a, b)) + "-" + std::to_string(std::max(a, b));
  }
  return "cron(" + simple(0, 59) + " " + simple(0, 23) + " " + dom + " " + simple(1, 12) + " " +
         dow + " " + year + ")";
}

TEST(ScheduleExpression, SkippingSearchAgreesWithMinuteScan) {
  std::mt19937_64 rng(20240315);
  std::vector<std::string> expressions;
  for (const FireCase& c : FireCases()) expressions.push_back(c.expression);
  for (int i = 0; i < 400; ++i) expressions.push_back(RandomCron(rng));
  constexpr int64_t kWindow = 40 * 24 * 60;  // minutes scanned per instant
  int compared = 0;
  for (const std::string& text : expressions) {
    absl::StatusOr<ScheduleExpression> parsed = ParseScheduleExpression(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    for (int trial = 0; trial < 3; ++trial) {
      // Instants between 2019 and 2031, with random seconds.
      const int64_t after =
          Ms("2019-01-01T00:00") + static_cast<int64_t>(rng() % (12ull * 365 * 24 * 3600 * 1000));
      const std::optional<int64_t> next = parsed->NextFireAfter(after);
      int64_t expected = -1;
      for (int64_t m = after / kMinute + 1; m <= after / kMinute + kWindow; ++m) {
        if (parsed->FiresAt(m * kMinute)) {
          expected = m * kMinute;
          break;
        }
      }
      if (expected >= 0) {
        ASSERT_TRUE(next) << text << " after " << Iso(after);
        EXPECT_EQ(Iso(*next), Iso(expected)) << text << " after " << Iso(after);
        ++compared;
      } else if (next) {
        // Nothing within the window: the answer must lie beyond it and be a real fire time.
        EXPECT_GT(*next, (after / kMinute + kWindow) * kMinute) << text;
        EXPECT_TRUE(parsed->FiresAt(*next)) << text << " " << Iso(*next);
      }
    }
  }
  EXPECT_GT(compared, 500);
}

// --- Deterministic fuzz (the libFuzzer target needs clang; this runs under GCC too) ---

void CheckInvariants(const std::string& input) {
  static const int64_t kInstant = Ms("2024-03-15T10:07:30");
  static const int64_t kLate = Ms("2199-12-31T23:58:59");
  const absl::StatusOr<ScheduleExpression> parsed = ParseScheduleExpression(input);
  if (!parsed.ok()) {
    ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << input;
    ASSERT_FALSE(parsed.status().message().empty());
    return;
  }
  for (int64_t after : {kInstant, int64_t{-1}, kLate}) {
    const std::optional<int64_t> next = parsed->NextFireAfter(after);
    if (!next) continue;
    ASSERT_GT(*next, after) << input;
    ASSERT_EQ(*next % kMinute, 0) << input;
    ASSERT_LT(*next, kScheduleHorizonMillis) << input;
    ASSERT_TRUE(parsed->FiresAt(*next)) << input;
  }
}

TEST(ScheduleExpression, DeterministicFuzzNeverCrashesAndFiresAfterTheInstant) {
  const std::vector<std::string> corpus = {"rate(1 minute)",
                                           "rate(5 minutes)",
                                           "rate(1 hour)",
                                           "rate(12 hours)",
                                           "rate(1 day)",
                                           "rate(7 days)",
                                           "cron(0 10 * * ? *)",
                                           "cron(0 18 ? * MON-FRI *)",
                                           "cron(0/15 * * * ? *)",
                                           "cron(0/5 8-17 ? * MON-FRI *)",
                                           "cron(0 9 ? * 2#1 *)",
                                           "cron(0 0 L * ? *)",
                                           "cron(0 0 ? * 6L *)",
                                           "cron(0 12 15W * ? *)",
                                           "cron(0 12 LW * ? *)",
                                           "cron(15 10 ? * 6L 2002-2005)",
                                           "cron(0/30 20-2 ? * MON-FRI *)",
                                           "cron(5,35 14 * * ? *)",
                                           "cron(0 0 1 NOV-FEB ? 2020/3)",
                                           "cron(*/7 */5 */3 */2 ? */9)",
                                           "cron(0 0 ? * SAT#3 *)",
                                           "cron(0 0 29 2 ? 2096-2104)"};
  const std::vector<std::string> tokens = {"L",   "W",   "#",  "?",   "*",  "/",    "-",
                                           ",",   " ",   "(",  ")",   "0",  "59",   "2199",
                                           "JAN", "sun", "LW", "5#5", "7L", "1970", "99999"};
  std::mt19937_64 rng(4242);
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  int accepted = 0;
  constexpr int kIterations = 200'000;
  for (int i = 0; i < kIterations; ++i) {
    std::string input;
    if (i % 10 == 0) {
      // Random bytes, sometimes wrapped in an expression envelope.
      const size_t length = pick(40);
      for (size_t j = 0; j < length; ++j) input.push_back(static_cast<char>(rng()));
      if (i % 20 == 0) input = (i % 40 == 0 ? "cron(" : "rate(") + input + ")";
    } else {
      input = corpus[pick(corpus.size())];
      const size_t mutations = 1 + pick(4);
      for (size_t m = 0; m < mutations; ++m) {
        const size_t at = input.empty() ? 0 : pick(input.size() + 1);
        switch (pick(6)) {
          case 0:  // flip a byte
            if (!input.empty()) input[std::min(at, input.size() - 1)] ^= (1 << pick(8));
            break;
          case 1:  // insert a random byte
            input.insert(input.begin() + at, static_cast<char>(rng()));
            break;
          case 2:  // insert a grammar token
            input.insert(at, tokens[pick(tokens.size())]);
            break;
          case 3:  // delete a byte
            if (!input.empty()) input.erase(std::min(at, input.size() - 1), 1);
            break;
          case 4:  // truncate
            input.resize(at);
            break;
          default:  // replace a digit with another digit
            if (!input.empty()) {
              char& c = input[std::min(at, input.size() - 1)];
              if (c >= '0' && c <= '9') c = static_cast<char>('0' + pick(10));
            }
        }
      }
    }
    ASSERT_NO_FATAL_FAILURE(CheckInvariants(input));
    if (ParseScheduleExpression(input).ok()) ++accepted;
  }
  // The mutations must exercise both outcomes, or the test proves little.
  EXPECT_GT(accepted, kIterations / 20);
  EXPECT_LT(accepted, kIterations / 2);
}

}  // namespace
}  // namespace serval::events
