#include "services/dynamodb/decimal.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"

namespace serval::dynamodb {
namespace {

// Strips leading and trailing zeros of `digits`, moving `exponent` for the trailing ones.
Decimal Normalized(bool negative, std::string digits, int exponent) {
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Decimal{};
  const size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int>(digits.size() - 1 - last);
  return Decimal{negative, digits.substr(first, last - first + 1), exponent};
}

// `digits` * 10^shift as a digit string.
std::string Shifted(const std::string& digits, int shift) {
  return digits + std::string(static_cast<size_t>(shift), '0');
}

// Compares two non-negative integers given as digit strings without leading zeros.
int CompareMagnitudes(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string AddDigits(const std::string& a, const std::string& b) {
  std::string sum;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int digit = carry;
    if (i < a.size()) digit += a[a.size() - 1 - i] - '0';
    if (i < b.size()) digit += b[b.size() - 1 - i] - '0';
    sum.push_back(static_cast<char>('0' + digit % 10));
    carry = digit / 10;
  }
  std::reverse(sum.begin(), sum.end());
  return sum;
}

// a - b for a >= b.
std::string SubtractDigits(const std::string& a, const std::string& b) {
  std::string difference;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int digit = a[a.size() - 1 - i] - '0' - borrow;
    if (i < b.size()) digit -= b[b.size() - 1 - i] - '0';
    borrow = digit < 0 ? 1 : 0;
    difference.push_back(static_cast<char>('0' + digit + 10 * borrow));
  }
  std::reverse(difference.begin(), difference.end());
  return difference;
}

}  // namespace

absl::StatusOr<Decimal> Decimal::Parse(std::string_view text) {
  const auto invalid = [] { return absl::InvalidArgumentError("not a number"); };
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;
  int exponent = 0;
  bool seen_digit = false;
  for (; i < text.size() && absl::ascii_isdigit(text[i]); ++i, seen_digit = true) {
    digits.push_back(text[i]);
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && absl::ascii_isdigit(text[i]); ++i, seen_digit = true) {
      digits.push_back(text[i]);
      --exponent;
    }
  }
  if (!seen_digit) return invalid();
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    int power = 0;
    std::string_view rest = text.substr(i + 1);
    if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), power);
    if (rest.empty() || rest.size() > 6 || error != std::errc() ||
        end != rest.data() + rest.size()) {
      return invalid();
    }
    exponent += power;
    i = text.size();
  }
  if (i != text.size()) return invalid();
  // Very long inputs are rejected later by the digit limit; exponents stay small enough here.
  return Normalized(negative, std::move(digits), exponent);
}

std::string Decimal::Format() const {
  if (IsZero()) return "0";
  std::string text = negative ? "-" : "";
  if (exponent >= 0) return text + Shifted(digits, exponent);
  const int point = static_cast<int>(digits.size()) + exponent;  // digits before the point
  if (point > 0) {
    return text + digits.substr(0, static_cast<size_t>(point)) + "." +
           digits.substr(static_cast<size_t>(point));
  }
  return text + "0." + std::string(static_cast<size_t>(-point), '0') + digits;
}

int Compare(const Decimal& a, const Decimal& b) {
  const int sign_a = a.IsZero() ? 0 : (a.negative ? -1 : 1);
  const int sign_b = b.IsZero() ? 0 : (b.negative ? -1 : 1);
  if (sign_a != sign_b || sign_a == 0) return sign_a < sign_b ? -1 : (sign_a == sign_b ? 0 : 1);
  int order;
  if (a.Magnitude() != b.Magnitude()) {
    order = a.Magnitude() < b.Magnitude() ? -1 : 1;
  } else {
    const int c = a.digits.compare(b.digits);  // same leading power: digit strings decide
    order = c < 0 ? -1 : (c == 0 ? 0 : 1);
  }
  return sign_a * order;
}

Decimal Add(const Decimal& a, const Decimal& b) {
  if (a.IsZero()) return b;
  if (b.IsZero()) return a;
  const int exponent = std::min(a.exponent, b.exponent);
  const std::string x = Shifted(a.digits, a.exponent - exponent);
  const std::string y = Shifted(b.digits, b.exponent - exponent);
  if (a.negative == b.negative) return Normalized(a.negative, AddDigits(x, y), exponent);
  const int order = CompareMagnitudes(x, y);
  if (order == 0) return Decimal{};
  return order > 0 ? Normalized(a.negative, SubtractDigits(x, y), exponent)
                   : Normalized(b.negative, SubtractDigits(y, x), exponent);
}

Decimal Negate(Decimal value) {
  if (!value.IsZero()) value.negative = !value.negative;
  return value;
}

}  // namespace serval::dynamodb
