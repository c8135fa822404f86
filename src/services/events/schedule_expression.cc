#include "services/events/schedule_expression.h"

#include <algorithm>
#include <bit>
#include <string>
#include <type_traits>

#include "absl/status/status.h"

// What EventBridge accepts, in our words (from AWS's "Cron expressions reference" and "Rate
// expressions reference" pages, and the behaviour recorded in aws-wire-contracts.md 4.2):
//
// rate(value unit): value is a positive whole number; unit is minute, hour or day, singular when
// the value is 1 and plural (minutes, hours, days) otherwise. The unit is case-sensitive, and
// there is exactly one space, with no padding inside the parentheses. The schedule starts
// counting when the rule is created.
//
// cron(minutes hours day-of-month month day-of-week year): six fields separated by white space,
// all in UTC, no seconds field.
//   minutes 0-59 and hours 0-23:   , - * /
//   day-of-month 1-31:             , - * ? / L W
//   month 1-12 or JAN-DEC:         , - * /
//   day-of-week 1-7 or SUN-SAT:    , - * ? L #   (1 is Sunday, unlike Unix cron's 0)
//   year 1970-2199:                , - * /
// `,` lists values, `-` gives an inclusive range, `*` is every value, and `a/b` starts at a and
// steps by b up to the end of the field (`a-c/b` stops at c; `*/b` starts at the field's first
// value). One of day-of-month and day-of-week must be `?` ("any"); a value or `*` in both is an
// error, and so (our reading) is `?` in both. In day-of-month, `L` is the month's last day, `nW`
// the Monday-Friday closest to day n without leaving the month, and `LW` the month's last
// Monday-Friday. In day-of-week, `nL` is the month's last day n (6L: last Friday), `n#k` the
// k-th day n of the month (3#2: second Tuesday), and only one `#` expression is allowed.
//
// Where AWS's pages are silent we follow Quartz, whose grammar EventBridge's is: names and the
// letters L and W are case-insensitive; `L` alone in day-of-week is its last day, Saturday;
// names may carry the modifiers (FRIL, SAT#3); L, LW, nW, nL and n#k stand alone in their field;
// a range whose start is after its end wraps around the field (hours 20-2 is 20..23 and 0..2,
// FRI-MON is Friday to Monday) except for years, where it is an error; the largest step is 59
// for minutes, 23 for hours, 31 days, 12 months, 7 weekdays. `/` in day-of-week is accepted
// (one version of AWS's table lists it, Quartz accepts it). nW for a day the month lacks (31W in
// April) does not fire that month.

