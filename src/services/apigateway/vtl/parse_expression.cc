// The expression-and-reference half of TemplateParser (see template_parser.h).

#include <array>
#include <charconv>
#include <string>
#include <utility>

#include "services/apigateway/vtl/template_parser.h"

namespace serval::apigateway::vtl {
namespace {

struct OperatorSpelling {
  std::string_view spelling;
  Expr::Op op;
};

// Binary operators by precedence level, loosest first; longer spellings before their prefixes.
constexpr int kBinaryLevels = 6;
const std::array<std::vector<OperatorSpelling>, kBinaryLevels>& BinaryOperators() {
  static const auto* levels = new std::array<std::vector<OperatorSpelling>, kBinaryLevels>{{
      {{"||", Expr::Op::kOr}, {"or", Expr::Op::kOr}},
      {{"&&", Expr::Op::kAnd}, {"and", Expr::Op::kAnd}},
      {{"==", Expr::Op::kEq}, {"!=", Expr::Op::kNe}, {"eq", Expr::Op::kEq}, {"ne", Expr::Op::kNe}},
      {{"<=", Expr::Op::kLe},
       {">=", Expr::Op::kGe},
       {"<", Expr::Op::kLt},
       {">", Expr::Op::kGt},
       {"le", Expr::Op::kLe},
       {"ge", Expr::Op::kGe},
       {"lt", Expr::Op::kLt},
       {"gt", Expr::Op::kGt}},
      {{"+", Expr::Op::kAdd}, {"-", Expr::Op::kSub}},
      {{"*", Expr::Op::kMul}, {"/", Expr::Op::kDiv}, {"%", Expr::Op::kMod}},
  }};
  return *levels;
}

ExprPtr MakeExpr(Expr::Kind kind) {
  auto expr = std::make_unique<Expr>();
  expr->kind = kind;
  return expr;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<ExprPtr> TemplateParser::ParseExpression() {
  if (absl::Status s = Enter(); !s.ok()) return s;
  absl::StatusOr<ExprPtr> expr = ParseBinary(0);
  Leave();
  return expr;
}

absl::StatusOr<ExprPtr> TemplateParser::ParseBinary(int level) {
  if (level == kBinaryLevels) return ParseUnary();
  absl::StatusOr<ExprPtr> left = ParseBinary(level + 1);
  if (!left.ok()) return left;
  while (true) {
    SkipBlanks();
    const OperatorSpelling* found = nullptr;
    for (const OperatorSpelling& candidate : BinaryOperators()[level]) {
      if (ConsumeOperator(candidate.spelling)) {
        found = &candidate;
        break;
      }
    }
    if (found == nullptr) return left;
    absl::StatusOr<ExprPtr> right = ParseBinary(level + 1);
    if (!right.ok()) return right;
    ExprPtr binary = MakeExpr(Expr::Kind::kBinary);
    binary->op = found->op;
    binary->operands.push_back(*std::move(left));
    binary->operands.push_back(*std::move(right));
    left = std::move(binary);
  }
}

bool TemplateParser::ConsumeOperator(std::string_view op) {
  if (!LookingAt(op)) return false;
  bool word = IsIdentifierStart(op[0]);
  if (word && IsIdentifierChar(Peek(op.size()))) return false;
  if (op == "<" || op == ">" || op == "!") {
    if (Peek(1) == '=') return false;
  }
  pos_ += op.size();
  return true;
}

absl::StatusOr<ExprPtr> TemplateParser::ParseUnary() {
  SkipBlanks();
  Expr::Kind kind;
  if (ConsumeOperator("!") || ConsumeOperator("not")) {
    kind = Expr::Kind::kNot;
  } else if (Peek() == '-') {
    ++pos_;
    kind = Expr::Kind::kNegate;
  } else {
    return ParsePrimary();
  }
  if (absl::Status s = Enter(); !s.ok()) return s;
  absl::StatusOr<ExprPtr> operand = ParseUnary();
  Leave();
  if (!operand.ok()) return operand;
  ExprPtr expr = MakeExpr(kind);
  expr->operands.push_back(*std::move(operand));
  return expr;
}

absl::StatusOr<ExprPtr> TemplateParser::ParsePrimary() {
  SkipBlanks();
  char c = Peek();
  if (c == '$') {
    ExprPtr expr = MakeExpr(Expr::Kind::kReference);
    if (absl::StatusOr<bool> found = ParseReference(expr->reference, false); !found.ok()) {
      return found.status();
    }
    return expr;
  }
  if (IsDigit(c)) return ParseNumber();
  if (c == '\'' || c == '"') return ParseString();
  if (c == '[') return ParseListOrRange();
  if (c == '{') return ParseMap();
  if (c == '(') {
    ++pos_;
    absl::StatusOr<ExprPtr> inner = ParseExpression();
    if (!inner.ok()) return inner;
    SkipBlanks();
    if (absl::Status s = Expect(')', "')'"); !s.ok()) return s;
    return inner;
  }
  size_t word_at = pos_;
  std::string_view word = ReadIdentifier();
  ExprPtr expr = MakeExpr(Expr::Kind::kLiteral);
  if (word == "true" || word == "false") {
    expr->literal = word == "true";
    return expr;
  }
  if (word == "null") return expr;
  return Error(word_at, "expected an expression");
}

absl::StatusOr<ExprPtr> TemplateParser::ParseNumber() {
  size_t start = pos_;
  while (IsDigit(Peek())) ++pos_;
  bool fraction = Peek() == '.' && IsDigit(Peek(1));
  if (fraction) {
    ++pos_;
    while (IsDigit(Peek())) ++pos_;
  }
  const char* first = source_.data() + start;
  const char* last = source_.data() + pos_;
  ExprPtr expr = MakeExpr(Expr::Kind::kLiteral);
  if (fraction) {
    double number = 0;
    std::from_chars(first, last, number);
    expr->literal = number;
    return expr;
  }
  int64_t number = 0;
  if (std::from_chars(first, last, number).ec != std::errc()) {
    return Error(start, "integer literal out of range");
  }
  expr->literal = number;
  return expr;
}

// 'single' strings are literal; "double" strings are templates rendered when evaluated. Inside
// either, the quote doubled stands for itself (Velocity 1.7); in a double-quoted string a
// backslash keeps the next character from ending it, and both stay in the text.
absl::StatusOr<ExprPtr> TemplateParser::ParseString() {
  char quote = source_[pos_];
  size_t open = pos_++;
  size_t content_begin = pos_;
  std::string content;
  bool doubled = false;
  while (true) {
    if (AtEnd()) return Error(open, "unterminated string literal");
    char c = source_[pos_];
    if (c == quote && Peek(1) == quote) {
      content += quote;
      doubled = true;
      pos_ += 2;
    } else if (c == quote) {
      break;
    } else if (c == '\\' && quote == '"' && pos_ + 1 < end_) {
      content.append(source_.substr(pos_, 2));
      pos_ += 2;
    } else {
      content += c;
      ++pos_;
    }
  }
  size_t content_end = pos_++;
  bool interpolated = quote == '"' && content.find_first_of("$#") != std::string::npos;
  if (!interpolated) {
    ExprPtr expr = MakeExpr(Expr::Kind::kLiteral);
    expr->literal = content;
    return expr;
  }
  // Errors inside a string with doubled quotes name places in its unquoted text.
  absl::StatusOr<Block> parts =
      doubled ? TemplateParser(content, 0, content.size(), depth_ + 1).ParseAll()
              : TemplateParser(source_, content_begin, content_end, depth_ + 1).ParseAll();
  if (!parts.ok()) return parts.status();
  ExprPtr expr = MakeExpr(Expr::Kind::kString);
  expr->parts = std::make_unique<Block>(*std::move(parts));
  return expr;
}

absl::StatusOr<ExprPtr> TemplateParser::ParseListOrRange() {
  ++pos_;  // '['
  ExprPtr list = MakeExpr(Expr::Kind::kList);
  SkipBlanks();
  if (Peek() == ']') {
    ++pos_;
    return list;
  }
  while (true) {
    absl::StatusOr<ExprPtr> item = ParseExpression();
    if (!item.ok()) return item;
    list->operands.push_back(*std::move(item));
    SkipBlanks();
    if (list->operands.size() == 1 && LookingAt("..")) {
      pos_ += 2;
      absl::StatusOr<ExprPtr> last = ParseExpression();
      if (!last.ok()) return last;
      list->kind = Expr::Kind::kRange;
      list->operands.push_back(*std::move(last));
      SkipBlanks();
      if (absl::Status s = Expect(']', "']' to close the range"); !s.ok()) return s;
      return list;
    }
    if (Peek() == ']') {
      ++pos_;
      return list;
    }
    if (absl::Status s = Expect(',', "',' or ']' in the list"); !s.ok()) return s;
  }
}

absl::StatusOr<ExprPtr> TemplateParser::ParseMap() {
  ++pos_;  // '{'
  ExprPtr map = MakeExpr(Expr::Kind::kMap);
  SkipBlanks();
  if (Peek() == '}') {
    ++pos_;
    return map;
  }
  while (true) {
    absl::StatusOr<ExprPtr> key = ParseExpression();
    if (!key.ok()) return key;
    SkipBlanks();
    if (absl::Status s = Expect(':', "':' after the map key"); !s.ok()) return s;
    absl::StatusOr<ExprPtr> value = ParseExpression();
    if (!value.ok()) return value;
    map->operands.push_back(*std::move(key));
    map->operands.push_back(*std::move(value));
    SkipBlanks();
    if (Peek() == '}') {
      ++pos_;
      return map;
    }
    if (absl::Status s = Expect(',', "',' or '}' in the map"); !s.ok()) return s;
  }
}

absl::StatusOr<bool> TemplateParser::ParseReference(Reference& out, bool in_text) {
  size_t start = pos_;
  ++pos_;  // '$'
  out.quiet = Peek() == '!';
  if (out.quiet) ++pos_;
  bool braced = Peek() == '{';
  if (braced) ++pos_;
  std::string_view name = ReadIdentifier();
  if (name.empty()) {
    if (in_text) {
      pos_ = start;
      return false;
    }
    return Error(start, "expected a variable name after '$'");
  }
  out.name = std::string(name);
  if (absl::Status s = ParseAccessors(out, in_text); !s.ok()) return s;
  if (braced) {
    SkipBlanks();
    if (absl::Status s = Expect('}', "'}' to close ${"); !s.ok()) return s;
  }
  out.text = std::string(source_.substr(start, pos_ - start));
  return true;
}

absl::Status TemplateParser::ParseAccessors(Reference& out, bool in_text) {
  while (true) {
    size_t before = pos_;
    if (Peek() == '.' && IsIdentifierStart(Peek(1))) {
      ++pos_;
      Accessor accessor;
      accessor.name = std::string(ReadIdentifier());
      size_t after_name = pos_;
      if (Peek() == '(') {
        ++pos_;
        accessor.kind = Accessor::Kind::kMethod;
        if (absl::Status s = ParseArguments(accessor.args); !s.ok()) {
          if (!in_text) return s;
          // In text, `$a.b(` that is no call leaves `(` as text (velocityjs agrees).
          pos_ = after_name;
          accessor.kind = Accessor::Kind::kProperty;
          accessor.args.clear();
          out.path.push_back(std::move(accessor));
          return absl::OkStatus();
        }
      }
      out.path.push_back(std::move(accessor));
    } else if (Peek() == '[') {
      ++pos_;
      Accessor accessor;
      accessor.kind = Accessor::Kind::kIndex;
      absl::StatusOr<ExprPtr> index = ParseExpression();
      absl::Status closed =
          index.ok() ? (SkipBlanks(), Expect(']', "']' after the index")) : index.status();
      if (!closed.ok()) {
        if (!in_text) return closed;
        pos_ = before;  // `$a[text]` in text: the reference ends before '['
        return absl::OkStatus();
      }
      accessor.args.push_back(*std::move(index));
      out.path.push_back(std::move(accessor));
    } else {
      return absl::OkStatus();
    }
  }
}

absl::Status TemplateParser::ParseArguments(std::vector<ExprPtr>& args) {
  SkipBlanks();
  if (Peek() == ')') {
    ++pos_;
    return absl::OkStatus();
  }
  while (true) {
    absl::StatusOr<ExprPtr> arg = ParseExpression();
    if (!arg.ok()) return arg.status();
    args.push_back(*std::move(arg));
    SkipBlanks();
    if (Peek() == ')') {
      ++pos_;
      return absl::OkStatus();
    }
    if (absl::Status s = Expect(',', "',' or ')' in the argument list"); !s.ok()) return s;
  }
}

absl::StatusOr<std::string> TemplateParser::ParseVariableName() {
  SkipBlanks();
  if (absl::Status s = Expect('$', "a $variable"); !s.ok()) return s;
  std::string_view name = ReadIdentifier();
  if (name.empty()) return Error(pos_, "expected a variable name after '$'");
  return std::string(name);
}

}  // namespace serval::apigateway::vtl
