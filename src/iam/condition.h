#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/pattern.h"

namespace serval::iam {

class KeyValues;
class RequestKeys;

// One entry of a statement's Condition block, compiled: an operator ("StringLike", with its
// optional ForAllValues:/ForAnyValue: prefix and IfExists suffix), one key and the values the
// policy gives it (OR'd). A statement's conditions are AND'd. Thread-compatible value; Holds is
// const.
class Condition {
 public:
  enum class Type { kString, kStringIgnoreCase, kStringLike, kNumeric, kDate, kBool, kBinary,
                    kIp, kArn, kNull };
  enum class Comparison { kEquals, kLessThan, kLessThanEquals, kGreaterThan, kGreaterThanEquals };
  enum class SetQualifier { kNone, kForAllValues, kForAnyValue };

  // `op` as written ("ForAnyValue:StringLikeIfExists"); `values` as strings (JSON numbers and
  // booleans already spelled as text). `variables`: the policy's Version allows ${...}.
  // InvalidArgument with AWS's MalformedPolicyDocument message for an operator this module does
  // not know or a value its operator cannot read (a date, a number, a CIDR).
  static absl::StatusOr<Condition> Compile(std::string_view op, std::string_view key,
                                           const std::vector<std::string>& values,
                                           bool variables);
  // Whether `op` names an operator this module knows.
  static bool KnownOperator(std::string_view op);

  bool Holds(const RequestKeys& keys) const;

  const std::string& key() const { return key_; }

 private:
  struct IpRange {
    std::array<uint8_t, 16> address{};  // IPv4 as IPv4-mapped IPv6
    int prefix_bits = 0;                // of the 128
  };

  // Whether one request value matches any of the policy's values under the operator's positive
  // form (StringNotLike's StringLike).
  bool ValueMatches(std::string_view value, const KeyValues& values,
                    const RequestKeys& keys) const;
  template <typename T>
  bool Compare(T have, T want) const;

  Type type_ = Type::kString;
  Comparison comparison_ = Comparison::kEquals;
  SetQualifier qualifier_ = SetQualifier::kNone;
  bool negated_ = false;
  bool if_exists_ = false;
  std::string key_;  // lower-case
  std::vector<Pattern> patterns_;  // kString, kStringIgnoreCase, kStringLike, kArn, kBool, kBinary
  std::vector<double> numbers_;    // kNumeric
  std::vector<int64_t> millis_;    // kDate
  std::vector<IpRange> ranges_;    // kIp
  bool null_absent_ = false;       // kNull: some value is "true" (the key may be absent)
  bool null_present_ = false;      // kNull: some value is "false" (the key may be present)
};

// Date values as IAM reads them: ISO 8601 ("2024-05-01", "2024-05-01T12:00:00Z", with fractions
// or offsets) or epoch seconds. False for anything else.
bool ParseConditionDate(std::string_view text, int64_t* millis);

}  // namespace serval::iam
