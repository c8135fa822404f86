#include "common/time_format.h"

#include <fmt/format.h>

#include <ctime>

#include "common/text.h"

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

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidTime(int year, int month, int day, int hour, int minute, int second) {
  return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
         minute <= 59 && second <= 60;
}

std::string FormatUtc(int64_t epoch_seconds, const char* format) {
  std::time_t seconds = static_cast<std::time_t>(epoch_seconds);
  std::tm t{};
  gmtime_r(&seconds, &t);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), format, &t);
  return buffer;
}

}  // namespace

std::string FormatHttpDate(int64_t epoch_millis) {
  return FormatUtc(epoch_millis / 1000, "%a, %d %b %Y %H:%M:%S GMT");
}

std::string FormatClfTime(int64_t epoch_millis) {
  return FormatUtc(epoch_millis / 1000, "%d/%b/%Y:%H:%M:%S +0000");
}

std::string FormatAmzDate(int64_t epoch_seconds) {
  return FormatUtc(epoch_seconds, "%Y%m%dT%H%M%SZ");
}

std::string FormatIso8601Seconds(int64_t epoch_seconds) {
  return FormatUtc(epoch_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

bool ParseAmzDate(std::string_view text, int64_t* epoch_seconds) {
  int year, month, day, hour, minute, second;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' ||
      !ParseDigits(text.substr(0, 4), &year) || !ParseDigits(text.substr(4, 2), &month) ||
      !ParseDigits(text.substr(6, 2), &day) || !ParseDigits(text.substr(9, 2), &hour) ||
      !ParseDigits(text.substr(11, 2), &minute) || !ParseDigits(text.substr(13, 2), &second) ||
      !ValidTime(year, month, day, hour, minute, second)) {
    return false;
  }
  *epoch_seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

bool ParseHttpDate(std::string_view text, int64_t* epoch_seconds) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text[25] != ' ') {
    return false;
  }
  const std::string_view zone = text.substr(26);
  if (zone != "GMT" && zone != "UTC" && zone != "+0000" && zone != "-0000") return false;
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  int year, day, hour, minute, second;
  if (month == 0 || !ParseDigits(text.substr(5, 2), &day) ||
      !ParseDigits(text.substr(12, 4), &year) || !ParseDigits(text.substr(17, 2), &hour) ||
      !ParseDigits(text.substr(20, 2), &minute) || !ParseDigits(text.substr(23, 2), &second) ||
      !ValidTime(year, month, day, hour, minute, second)) {
    return false;
  }
  *epoch_seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

}  // namespace serval