namespace serval::events {
namespace {

constexpr int64_t kMinuteMillis = 60'000;
constexpr int64_t kMinutesPerDay = 1440;
constexpr int64_t kHorizonMinutes = kScheduleHorizonMillis / kMinuteMillis;
constexpr int kYearCount = kMaxScheduleYear - kMinScheduleYear + 1;
// Large enough for any real schedule, small enough that value * unit never overflows.
constexpr int64_t kMaxRateValue = 1'000'000'000;

// --- UTC calendar arithmetic (proleptic Gregorian; days counted from 1970-01-01) ---

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilMinute {
  int64_t year;
  int month, day, hour, minute;
};

// Howard Hinnant's civil_from_days, for a minute count since the epoch.
CivilMinute CivilFromMinutes(int64_t minutes) {
  const int64_t days = FloorDiv(minutes, kMinutesPerDay);
  const int64_t minute_of_day = minutes - days * kMinutesPerDay;
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilMinute{year_of_era + era * 400 + (month <= 2), month, day,
                     static_cast<int>(minute_of_day / 60), static_cast<int>(minute_of_day % 60)};
}

// AWS numbering: 1 = Sunday ... 7 = Saturday. 1970-01-01 was a Thursday (5).
int Weekday(int64_t days_since_epoch) {
  return static_cast<int>((days_since_epoch % 7 + 7 + 4) % 7) + 1;
}

int WeekdayOf(int64_t year, int month, int day) { return Weekday(DaysFromCivil(year, month, day)); }

constexpr int kSunday = 1;
constexpr int kSaturday = 7;

// The Monday-Friday closest to `day` that stays in the month, or 0 if the month has no `day`.
int NearestWeekday(int64_t year, int month, int day, int days_in_month) {
  if (day > days_in_month) return 0;
  const int weekday = WeekdayOf(year, month, day);
  if (weekday == kSaturday) return day == 1 ? 3 : day - 1;
  if (weekday == kSunday) return day == days_in_month ? day - 2 : day + 1;
  return day;
}

int LastWeekdayOfMonth(int64_t year, int month, int days_in_month) {
  const int weekday = WeekdayOf(year, month, days_in_month);
  if (weekday == kSaturday) return days_in_month - 1;
  if (weekday == kSunday) return days_in_month - 2;
  return days_in_month;
}

// The lowest set bit at or above `from`, or -1.
int NextBit(uint64_t bits, int from) {
  if (from >= 64) return -1;
  const uint64_t masked = bits & (~uint64_t{0} << from);
  return masked == 0 ? -1 : std::countr_zero(masked);
}

// --- Parsing ---

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

enum class Field { kMinutes, kHours, kDayOfMonth, kMonth, kDayOfWeek, kYear };

struct FieldSpec {
  Field field;
  std::string_view name;
  int min;
  int max;
  int max_step;
  const std::string_view* names;  // names[i] is value min + i; nullptr: numbers only
  bool cyclic;                    // whether a backwards range wraps around
};

constexpr FieldSpec kFieldSpecs[] = {
    {Field::kMinutes, "minutes", 0, 59, 59, nullptr, true},
    {Field::kHours, "hours", 0, 23, 23, nullptr, true},
    {Field::kDayOfMonth, "day-of-month", 1, 31, 31, nullptr, true},
    {Field::kMonth, "month", 1, 12, 12, kMonthNames, true},
    {Field::kDayOfWeek, "day-of-week", 1, 7, 7, kDayNames, true},
    {Field::kYear, "year", kMinScheduleYear, kMaxScheduleYear, kYearCount, nullptr, false},
};

// Bit v - spec.min is set when value v is allowed.
using FieldBits = std::bitset<kYearCount>;

// Debian's abseil has its own string_view type, so the string helpers here are our own.
template <typename T>
void AppendOne(std::string* out, const T& value) {
  if constexpr (std::is_integral_v<T>) {
    out->append(std::to_string(value));
  } else {
    out->append(std::string_view(value));
  }
}
template <typename... Args>
void Append(std::string* out, const Args&... args) {
  (AppendOne(out, args), ...);
}
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  Append(&out, args...);
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Upper(a[i]) != Upper(b[i])) return false;
  }
  return true;
}

bool ContainsAnyOf(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}
bool ContainsIgnoreCase(std::string_view s, char upper) {
  return std::any_of(s.begin(), s.end(), [upper](char c) { return Upper(c) == upper; });
}

std::string RangeText(const FieldSpec& spec) {
  std::string text = Cat(spec.min, "-", spec.max);
  if (spec.names != nullptr) {
    Append(&text, " or ", spec.names[0], "-", spec.names[spec.max - spec.min]);
  }
  if (spec.field == Field::kDayOfWeek) Append(&text, " (1 = SUN)");
  return text;
}

// Parses the unsigned decimal number at the front of *s, consuming it. Values above 99999 are
// reported as 99999 (every range check then fails) so long digit runs cannot overflow.
std::optional<int> ConsumeNumber(std::string_view* s) {
  size_t length = 0;
  int value = 0;
  while (length < s->size() && IsDigit((*s)[length])) {
    value = std::min(value * 10 + ((*s)[length] - '0'), 99999);
    ++length;
  }
  if (length == 0) return std::nullopt;
  s->remove_prefix(length);
  return value;
}

// Builds errors that start with the expression, then the field and the offending text.
class ErrorContext {
 public:
  explicit ErrorContext(std::string_view expression) : expression_(expression) {}

  absl::Status Error(std::string_view problem) const {
    return absl::InvalidArgumentError(Cat(expression_, ": ", problem));
  }
  absl::Status FieldError(const FieldSpec& spec, std::string_view text,
                          std::string_view problem) const {
    return Error(Cat(spec.name, " field '", text, "': ", problem));
  }

