#include "common/time_format.h"

#include <fmt/format.h>

#include <ctime>

#include "absl/time/time.h"

namespace serval {
namespace {

std::tm UtcParts(int64_t epoch_millis) {
  std::time_t seconds = static_cast<std::time_t>(epoch_millis / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return parts;
}

std::string FormatWithSuffix(int64_t epoch_millis, const char* suffix) {
  const std::tm t = UtcParts(epoch_millis);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, epoch_millis % 1000, suffix);
}

}  // namespace

std::string FormatLambdaTimestamp(int64_t epoch_millis) {
  return FormatWithSuffix(epoch_millis, "+0000");
}

std::string FormatIso8601Millis(int64_t epoch_millis) {
  return FormatWithSuffix(epoch_millis, "Z");
}

std::string FormatLogStreamDate(int64_t epoch_millis) {
  const std::tm t = UtcParts(epoch_millis);
  return fmt::format("{:04}/{:02}/{:02}", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday);
}

namespace {
constexpr char kHttpDateFormat[] = "%a, %d %b %Y %H:%M:%S GMT";
}  // namespace

std::string FormatHttpDate(int64_t epoch_millis) {
  return absl::FormatTime(kHttpDateFormat, absl::FromUnixMillis(epoch_millis), absl::UTCTimeZone());
}

std::optional<int64_t> ParseHttpDateMillis(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(kHttpDateFormat, absl::string_view(text.data(), text.size()),
                       absl::UTCTimeZone(), &time, &error)) {
    return std::nullopt;
  }
  return absl::ToUnixMillis(time);
}

}  // namespace serval
