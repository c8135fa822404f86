// libFuzzer target for the schedule-expression parser (clang only; see CMakeLists.txt):
//   events_schedule_fuzz -max_total_time=120 -max_len=300 [corpus_dir]
// Parses the input and, when it is accepted, checks the next fire times from a few instants.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/events/schedule_expression.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using serval::events::kScheduleHorizonMillis;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<serval::events::ScheduleExpression> parsed =
      serval::events::ParseScheduleExpression(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  // 2024-03-15T10:07:30Z, just before the epoch, and the last minutes before the horizon.
  for (int64_t after : {int64_t{1710497250000}, int64_t{-1}, kScheduleHorizonMillis - 61'000}) {
    const std::optional<int64_t> next = parsed->NextFireAfter(after);
    if (!next) continue;
    Check(*next > after);
    Check(*next % 60'000 == 0);
    Check(*next < kScheduleHorizonMillis);
    Check(parsed->FiresAt(*next));
  }
  const std::vector<int64_t> times = serval::events::NextFireTimes(*parsed, 1710497250000, 4);
  for (size_t i = 1; i < times.size(); ++i) Check(times[i] > times[i - 1]);
  return 0;
}
