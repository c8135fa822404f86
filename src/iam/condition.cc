#include "iam/condition.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "absl/time/time.h"
#include "common/text.h"
#include "iam/policy.h"
#include "iam/request_keys.h"

namespace serval::iam {
namespace {

struct OperatorInfo {
  std::string_view name;
  Condition::Type type;
  Condition::Comparison comparison;
  bool negated;
};

using T = Condition::Type;
using C = Condition::Comparison;

// The operators of docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
constexpr OperatorInfo kOperators[] = {
    {"StringEquals", T::kString, C::kEquals, false},
    {"StringNotEquals", T::kString, C::kEquals, true},
    {"StringEqualsIgnoreCase", T::kStringIgnoreCase, C::kEquals, false},
    {"StringNotEqualsIgnoreCase", T::kStringIgnoreCase, C::kEquals, true},
    {"StringLike", T::kStringLike, C::kEquals, false},
    {"StringNotLike", T::kStringLike, C::kEquals, true},
    {"NumericEquals", T::kNumeric, C::kEquals, false},
    {"NumericNotEquals", T::kNumeric, C::kEquals, true},
    {"NumericLessThan", T::kNumeric, C::kLessThan, false},
    {"NumericLessThanEquals", T::kNumeric, C::kLessThanEquals, false},
    {"NumericGreaterThan", T::kNumeric, C::kGreaterThan, false},
    {"NumericGreaterThanEquals", T::kNumeric, C::kGreaterThanEquals, false},
    {"DateEquals", T::kDate, C::kEquals, false},
    {"DateNotEquals", T::kDate, C::kEquals, true},
    {"DateLessThan", T::kDate, C::kLessThan, false},
    {"DateLessThanEquals", T::kDate, C::kLessThanEquals, false},
    {"DateGreaterThan", T::kDate, C::kGreaterThan, false},
    {"DateGreaterThanEquals", T::kDate, C::kGreaterThanEquals, false},
    {"Bool", T::kBool, C::kEquals, false},
    {"BinaryEquals", T::kBinary, C::kEquals, false},
    {"IpAddress", T::kIp, C::kEquals, false},
    {"NotIpAddress", T::kIp, C::kEquals, true},
    {"ArnEquals", T::kArn, C::kEquals, false},
    {"ArnLike", T::kArn, C::kEquals, false},
    {"ArnNotEquals", T::kArn, C::kEquals, true},
    {"ArnNotLike", T::kArn, C::kEquals, true},
    {"Null", T::kNull, C::kEquals, false},
};

constexpr std::string_view kForAllValues = "ForAllValues:";
constexpr std::string_view kForAnyValue = "ForAnyValue:";
constexpr std::string_view kIfExists = "IfExists";

// `op` without its set qualifier and IfExists; null when the rest names no operator.
const OperatorInfo* FindOperator(std::string_view op, Condition::SetQualifier* qualifier,
                                 bool* if_exists) {
  *qualifier = Condition::SetQualifier::kNone;
  if (op.starts_with(kForAllValues)) {
    *qualifier = Condition::SetQualifier::kForAllValues;
    op.remove_prefix(kForAllValues.size());
  } else if (op.starts_with(kForAnyValue)) {
    *qualifier = Condition::SetQualifier::kForAnyValue;
    op.remove_prefix(kForAnyValue.size());
  }
  *if_exists = op.ends_with(kIfExists);
  if (*if_exists) op.remove_suffix(kIfExists.size());
  for (const OperatorInfo& info : kOperators) {
    if (info.name == op) return &info;
  }
  return nullptr;
}

// An IPv4 or IPv6 address, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one comparison serves
// both; `*v4` tells which it was.
bool ParseAddress(std::string_view text, std::array<uint8_t, 16>* address, bool* v4) {
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  address->fill(0);
  if (inet_pton(AF_INET, buffer, address->data() + 12) == 1) {
    (*address)[10] = 0xff;
    (*address)[11] = 0xff;
    *v4 = true;
    return true;
  }
  *v4 = false;
  return inet_pton(AF_INET6, buffer, address->data()) == 1;
}

bool InRange(const std::array<uint8_t, 16>& address, const std::array<uint8_t, 16>& network,
             int prefix_bits) {
  int bits = prefix_bits;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address[i] & mask) != (network[i] & mask)) return false;
  }
  return true;
}

bool ParseNumber(std::string_view text, double* number) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *number);
  return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

bool ParseConditionDate(std::string_view text, int64_t* millis) {
  if (text.empty()) return false;
  int64_t seconds = 0;
  if (ParseDecimal(text, &seconds)) {
    if (seconds < 0) return false;
    *millis = seconds * 1000;
    return true;
  }
  const std::string input(text);
  // RFC 3339 with a zone; then the same without one (UTC), then a bare date.
  static constexpr const char* kFormats[] = {"%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M:%E*S",
                                            "%Y-%m-%d%ET%H:%M%Ez", "%Y-%m-%d%ET%H:%M",
                                            "%Y-%m-%d"};
  for (const char* format : kFormats) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(format, input, absl::UTCTimeZone(), &time, &error)) {
      *millis = absl::ToUnixMillis(time);
      return true;
    }
  }
  return false;
}

bool Condition::KnownOperator(std::string_view op) {
  SetQualifier qualifier;
  bool if_exists;
  return FindOperator(op, &qualifier, &if_exists) != nullptr;
}