 private:
  std::string_view expression_;
};

// Parses one value at the front of *s: a number, or a three-letter name in the month and
// day-of-week fields (a four-letter run ending in L, such as FRIL, yields the name and leaves
// the L). `item` is the text being parsed, for messages.
absl::StatusOr<int> ConsumeValue(std::string_view* s, const FieldSpec& spec, std::string_view item,
                                 const ErrorContext& errors) {
  if (s->empty()) return errors.FieldError(spec, item, "a value is missing");
  const char first = s->front();
  if (IsDigit(first)) {
    const int value = *ConsumeNumber(s);
    if (value < spec.min || value > spec.max) {
      return errors.FieldError(
          spec, item, Cat(value, " is out of range; the allowed values are ", RangeText(spec)));
    }
    return value;
  }
  if (IsAlpha(first)) {
    size_t length = 0;
    while (length < s->size() && IsAlpha((*s)[length])) ++length;
    std::string_view word = s->substr(0, length);
    if (spec.names == nullptr) {
      return errors.FieldError(spec, item,
                               Cat("'", word, "' is not a number in ", RangeText(spec)));
    }
    if (spec.field == Field::kDayOfWeek && length == 4 && Upper(word[3]) == 'L') {
      word = word.substr(0, 3);
    }
    for (int i = 0; i <= spec.max - spec.min; ++i) {
      if (EqualsIgnoreCase(word, spec.names[i])) {
        s->remove_prefix(word.size());
        return spec.min + i;
      }
    }
    return errors.FieldError(
        spec, item,
        Cat("'", word, "' is not a ", spec.name, " name or number (", RangeText(spec), ")"));
  }
  return errors.FieldError(
      spec, item, Cat("unexpected character '", s->substr(0, 1), "' where a value should be"));
}

// Parses one list item of the common grammar: `*`, `v`, `a-b`, `*/s`, `a/s`, `a-b/s`.
absl::Status ParseItem(std::string_view item, const FieldSpec& spec, const ErrorContext& errors,
                       FieldBits* bits) {
  std::string_view rest = item;
  int low = spec.min;
  int high = spec.max;
  bool single = false;
  if (!rest.empty() && rest.front() == '*') {
    rest.remove_prefix(1);
    if (!rest.empty() && rest.front() != '/') {
      return errors.FieldError(spec, item, "'*' can only be followed by a step such as */5");
    }
  } else {
    absl::StatusOr<int> value = ConsumeValue(&rest, spec, item, errors);
    if (!value.ok()) return value.status();
    low = high = *value;
    single = true;
    if (!rest.empty() && rest.front() == '-') {
      rest.remove_prefix(1);
      value = ConsumeValue(&rest, spec, item, errors);
      if (!value.ok()) return value.status();
      high = *value;
      single = false;
    }
  }
  int step = 1;
  if (!rest.empty() && rest.front() == '/') {
    rest.remove_prefix(1);
    const std::optional<int> parsed = ConsumeNumber(&rest);
    if (!parsed) return errors.FieldError(spec, item, "'/' must be followed by a step number");
    step = *parsed;
    if (step < 1 || step > spec.max_step) {
      return errors.FieldError(spec, item,
                               Cat("step ", step, " is out of range 1-", spec.max_step));
    }
    if (single) high = spec.max;  // a/s runs from a to the end of the field
  }
  if (!rest.empty()) {
    return errors.FieldError(spec, item, Cat("unexpected '", rest, "'"));
  }
  if (low > high && !spec.cyclic) {
    return errors.FieldError(spec, item, Cat("the range ", low, "-", high, " runs backwards"));
  }
  // A backwards range in a cyclic field wraps: walk `span` positions from `low`.
  const int size = spec.max - spec.min + 1;
  const int span = low <= high ? high - low + 1 : (spec.max - low + 1) + (high - spec.min + 1);
  for (int offset = 0; offset < span; offset += step) {
    bits->set((low - spec.min + offset) % size);
  }
  return absl::OkStatus();
}

