#include "services/apigateway/quota_meter.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace serval::apigateway {
namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

}  // namespace

int64_t QuotaPeriodStart(std::string_view period, int64_t offset, int64_t now_ms) {
  const absl::CivilDay today = absl::ToCivilDay(absl::FromUnixMillis(now_ms), absl::UTCTimeZone());
  absl::CivilDay start = today;
  if (period == "WEEK") {
    // absl::Weekday counts from Monday; API Gateway's offset counts from Sunday.
    const int weekday = (static_cast<int>(absl::GetWeekday(today)) + 1) % 7;
    start = today - ((weekday - offset % 7 + 7) % 7);
  } else if (period == "MONTH") {
    start = absl::CivilDay(absl::CivilMonth(today)) + offset;
    if (start > today) start = absl::CivilDay(absl::CivilMonth(today) - 1) + offset;
  }
  return absl::ToUnixMillis(absl::FromCivil(start, absl::UTCTimeZone())) / kDayMs * kDayMs;
}

bool QuotaMeter::Consume(const std::string& key, int64_t limit, std::string_view period,
                         int64_t offset, int64_t now_ms) {
  const int64_t start = QuotaPeriodStart(period, offset, now_ms);
  Count& count = counts_[key];
  if (count.period_start_ms != start) count = Count{.period_start_ms = start};
  if (count.used >= limit) return false;
  ++count.used;
  return true;
}

}  // namespace serval::apigateway
