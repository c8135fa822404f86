#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::events {

// EventBridge schedule expressions (the ScheduleExpression of a rule): `rate(value unit)` and
// `cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC at one-minute
// resolution. The grammar is AWS's, not Unix cron's: six fields, day-of-week 1-7 with 1 = SUN,
// `?` in exactly one of the two day fields, and the L, W and # modifiers.

// The first and last year a cron expression can name; no fire time is ever at or after
// kScheduleHorizonMillis (2200-01-01T00:00:00Z), for rate expressions too.
inline constexpr int kMinScheduleYear = 1970;
inline constexpr int kMaxScheduleYear = 2199;
inline constexpr int64_t kScheduleHorizonMillis = 7258118400000;
// PutRule's limit on ScheduleExpression; longer input is rejected before it is parsed.
inline constexpr size_t kMaxScheduleExpressionLength = 256;

class ScheduleExpression;

// Parses an EventBridge schedule expression. Every malformed input yields InvalidArgument whose
// message says what is wrong (and echoes the expression when it is printable ASCII). Work is
// linear in the input, which is capped at kMaxScheduleExpressionLength bytes; no recursion.
// The result is a rate expression anchored at the Unix epoch (see set_rate_anchor_millis).
absl::StatusOr<ScheduleExpression> ParseScheduleExpression(std::string_view text);

// A parsed schedule expression: a small value (about 140 bytes plus the text) meant to be held
// per rule. Thread-compatible: const methods may be called concurrently.
class ScheduleExpression {
 public:
  enum class Kind { kRate, kCron };
  enum class RateUnit { kMinute, kHour, kDay };

  Kind kind() const { return kind_; }
  // The expression exactly as it was parsed.
  const std::string& text() const { return text_; }

  // Rate expressions only.
  int64_t rate_value() const { return rate_value_; }
  RateUnit rate_unit() const { return rate_unit_; }
  int64_t rate_period_millis() const { return rate_period_millis_; }

  // Where a rate schedule counts from. EventBridge starts a rate rule's clock when the rule is
  // created (or enabled again), so the scheduler sets this to that instant. The anchor is
  // truncated to its minute, A; the rule fires at A + k * period for k >= 1, never at A itself:
  // rate(5 minutes) anchored at 10:03:27 fires at 10:08, 10:13, ... The default anchor is 0, the
  // Unix epoch, which aligns rate(5 minutes) to minutes divisible by 5 and rate(1 day) to
  // midnight UTC; that is what a stand-alone preview (`serval schedule next`) shows. Ignored by
  // cron expressions.
  int64_t rate_anchor_millis() const { return rate_anchor_millis_; }
  void set_rate_anchor_millis(int64_t anchor_millis) { rate_anchor_millis_ = anchor_millis; }

  // The first fire time strictly after `epoch_millis`, in epoch milliseconds (a whole UTC
  // minute), or nullopt if there is none before kScheduleHorizonMillis (a year list in the
  // past, February 30th, ...). Bounded work: cron skips by year, month, day, hour and minute, at
  // most a few hundred thousand cheap steps for an expression that never fires.
  std::optional<int64_t> NextFireAfter(int64_t epoch_millis) const;

  // Whether the schedule fires at exactly `epoch_millis` (which must be a whole minute to match).
  bool FiresAt(int64_t epoch_millis) const;

 private:
  friend absl::StatusOr<ScheduleExpression> ParseScheduleExpression(std::string_view text);

  // How the day-of-month field restricts days.
  enum class DomMode : uint8_t {
    kAny,             // ?
    kSet,             // values, ranges, steps, *: dom_bits_
    kLast,            // L: the last day of the month
    kLastWeekday,     // LW: the last Monday-Friday of the month
    kNearestWeekday,  // nW: the Monday-Friday nearest day n, within the month
  };
  // How the day-of-week field restricts days.
  enum class DowMode : uint8_t {
    kAny,     // ?
    kSet,     // values, ranges, steps, *, and L alone (= SAT): dow_bits_
    kLastOf,  // nL: the last weekday n of the month
    kNth,     // n#k: the k-th weekday n of the month
  };

  ScheduleExpression() = default;

  std::optional<int64_t> NextRateFireAfter(int64_t epoch_millis) const;
  std::optional<int64_t> NextCronFireAfter(int64_t epoch_millis) const;
  bool DayMatches(int year, int month, int day, int days_in_month) const;

  Kind kind_ = Kind::kRate;
  std::string text_;

  int64_t rate_value_ = 0;
  RateUnit rate_unit_ = RateUnit::kMinute;
  int64_t rate_period_millis_ = 0;
  int64_t rate_anchor_millis_ = 0;

  // Cron: bit v set when value v is allowed. Day-of-week uses AWS numbering (1 = SUN).
  uint64_t minute_bits_ = 0;                                        // 0-59
  uint32_t hour_bits_ = 0;                                          // 0-23
  uint32_t dom_bits_ = 0;                                           // 1-31
  uint16_t month_bits_ = 0;                                         // 1-12
  uint8_t dow_bits_ = 0;                                            // 1-7
  std::bitset<kMaxScheduleYear - kMinScheduleYear + 1> year_bits_;  // bit y - 1970
  DomMode dom_mode_ = DomMode::kAny;
  DowMode dow_mode_ = DowMode::kAny;
  uint8_t dom_day_ = 0;         // kNearestWeekday: n
  uint8_t dow_weekday_ = 0;     // kLastOf, kNth: 1-7
  uint8_t dow_occurrence_ = 0;  // kNth: 1-5
};

// Up to `count` successive fire times after `after_millis` (fewer when the schedule ends before
// kScheduleHorizonMillis; none when count <= 0).
std::vector<int64_t> NextFireTimes(const ScheduleExpression& expression, int64_t after_millis,
                                   int count);

}  // namespace serval::events