// Parses a field of the common grammar: a comma-separated list of items.
absl::Status ParseList(std::string_view field, const FieldSpec& spec, const ErrorContext& errors,
                       FieldBits* bits) {
  size_t start = 0;
  while (true) {
    const size_t comma = field.find(',', start);
    const std::string_view item = field.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) {
      return errors.FieldError(spec, field, "a list has an empty item");
    }
    if (absl::Status status = ParseItem(item, spec, errors, bits); !status.ok()) return status;
    if (comma == std::string_view::npos) return absl::OkStatus();
    start = comma + 1;
  }
}

// Rejects the characters that only day-of-month or day-of-week accept, with a message that
// says where they belong.
absl::Status CheckNoDayModifiers(std::string_view field, const FieldSpec& spec,
                                 const ErrorContext& errors) {
  if (ContainsAnyOf(field, "?")) {
    return errors.FieldError(spec, field,
                             "'?' is only allowed in the day-of-month and day-of-week fields");
  }
  if (ContainsAnyOf(field, "#")) {
    return errors.FieldError(spec, field, "'#' is only allowed in the day-of-week field");
  }
  // Month names contain L (JUL) and no field but day-of-month has W-words, so only check the
  // numeric fields.
  if (spec.names == nullptr && spec.field != Field::kDayOfMonth) {
    if (ContainsIgnoreCase(field, 'L')) {
      return errors.FieldError(spec, field,
                               "'L' is only allowed in the day-of-month and day-of-week fields");
    }
    if (ContainsIgnoreCase(field, 'W')) {
      return errors.FieldError(spec, field, "'W' is only allowed in the day-of-month field");
    }
  }
  return absl::OkStatus();
}

template <typename Int>
Int ToMask(const FieldBits& bits, const FieldSpec& spec) {
  Int mask = 0;
  for (int v = spec.min; v <= spec.max; ++v) {
    if (bits.test(v - spec.min)) mask |= Int{1} << v;
  }
  return mask;
}

}  // namespace

// --- ScheduleExpression ---

std::optional<int64_t> ScheduleExpression::NextFireAfter(int64_t epoch_millis) const {
  return kind_ == Kind::kRate ? NextRateFireAfter(epoch_millis) : NextCronFireAfter(epoch_millis);
}

std::optional<int64_t> ScheduleExpression::NextRateFireAfter(int64_t epoch_millis) const {
  // 128-bit arithmetic: the anchor and the instant may be any int64 values. Fires before the
  // epoch are never reported, so the search starts no earlier than just before it.
  using Wide = __int128;
  const Wide anchor = Wide{FloorDiv(rate_anchor_millis_, kMinuteMillis)} * kMinuteMillis;
  const Wide period = rate_period_millis_;
  const Wide after = std::max<Wide>(epoch_millis, -1);
  const Wide k = after < anchor ? 1 : (after - anchor) / period + 1;
  const Wide next = anchor + k * period;  // > after >= -1
  if (next >= kScheduleHorizonMillis) return std::nullopt;
  return static_cast<int64_t>(next);
}

bool ScheduleExpression::DayMatches(int year, int month, int day, int days_in_month) const {
  switch (dom_mode_) {
    case DomMode::kAny:
      break;
    case DomMode::kSet:
      if (((dom_bits_ >> day) & 1) == 0) return false;
      break;
    case DomMode::kLast:
      if (day != days_in_month) return false;
      break;
    case DomMode::kLastWeekday:
      if (day != LastWeekdayOfMonth(year, month, days_in_month)) return false;
      break;
    case DomMode::kNearestWeekday:
      if (day != NearestWeekday(year, month, dom_day_, days_in_month)) return false;
      break;
  }
  if (dow_mode_ == DowMode::kAny) return true;
  const int weekday = WeekdayOf(year, month, day);
  switch (dow_mode_) {
    case DowMode::kAny:
      return true;
    case DowMode::kSet:
      return ((dow_bits_ >> weekday) & 1) != 0;
    case DowMode::kLastOf:
      return weekday == dow_weekday_ && day + 7 > days_in_month;
    case DowMode::kNth:
      return weekday == dow_weekday_ && (day - 1) / 7 + 1 == dow_occurrence_;
  }
  return false;
}

