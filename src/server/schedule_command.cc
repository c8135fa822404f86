#include "server/schedule_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "common/clock.h"
#include "common/time_format.h"
#include "services/events/schedule_expression.h"

namespace serval::server {

int PrintNextFireTimes(const std::string& expression, int count) {
  auto parsed = events::ParseScheduleExpression(expression);
  if (!parsed.ok()) {
    fmt::print(stderr, "serval: {}\n", std::string(parsed.status().message()));
    return 2;
  }
  const int64_t now = RealClock::Instance().NowMillis();
  // A rate() schedule counts from when its rule is created; here, from now.
  parsed->set_rate_anchor_millis(now);
  const auto times = events::NextFireTimes(*parsed, now, count);
  for (int64_t time : times) fmt::print("{}\n", FormatIso8601Millis(time));
  if (static_cast<int>(times.size()) < count) {
    fmt::print(stderr, "serval: {} fires only {} more time(s)\n", expression, times.size());
  }
  return 0;
}

}  // namespace serval::server