absl::StatusOr<Condition> Condition::Compile(std::string_view op, std::string_view key,
                                             const std::vector<std::string>& values,
                                             bool variables) {
  Condition condition;
  const OperatorInfo* info = FindOperator(op, &condition.qualifier_, &condition.if_exists_);
  if (info == nullptr) return absl::InvalidArgumentError(std::string(kSyntaxErrors));
  condition.type_ = info->type;
  condition.comparison_ = info->comparison;
  condition.negated_ = info->negated;
  condition.key_ = AsciiToLower(key);
  Pattern::Options options{.variables = variables};
  switch (info->type) {
    case Type::kStringIgnoreCase:
    case Type::kBool:
      options.ignore_case = true;
      options.variables = variables && info->type == Type::kStringIgnoreCase;
      break;
    case Type::kStringLike:
      options.wildcards = true;
      break;
    case Type::kArn:
      options.wildcards = true;
      options.arn_segments = true;
      break;
    case Type::kBinary:
      options.variables = false;
      break;
    default:
      break;
  }
  for (const std::string& value : values) {
    switch (info->type) {
      case Type::kNumeric: {
        double number = 0;
        if (!ParseNumber(value, &number)) {
          return absl::InvalidArgumentError(std::string(kSyntaxErrors));
        }
        condition.numbers_.push_back(number);
        break;
      }
      case Type::kDate: {
        int64_t millis = 0;
        if (!ParseConditionDate(value, &millis)) {
          return absl::InvalidArgumentError(std::string(kLegacyParsingFailed));
        }
        condition.millis_.push_back(millis);
        break;
      }
      case Type::kIp: {
        IpRange range;
        const size_t slash = value.find('/');
        bool v4 = false;
        if (!ParseAddress(std::string_view(value).substr(0, slash), &range.address, &v4)) {
          return absl::InvalidArgumentError(std::string(kSyntaxErrors));
        }
        int bits = v4 ? 32 : 128;
        if (slash != std::string::npos &&
            (!ParseDecimal(std::string_view(value).substr(slash + 1), &bits) || bits < 0 ||
             bits > (v4 ? 32 : 128))) {
          return absl::InvalidArgumentError(std::string(kSyntaxErrors));
        }
        range.prefix_bits = v4 ? bits + 96 : bits;
        condition.ranges_.push_back(range);
        break;
      }
      case Type::kNull:
        (EqualsIgnoreCase(value, "true") ? condition.null_absent_ : condition.null_present_) =
            true;
        break;
      default: {
        absl::StatusOr<Pattern> pattern = Pattern::Compile(value, options);
        if (!pattern.ok()) return absl::InvalidArgumentError(std::string(kSyntaxErrors));
        condition.patterns_.push_back(*std::move(pattern));
        break;
      }
    }
  }
  return condition;
}

template <typename V>
bool Condition::Compare(V have, V want) const {
  switch (comparison_) {
    case Comparison::kEquals:
      return have == want;
    case Comparison::kLessThan:
      return have < want;
    case Comparison::kLessThanEquals:
      return have <= want;
    case Comparison::kGreaterThan:
      return have > want;
    case Comparison::kGreaterThanEquals:
      return have >= want;
  }
  return false;
}

bool Condition::ValueMatches(std::string_view value, const KeyValues& values,
                             const RequestKeys& keys) const {
  switch (type_) {
    case Type::kNumeric: {
      double have = 0;
      if (!ParseNumber(value, &have)) return false;
      for (double want : numbers_) {
        if (Compare(have, want)) return true;
      }
      return false;
    }
    case Type::kDate: {
      int64_t have = values.time_millis();
      if (!values.has_time() && !ParseConditionDate(value, &have)) return false;
      for (int64_t want : millis_) {
        if (Compare(have, want)) return true;
      }
      return false;
    }
    case Type::kIp: {
      std::array<uint8_t, 16> address;
      bool v4 = false;
      if (!ParseAddress(value, &address, &v4)) return false;
      for (const IpRange& range : ranges_) {
        if (InRange(address, range.address, range.prefix_bits)) return true;
      }
      return false;
    }
    default:
      for (const Pattern& pattern : patterns_) {
        if (pattern.Matches(value, &keys)) return true;
      }
      return false;
  }
}

bool Condition::Holds(const RequestKeys& keys) const {
  const KeyValues values = keys.Find(key_);
  if (type_ == Type::kNull) return values.present() ? null_present_ : null_absent_;
  if (values.size() == 0) {
    // An absent key (or one with no values): IfExists passes it; ForAllValues holds for the empty
    // set and ForAnyValue does not; otherwise a positive operator fails and a negated one holds.
    if (if_exists_ && !values.present()) return true;
    if (qualifier_ == SetQualifier::kForAllValues) return true;
    if (qualifier_ == SetQualifier::kForAnyValue) return false;
    return negated_;
  }
  switch (qualifier_) {
    case SetQualifier::kForAllValues:
      for (size_t i = 0; i < values.size(); ++i) {
        if (ValueMatches(values[i], values, keys) == negated_) return false;
      }
      return true;
    case SetQualifier::kForAnyValue:
      for (size_t i = 0; i < values.size(); ++i) {
        if (ValueMatches(values[i], values, keys) != negated_) return true;
      }
      return false;
    case SetQualifier::kNone:
      break;
  }
  // A single-valued operator: some request value matches some policy value (a negated operator:
  // none does).
  for (size_t i = 0; i < values.size(); ++i) {
    if (ValueMatches(values[i], values, keys)) return !negated_;
  }
  return negated_;
}

}  // namespace serval::iam
