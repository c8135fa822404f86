#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::dynamodb {

// A DynamoDB number held exactly: value = (negative ? -1 : 1) * digits * 10^exponent, where
// `digits` has no leading or trailing zeros (empty for zero). Thread-compatible value type.
struct Decimal {
  bool negative = false;
  std::string digits;  // '1'..'9' first and last
  int exponent = 0;

  bool IsZero() const { return digits.empty(); }
  // The power of ten of the leading digit: 1.5 -> 0, 150 -> 2, 0.015 -> -2.
  int Magnitude() const { return exponent + static_cast<int>(digits.size()) - 1; }

  // Any decimal text ("-1.5e3", "0012.50", ".5", "5.") or InvalidArgument.
  static absl::StatusOr<Decimal> Parse(std::string_view text);
  // Plain notation without an exponent, as DynamoDB returns numbers ("-1500", "0.015").
  std::string Format() const;
};

// Orders two decimals: <0, 0, >0.
int Compare(const Decimal& a, const Decimal& b);
// Exact sum (any size; the caller checks DynamoDB's limits).
Decimal Add(const Decimal& a, const Decimal& b);
Decimal Negate(Decimal value);

}  // namespace serval::dynamodb