std::optional<int64_t> ScheduleExpression::NextCronFireAfter(int64_t epoch_millis) const {
  // The first candidate minute strictly after the instant, no earlier than 1970-01-01.
  const int64_t start = epoch_millis < 0 ? 0 : epoch_millis / kMinuteMillis + 1;
  if (start >= kHorizonMinutes) return std::nullopt;
  const CivilMinute from = CivilFromMinutes(start);
  int year = static_cast<int>(from.year);
  int month = from.month;
  int day = from.day;
  int hour = from.hour;
  int minute = from.minute;
  // Each pass of this loop moves to a later month; at most 230 years * 12 months passes, each
  // scanning at most 31 days. Whenever a coarser field moves forward the finer ones restart.
  while (year <= kMaxScheduleYear) {
    if (!year_bits_.test(year - kMinScheduleYear)) {
      do {
        ++year;
      } while (year <= kMaxScheduleYear && !year_bits_.test(year - kMinScheduleYear));
      if (year > kMaxScheduleYear) return std::nullopt;
      month = 1, day = 1, hour = 0, minute = 0;
    }
    const int next_month = NextBit(month_bits_, month);
    if (next_month < 0) {
      ++year;
      month = 1, day = 1, hour = 0, minute = 0;
      continue;
    }
    if (next_month != month) month = next_month, day = 1, hour = 0, minute = 0;
    const int days_in_month = DaysInMonth(year, month);
    // A plain day list with no day in this month (February 30th) cannot match: skip the scan.
    const bool possible =
        dom_mode_ != DomMode::kSet || (dom_bits_ & ((uint64_t{2} << days_in_month) - 1)) != 0;
    for (; possible && day <= days_in_month; ++day, hour = 0, minute = 0) {
      if (!DayMatches(year, month, day, days_in_month)) continue;
      int next_hour = NextBit(hour_bits_, hour);
      if (next_hour < 0) continue;
      int next_minute = NextBit(minute_bits_, next_hour == hour ? minute : 0);
      if (next_minute < 0) {
        next_hour = NextBit(hour_bits_, next_hour + 1);
        if (next_hour < 0) continue;
        next_minute = NextBit(minute_bits_, 0);
      }
      const int64_t minutes =
          DaysFromCivil(year, month, day) * kMinutesPerDay + next_hour * 60 + next_minute;
      return minutes * kMinuteMillis;
    }
    day = 1, hour = 0, minute = 0;
    if (++month > 12) month = 1, ++year;
  }
  return std::nullopt;
}

bool ScheduleExpression::FiresAt(int64_t epoch_millis) const {
  if (epoch_millis < 0 || epoch_millis >= kScheduleHorizonMillis) return false;
  if (epoch_millis % kMinuteMillis != 0) return false;
  if (kind_ == Kind::kRate) {
    const std::optional<int64_t> next = NextRateFireAfter(epoch_millis - 1);
    return next && *next == epoch_millis;
  }
  const CivilMinute t = CivilFromMinutes(epoch_millis / kMinuteMillis);
  const int year = static_cast<int>(t.year);
  return year_bits_.test(year - kMinScheduleYear) && ((month_bits_ >> t.month) & 1) != 0 &&
         ((hour_bits_ >> t.hour) & 1) != 0 && ((minute_bits_ >> t.minute) & 1) != 0 &&
         DayMatches(year, t.month, t.day, DaysInMonth(year, t.month));
}

// --- Parsing ---

