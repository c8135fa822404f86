#include "services/apigateway/vtl/operators.h"

#include <cmath>
#include <string>

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

json::value IntegerArithmetic(Expr::Op op, int64_t a, int64_t b) {
  int64_t result = 0;
  bool overflow = false;
  switch (op) {
    case Expr::Op::kAdd:
      overflow = __builtin_add_overflow(a, b, &result);
      break;
    case Expr::Op::kSub:
      overflow = __builtin_sub_overflow(a, b, &result);
      break;
    case Expr::Op::kMul:
      overflow = __builtin_mul_overflow(a, b, &result);
      break;
    case Expr::Op::kDiv:
    case Expr::Op::kMod:
      if (b == 0) return nullptr;
      if (a == INT64_MIN && b == -1)
        return op == Expr::Op::kDiv ? json::value(-static_cast<double>(a)) : json::value(0);
      return op == Expr::Op::kDiv ? a / b : a % b;
    default:
      return nullptr;
  }
  if (overflow) {
    double da = static_cast<double>(a);
    double db = static_cast<double>(b);
    return op == Expr::Op::kAdd ? da + db : op == Expr::Op::kSub ? da - db : da * db;
  }
  return result;
}

json::value DoubleArithmetic(Expr::Op op, double a, double b) {
  switch (op) {
    case Expr::Op::kAdd:
      return a + b;
    case Expr::Op::kSub:
      return a - b;
    case Expr::Op::kMul:
      return a * b;
    case Expr::Op::kDiv:
      if (b == 0) return nullptr;
      return a / b;
    case Expr::Op::kMod:
      if (b == 0) return nullptr;
      return std::fmod(a, b);
    default:
      return nullptr;
  }
}

}  // namespace

absl::StatusOr<json::value> ApplyBinary(Expr::Op op, const json::value& a, const json::value& b,
                                        ListStyle lists, size_t max_string_bytes) {
  switch (op) {
    case Expr::Op::kEq:
      return VelocityEquals(a, b);
    case Expr::Op::kNe:
      return !VelocityEquals(a, b);
    case Expr::Op::kLt:
    case Expr::Op::kLe:
    case Expr::Op::kGt:
    case Expr::Op::kGe: {
      std::optional<int> order = CompareNumbers(a, b);
      if (!order) return false;
      if (op == Expr::Op::kLt) return *order < 0;
      if (op == Expr::Op::kLe) return *order <= 0;
      if (op == Expr::Op::kGt) return *order > 0;
      return *order >= 0;
    }
    default:
      break;
  }
  if (a.is_null() || b.is_null()) return nullptr;
  if (op == Expr::Op::kAdd && (a.is_string() || b.is_string())) {
    std::string text = ToText(a, lists);
    AppendText(b, lists, text);
    if (text.size() > max_string_bytes) {
      return absl::ResourceExhaustedError("string concatenation result too large");
    }
    return json::string(text);
  }
  std::optional<int64_t> ia = AsInteger(a);
  std::optional<int64_t> ib = AsInteger(b);
  if (ia && ib) return IntegerArithmetic(op, *ia, *ib);
  std::optional<double> da = AsDouble(a);
  std::optional<double> db = AsDouble(b);
  if (da && db) return DoubleArithmetic(op, *da, *db);
  return nullptr;
}

json::value Negate(const json::value& a) {
  if (std::optional<int64_t> i = AsInteger(a); i && *i != INT64_MIN) return -*i;
  if (std::optional<double> d = AsDouble(a)) return -*d;
  return nullptr;
}

}  // namespace serval::apigateway::vtl