namespace {

absl::Status ParseRate(std::string_view body, const ErrorContext& errors, int64_t* value,
                       ScheduleExpression::RateUnit* unit) {
  if (body.empty()) return errors.Error("expected rate(value unit), e.g. rate(5 minutes)");
  if (body.front() == ' ' || body.back() == ' ') {
    return errors.Error("unexpected space inside the parentheses; write rate(value unit)");
  }
  const size_t space = body.find(' ');
  if (space == std::string_view::npos) {
    return errors.Error("expected a value and a unit separated by one space, e.g. rate(5 minutes)");
  }
  const std::string_view value_text = body.substr(0, space);
  const std::string_view unit_text = body.substr(space + 1);
  if (unit_text.find(' ') != std::string_view::npos) {
    return errors.Error("expected exactly one space between the value and the unit");
  }
  if (!std::all_of(value_text.begin(), value_text.end(), IsDigit)) {
    return errors.Error(Cat("the value '", value_text, "' is not a positive whole number"));
  }
  int64_t parsed = 0;
  for (char c : value_text) {
    parsed = parsed * 10 + (c - '0');
    if (parsed > kMaxRateValue) {
      return errors.Error(
          Cat("the value ", value_text, " is too large (at most ", kMaxRateValue, ")"));
    }
  }
  if (parsed == 0) return errors.Error("the value must be a positive whole number, not 0");
  struct UnitName {
    std::string_view singular;
    std::string_view plural;
    ScheduleExpression::RateUnit unit;
  };
  static constexpr UnitName kUnits[] = {
      {"minute", "minutes", ScheduleExpression::RateUnit::kMinute},
      {"hour", "hours", ScheduleExpression::RateUnit::kHour},
      {"day", "days", ScheduleExpression::RateUnit::kDay},
  };
  for (const UnitName& u : kUnits) {
    if (unit_text != u.singular && unit_text != u.plural) continue;
    if (parsed == 1 && unit_text != u.singular) {
      return errors.Error(
          Cat("a value of 1 needs the singular unit '", u.singular, "', not '", unit_text, "'"));
    }
    if (parsed > 1 && unit_text != u.plural) {
      return errors.Error(Cat("a value greater than 1 needs the plural unit '", u.plural,
                              "', not '", unit_text, "'"));
    }
    *value = parsed;
    *unit = u.unit;
    return absl::OkStatus();
  }
  return errors.Error(Cat("the unit '", unit_text,
                          "' is not one of minute, minutes, hour, hours, day, days "
                          "(lower case)"));
}

}  // namespace

absl::StatusOr<ScheduleExpression> ParseScheduleExpression(std::string_view text) {
  static constexpr std::string_view kForms =
      "expected rate(value unit) or cron(minutes hours day-of-month month day-of-week year)";
  if (text.empty()) {
    return absl::InvalidArgumentError(Cat("schedule expression is empty; ", kForms));
  }
  if (text.size() > kMaxScheduleExpressionLength) {
    return absl::InvalidArgumentError(Cat("schedule expression is too long: ", text.size(),
                                          " bytes, the limit is ", kMaxScheduleExpressionLength));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte > 0x7e) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const char hex[] = {kHex[byte >> 4], kHex[byte & 0xf], '\0'};
      return absl::InvalidArgumentError(Cat("schedule expression contains the byte 0x", hex,
                                            " at offset ", i,
                                            "; only printable ASCII characters are allowed"));
    }
  }
  const ErrorContext errors(text);
  const bool is_rate = text.starts_with("rate(");
  const bool is_cron = text.starts_with("cron(");
  if (!is_rate && !is_cron) {
    if (text.front() == ' ') return errors.Error("unexpected space before the expression");
    return errors.Error(kForms);
  }
  const size_t open = 4;
  const size_t close = text.find(')', open);
  if (close == std::string_view::npos) {
    return errors.Error("unbalanced parentheses: the closing ')' is missing");
  }
  const std::string_view body = text.substr(open + 1, close - open - 1);
  const std::string_view after = text.substr(close + 1);
  if (body.find('(') != std::string_view::npos || after.find(')') != std::string_view::npos) {
    return errors.Error("unbalanced parentheses");
  }
  if (!after.empty()) {
    return errors.Error(Cat("unexpected text after the closing parenthesis: '", after, "'"));
  }

  ScheduleExpression expression;
  expression.text_ = std::string(text);
  if (is_rate) {
    expression.kind_ = ScheduleExpression::Kind::kRate;
    if (absl::Status status =
            ParseRate(body, errors, &expression.rate_value_, &expression.rate_unit_);
        !status.ok()) {
      return status;
    }
    static constexpr int64_t kUnitMillis[] = {60'000, 3'600'000, 86'400'000};
    expression.rate_period_millis_ =
        expression.rate_value_ * kUnitMillis[static_cast<int>(expression.rate_unit_)];
    return expression;
  }

  expression.kind_ = ScheduleExpression::Kind::kCron;
  static constexpr std::string_view kSixFields =
      "6 fields (minutes hours day-of-month month day-of-week year)";
  if (body.empty()) return errors.Error(Cat("expected ", kSixFields));
  if (body.front() == ' ' || body.back() == ' ') {
    return errors.Error("unexpected space inside the parentheses");
  }
  // Fields are separated by one or more spaces.
  std::string_view fields[6];
  int count = 0;
  for (size_t pos = 0; pos < body.size();) {
    const size_t end = std::min(body.find(' ', pos), body.size());
    if (count < 6) fields[count] = body.substr(pos, end - pos);
    ++count;
    pos = body.find_first_not_of(' ', end);
    if (pos == std::string_view::npos) break;
  }
  if (count != 6) {
    return errors.Error(Cat("expected ", kSixFields, ", found ", count));
  }

  FieldBits bits[6];
  for (int i = 0; i < 6; ++i) {
    const FieldSpec& spec = kFieldSpecs[i];
    const std::string_view field = fields[i];
    if (spec.field == Field::kDayOfMonth) {
      if (field == "?") {
        expression.dom_mode_ = ScheduleExpression::DomMode::kAny;
        continue;
      }
      if (ContainsAnyOf(field, "?")) {
        return errors.FieldError(spec, field, "'?' must be the whole field");
      }
      if (ContainsAnyOf(field, "#")) {
        return errors.FieldError(spec, field, "'#' is only allowed in the day-of-week field");
      }
      const bool has_l = ContainsIgnoreCase(field, 'L');
      const bool has_w = ContainsIgnoreCase(field, 'W');
      if (has_l || has_w) {
        if (ContainsAnyOf(field, ",-/*")) {
          return errors.FieldError(
              spec, field,
              Cat("'", has_w ? "W" : "L",
                  "' cannot be combined with a list, range, step or '*'; use a single "
                  "form: L, LW or a day with W such as 15W"));
        }
        if (EqualsIgnoreCase(field, "L")) {
          expression.dom_mode_ = ScheduleExpression::DomMode::kLast;
          continue;
        }
        if (EqualsIgnoreCase(field, "LW")) {
          expression.dom_mode_ = ScheduleExpression::DomMode::kLastWeekday;
          continue;
        }
        std::string_view rest = field;
        if (has_w && !has_l && Upper(rest.back()) == 'W' && rest.size() > 1) {
          rest.remove_suffix(1);
          if (!std::all_of(rest.begin(), rest.end(), IsDigit)) {
            return errors.FieldError(spec, field, "W must follow a day number, as in 15W");
          }
          absl::StatusOr<int> value = ConsumeValue(&rest, spec, field, errors);
          if (!value.ok()) return value.status();
          expression.dom_mode_ = ScheduleExpression::DomMode::kNearestWeekday;
          expression.dom_day_ = static_cast<uint8_t>(*value);
          continue;
        }
        return errors.FieldError(
            spec, field,
            "L and W appear only as L (last day), LW (last weekday) or a day with W (15W)");
      }
      if (absl::Status status = ParseList(field, spec, errors, &bits[i]); !status.ok()) {
        return status;
      }
      expression.dom_mode_ = ScheduleExpression::DomMode::kSet;
      expression.dom_bits_ = ToMask<uint32_t>(bits[i], spec);
      continue;
    }
    if (spec.field == Field::kDayOfWeek) {
      if (field == "?") {
        expression.dow_mode_ = ScheduleExpression::DowMode::kAny;
        continue;
      }
      if (ContainsAnyOf(field, "?")) {
        return errors.FieldError(spec, field, "'?' must be the whole field");
      }
      const size_t hashes = std::count(field.begin(), field.end(), '#');
      if (hashes > 0) {
        if (hashes > 1 || ContainsAnyOf(field, ",")) {
          return errors.FieldError(spec, field,
                                   "only one '#' expression is allowed, with nothing else in "
                                   "the field");
        }
        std::string_view rest = field;
        absl::StatusOr<int> weekday = ConsumeValue(&rest, spec, field, errors);
        if (!weekday.ok()) return weekday.status();
        if (rest.empty() || rest.front() != '#') {
          return errors.FieldError(spec, field, "'#' must follow a single day, as in 6#3 or FRI#3");
        }
        rest.remove_prefix(1);
        const std::optional<int> occurrence = ConsumeNumber(&rest);
        if (!occurrence || !rest.empty()) {
          return errors.FieldError(spec, field,
                                   "'#' must be followed by a week number 1-5, as in 6#3");
        }
        if (*occurrence < 1 || *occurrence > 5) {
          return errors.FieldError(
              spec, field, Cat("week number ", *occurrence, " after '#' is out of range 1-5"));
        }
        expression.dow_mode_ = ScheduleExpression::DowMode::kNth;
        expression.dow_weekday_ = static_cast<uint8_t>(*weekday);
        expression.dow_occurrence_ = static_cast<uint8_t>(*occurrence);
        continue;
      }
      if (ContainsIgnoreCase(field, 'L')) {
        if (EqualsIgnoreCase(field, "L")) {
          // L alone is the last day of the week: every Saturday.
          expression.dow_mode_ = ScheduleExpression::DowMode::kSet;
          expression.dow_bits_ = uint8_t{1} << kSaturday;
          continue;
        }
        if (ContainsAnyOf(field, ",-/*")) {
          return errors.FieldError(spec, field,
                                   "'L' cannot be combined with a list, range, step or '*'; use "
                                   "a single day with L, as in 6L or FRIL");
        }
        std::string_view rest = field;
        absl::StatusOr<int> weekday = ConsumeValue(&rest, spec, field, errors);
        if (!weekday.ok()) return weekday.status();
        if (rest.size() != 1 || Upper(rest.front()) != 'L') {
          return errors.FieldError(spec, field, "L must follow a single day, as in 6L or FRIL");
        }
        expression.dow_mode_ = ScheduleExpression::DowMode::kLastOf;
        expression.dow_weekday_ = static_cast<uint8_t>(*weekday);
        continue;
      }
      if (absl::Status status = ParseList(field, spec, errors, &bits[i]); !status.ok()) {
        return status;
      }
      expression.dow_mode_ = ScheduleExpression::DowMode::kSet;
      expression.dow_bits_ = ToMask<uint8_t>(bits[i], spec);
      continue;
    }
    if (absl::Status status = CheckNoDayModifiers(field, spec, errors); !status.ok()) {
      return status;
    }
    if (absl::Status status = ParseList(field, spec, errors, &bits[i]); !status.ok()) {
      return status;
    }
  }

  const bool dom_any = expression.dom_mode_ == ScheduleExpression::DomMode::kAny;
  const bool dow_any = expression.dow_mode_ == ScheduleExpression::DowMode::kAny;
  if (!dom_any && !dow_any) {
    return errors.Error(
        "day-of-month and day-of-week cannot both be specified; use ? in one of them");
  }
  if (dom_any && dow_any) {
    return errors.Error(
        "day-of-month and day-of-week cannot both be ?; specify one of them (* for every day)");
  }
  expression.minute_bits_ = ToMask<uint64_t>(bits[0], kFieldSpecs[0]);
  expression.hour_bits_ = ToMask<uint32_t>(bits[1], kFieldSpecs[1]);
  expression.month_bits_ = ToMask<uint16_t>(bits[3], kFieldSpecs[3]);
  expression.year_bits_ = bits[5];
  return expression;
}

std::vector<int64_t> NextFireTimes(const ScheduleExpression& expression, int64_t after_millis,
                                   int count) {
  std::vector<int64_t> times;
  if (count <= 0) return times;
  times.reserve(std::min(count, 1024));
  int64_t cursor = after_millis;
  while (static_cast<int>(times.size()) < count) {
    const std::optional<int64_t> next = expression.NextFireAfter(cursor);
    if (!next) break;
    times.push_back(*next);
    cursor = *next;
  }
  return times;
}

}  // namespace serval::events
