// Parsing a filter pattern into a FilterPatternNode. The form is told by the first character:
// `{` a JSON pattern, `[` a space-delimited one, anything else a list of terms.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "services/logs/filter_pattern.h"
#include "services/logs/filter_pattern_internal.h"

namespace serval::logs {
namespace {

// AWS's quota of regular expressions in one filter pattern.
constexpr int kMaxRegexes = 2;

// Errors whose text AWS has not been seen to send start with this.
absl::Status Invalid(std::string_view detail) {
  return absl::InvalidArgumentError(fmt::format("Invalid filter pattern: {}", detail));
}

// AWS's message for a term (bare word or %regex%) with characters it refuses.
absl::Status InvalidTerm(std::string_view term) {
  return absl::InvalidArgumentError(fmt::format("Invalid character(s) in term '{}'", term));
}

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// What a bare term may hold; other characters need quotes. Bytes of multibyte UTF-8 characters
// count as letters.
bool IsTermChar(char c) { return IsWordChar(c) || static_cast<unsigned char>(c) >= 0x80; }

// JSON property names: `$.request-id`, `$.@timestamp`.
bool IsMemberChar(char c) { return IsTermChar(c) || c == '-' || c == '@'; }

// AWS's regex subset: alphanumerics, the symbols `:_#=@/;,-` and the operators `^$?[]{}|\*+.`;
// no parentheses and no multibyte characters. Spaces are accepted too (AWS's CDK documents
// `%bind: address already in use%`).
bool IsRegexChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view(":_#=@/;,- ^$?[]{}|\\*+.").find(c) != std::string_view::npos;
}

bool IsRelational(Relation relation) {
  return relation == Relation::kLess || relation == Relation::kLessEqual ||
         relation == Relation::kGreater || relation == Relation::kGreaterEqual;
}

// A hand-written recursive-descent parser over the pattern text (already trimmed).
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<FilterPatternNode> Terms();
  absl::StatusOr<FilterPatternNode> Json();
  absl::StatusOr<FilterPatternNode> Delimited();

  int regexes() const { return regexes_; }

 private:
  enum class Dialect { kJson, kDelimited };

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool LookingAt(std::string_view token) const { return text_.substr(pos_).starts_with(token); }
  bool Consume(std::string_view token) {
    if (!LookingAt(token)) return false;
    pos_ += token.size();
    return true;
  }
  void SkipSpace() {
    while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
  }
  std::string_view ReadWhile(bool (*accept)(char)) {
    const size_t start = pos_;
    while (!AtEnd() && accept(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // The text from the cursor, for error messages.
  std::string_view Here() const { return AtEnd() ? "end of pattern" : text_.substr(pos_); }

  absl::StatusOr<std::string> Quoted();
  absl::StatusOr<std::shared_ptr<const FilterRegex>> Regex();
  absl::StatusOr<bool> QuotedOrRegex(std::string& text, std::shared_ptr<const FilterRegex>& regex);
  absl::StatusOr<Expr> Disjunction(Dialect dialect);
  absl::StatusOr<Expr> Conjunction(Dialect dialect);
  absl::StatusOr<Expr> Chain(Dialect dialect, std::string_view token, Expr::Kind kind,
                             absl::StatusOr<Expr> (Parser::*operand)(Dialect));
  absl::StatusOr<Expr> Primary(Dialect dialect);
  absl::StatusOr<Condition> JsonCondition();
  absl::StatusOr<Condition> DelimitedCondition();
  absl::StatusOr<std::vector<SelectorStep>> Selector();
  absl::Status Comparison(Dialect dialect, Condition& condition);
  absl::StatusOr<Relation> Operator();
  absl::StatusOr<Operand> Value(Dialect dialect, Relation relation);

  std::string_view text_;
  size_t pos_ = 0;
  int regexes_ = 0;
  std::vector<Slot> slots_;  // the space-delimited fields read so far
};

// At a `"`: the phrase up to the closing quote, with `\"` and `\\` unescaped (the escaping AWS's
// CDK writes); any other backslash is literal.
absl::StatusOr<std::string> Parser::Quoted() {
  const size_t start = pos_++;
  std::string out;
  while (!AtEnd()) {
    const char c = text_[pos_++];
    if (c == '"') return out;
    if (c == '\\' && (Peek() == '"' || Peek() == '\\')) {
      out += text_[pos_++];
    } else {
      out += c;
    }
  }
  return Invalid(fmt::format("unterminated quoted string {}", text_.substr(start)));
}

// At a `%`: the regex up to the next `%`, checked against AWS's subset and compiled.
absl::StatusOr<std::shared_ptr<const FilterRegex>> Parser::Regex() {
  const size_t end = text_.find('%', pos_ + 1);
  if (end == std::string_view::npos) {
    return Invalid(fmt::format("unterminated regular expression {}", text_.substr(pos_)));
  }
  const std::string_view source = text_.substr(pos_ + 1, end - pos_ - 1);
  if (source.empty()) return Invalid("empty regular expression %%");
  for (char c : source) {
    if (!IsRegexChar(c)) return InvalidTerm(text_.substr(pos_, end + 1 - pos_));
  }
  pos_ = end + 1;
  ++regexes_;
  return FilterRegex::Compile(source);
}

// At a `"` or a `%`: reads the phrase into `text` or the regex into `regex` and returns true.
// Anywhere else returns false and reads nothing.
absl::StatusOr<bool> Parser::QuotedOrRegex(std::string& text,
                                           std::shared_ptr<const FilterRegex>& regex) {
  if (Peek() == '"') {
    auto quoted = Quoted();
    if (!quoted.ok()) return quoted.status();
    text = *std::move(quoted);
    return true;
  }
  if (Peek() == '%') {
    auto compiled = Regex();
    if (!compiled.ok()) return compiled.status();
    regex = *std::move(compiled);
    return true;
  }
  return false;
}

// Terms: `ERROR`, `"a phrase"`, `%regex%`, each maybe prefixed by `?` (starts an alternative
// group) or `-` (must be absent).
absl::StatusOr<FilterPatternNode> Parser::Terms() {
  FilterPatternNode node;
  node.kind = FilterPatternNode::Kind::kTerms;
  while (SkipSpace(), !AtEnd()) {
    const size_t start = pos_;
    const bool alternative = Consume("?");
    Term term;
    term.exclude = !alternative && Consume("-");
    auto read = QuotedOrRegex(term.text, term.regex);
    if (!read.ok()) return read.status();
    if (!*read) {
      term.text = std::string(ReadWhile(IsTermChar));
      if (term.text.empty() && (AtEnd() || IsBlank(Peek()))) {
        return Invalid(
            fmt::format("'{}' must be followed by a term", text_.substr(start, pos_ - start)));
      }
    }
    if (!AtEnd() && !IsBlank(Peek())) {
      while (!AtEnd() && !IsBlank(Peek())) ++pos_;
      return InvalidTerm(text_.substr(start, pos_ - start));
    }
    if (alternative || node.groups.empty()) node.groups.emplace_back();
    node.groups.back().push_back(std::move(term));
  }
  return node;
}

absl::StatusOr<FilterPatternNode> Parser::Json() {
  Consume("{");
  auto expr = Disjunction(Dialect::kJson);
  if (!expr.ok()) return expr.status();
  SkipSpace();
  if (!Consume("}")) return Invalid(fmt::format("expected '&&', '||' or '}}' at {}", Here()));
  SkipSpace();
  if (!AtEnd()) return Invalid(fmt::format("unexpected text after '}}': {}", Here()));
  FilterPatternNode node;
  node.kind = FilterPatternNode::Kind::kJson;
  node.json = *std::move(expr);
  return node;
}

// `[name, name = value && name != value, , ..., name > 5]`: one entry per field; the first name of
// an entry names the field, and its conditions may test it or any field named before it.
absl::StatusOr<FilterPatternNode> Parser::Delimited() {
  FilterPatternNode node;
  node.kind = FilterPatternNode::Kind::kDelimited;
  Consume("[");
  SkipSpace();
  bool done = Consume("]");
  while (!done) {
    SkipSpace();
    if (Consume("...")) {
      if (node.ellipsis) return Invalid("only one '...' is allowed in a space-delimited pattern");
      node.ellipsis = true;
      node.ellipsis_at = slots_.size();
    } else if (Peek() == ',' || Peek() == ']') {
      slots_.emplace_back();  // a field without a name
    } else {
      const size_t start = pos_;
      Slot slot;
      slot.name = std::string(ReadWhile(IsWordChar));
      if (slot.name.empty()) return Invalid(fmt::format("expected a field name at {}", Here()));
      for (const Slot& earlier : slots_) {
        if (earlier.name == slot.name) {
          return Invalid(fmt::format("field '{}' is named twice", slot.name));
        }
      }
      slots_.push_back(std::move(slot));
      SkipSpace();
      if (Peek() != ',' && Peek() != ']') {
        pos_ = start;  // the condition starts with the field's own name
        auto condition = Disjunction(Dialect::kDelimited);
        if (!condition.ok()) return condition.status();
        slots_.back().has_condition = true;
        slots_.back().condition = *std::move(condition);
      }
    }
    SkipSpace();
    done = Consume("]");
    if (!done && !Consume(",")) return Invalid(fmt::format("expected ',' or ']' at {}", Here()));
  }
  SkipSpace();
  if (!AtEnd()) return Invalid(fmt::format("unexpected text after ']': {}", Here()));
  node.slots = std::move(slots_);
  return node;
}

// `&&` binds tighter than `||`.
absl::StatusOr<Expr> Parser::Disjunction(Dialect dialect) {
  return Chain(dialect, "||", Expr::Kind::kOr, &Parser::Conjunction);
}

absl::StatusOr<Expr> Parser::Conjunction(Dialect dialect) {
  return Chain(dialect, "&&", Expr::Kind::kAnd, &Parser::Primary);
}

// `operand (token operand)*`: one Expr of `kind`, or the operand itself when there is no token.
absl::StatusOr<Expr> Parser::Chain(Dialect dialect, std::string_view token, Expr::Kind kind,
                                   absl::StatusOr<Expr> (Parser::*operand)(Dialect)) {
  auto first = (this->*operand)(dialect);
  if (!first.ok()) return first;
  SkipSpace();
  if (!LookingAt(token)) return first;
  Expr chain;
  chain.kind = kind;
  chain.operands.push_back(*std::move(first));
  while (SkipSpace(), Consume(token)) {
    auto next = (this->*operand)(dialect);
    if (!next.ok()) return next;
    chain.operands.push_back(*std::move(next));
  }
  return chain;
}

// A condition, or (JSON only) a parenthesized expression.
absl::StatusOr<Expr> Parser::Primary(Dialect dialect) {
  SkipSpace();
  if (dialect == Dialect::kJson && Consume("(")) {
    auto inner = Disjunction(dialect);
    if (!inner.ok()) return inner;
    SkipSpace();
    if (!Consume(")")) return Invalid(fmt::format("expected ')' at {}", Here()));
    return inner;
  }
  auto condition = dialect == Dialect::kJson ? JsonCondition() : DelimitedCondition();
  if (!condition.ok()) return condition.status();
  Expr leaf;
  leaf.condition = *std::move(condition);
  return leaf;
}

// `$.a.b[0] OP value`, `$.a IS TRUE|FALSE|NULL`, `$.a NOT EXISTS`.
absl::StatusOr<Condition> Parser::JsonCondition() {
  Condition condition;
  auto selector = Selector();
  if (!selector.ok()) return selector.status();
  condition.selector = *std::move(selector);
  SkipSpace();
  const std::string keyword = absl::AsciiStrToUpper(std::string(ReadWhile(IsWordChar)));
  if (keyword == "IS") {
    SkipSpace();
    const std::string what = absl::AsciiStrToUpper(std::string(ReadWhile(IsWordChar)));
    if (what == "TRUE") {
      condition.relation = Relation::kIsTrue;
    } else if (what == "FALSE") {
      condition.relation = Relation::kIsFalse;
    } else if (what == "NULL") {
      condition.relation = Relation::kIsNull;
    } else {
      return Invalid(fmt::format("expected TRUE, FALSE or NULL after IS at {}", Here()));
    }
    return condition;
  }
  if (keyword == "NOT") {
    SkipSpace();
    if (absl::AsciiStrToUpper(std::string(ReadWhile(IsWordChar))) != "EXISTS") {
      return Invalid(fmt::format("expected EXISTS after NOT at {}", Here()));
    }
    condition.relation = Relation::kNotExists;
    return condition;
  }
  if (!keyword.empty()) return Invalid(fmt::format("unexpected '{}' in a condition", keyword));
  const absl::Status compared = Comparison(Dialect::kJson, condition);
  if (!compared.ok()) return compared;
  return condition;
}

// `name OP value`, where name is this field or one named before it.
absl::StatusOr<Condition> Parser::DelimitedCondition() {
  Condition condition;
  const std::string_view name = ReadWhile(IsWordChar);
  if (name.empty()) return Invalid(fmt::format("expected a field name at {}", Here()));
  size_t slot = 0;
  while (slot < slots_.size() && slots_[slot].name != name) ++slot;
  if (slot == slots_.size()) {
    return Invalid(fmt::format("condition on '{}', which no field before it names", name));
  }
  condition.slot = slot;
  SkipSpace();
  const absl::Status compared = Comparison(Dialect::kDelimited, condition);
  if (!compared.ok()) return compared;
  return condition;
}

// `$` then `.name`, `['name']`, `[3]`, `[*]` or `.*`, at least one.
absl::StatusOr<std::vector<SelectorStep>> Parser::Selector() {
  SkipSpace();
  if (!Consume("$")) {
    return Invalid(fmt::format("expected a property selector starting with '$' at {}", Here()));
  }
  std::vector<SelectorStep> steps;
  while (true) {
    SelectorStep step;
    if (Consume(".*") || Consume("[*]")) {
      step.kind = SelectorStep::Kind::kEvery;
    } else if (Consume(".")) {
      step.member = std::string(ReadWhile(IsMemberChar));
      if (step.member.empty())
        return Invalid(fmt::format("expected a property name at {}", Here()));
    } else if (Consume("['")) {
      const size_t end = text_.find("']", pos_);
      if (end == std::string_view::npos) return Invalid("unterminated ['...'] in a selector");
      step.member = std::string(text_.substr(pos_, end - pos_));
      pos_ = end + 2;
    } else if (Consume("[")) {
      const std::string_view digits = ReadWhile([](char c) { return absl::ascii_isdigit(c); });
      step.kind = SelectorStep::Kind::kIndex;
      const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), step.index);
      if (digits.empty() || parsed.ec != std::errc() || !Consume("]")) {
        return Invalid(fmt::format("expected an array index, '*' or ']' at {}", Here()));
      }
    } else {
      break;
    }
    steps.push_back(std::move(step));
  }
  if (steps.empty()) return Invalid(fmt::format("expected '.' or '[' after '$' at {}", Here()));
  return steps;
}

// `OP value` into `condition`.
absl::Status Parser::Comparison(Dialect dialect, Condition& condition) {
  auto relation = Operator();
  if (!relation.ok()) return relation.status();
  condition.relation = *relation;
  auto operand = Value(dialect, condition.relation);
  if (!operand.ok()) return operand.status();
  condition.operand = *std::move(operand);
  return absl::OkStatus();
}

absl::StatusOr<Relation> Parser::Operator() {
  // Longest first: `!=` before `=`, `<=` before `<`.
  static constexpr std::pair<std::string_view, Relation> kOperators[] = {
      {"!=", Relation::kNotEqual}, {"<=", Relation::kLessEqual}, {">=", Relation::kGreaterEqual},
      {"=", Relation::kEqual},     {"<", Relation::kLess},       {">", Relation::kGreater},
  };
  for (const auto& entry : kOperators) {
    if (Consume(entry.first)) return entry.second;
  }
  return Invalid(fmt::format("expected a comparison operator at {}", Here()));
}

// `"quoted"` (text, even when it looks like a number), `%regex%`, or a bare word up to a space or
// the end of the condition: a number when the whole word is one, else text. Ordering relations
// take numbers only.
absl::StatusOr<Operand> Parser::Value(Dialect dialect, Relation relation) {
  SkipSpace();
  Operand operand;
  auto read = QuotedOrRegex(operand.text, operand.regex);
  if (!read.ok()) return read.status();
  if (operand.regex != nullptr) {
    operand.kind = Operand::Kind::kRegex;
  } else if (!*read) {
    const std::string_view stops = dialect == Dialect::kJson ? ")}" : ",]";
    const size_t start = pos_;
    while (!AtEnd() && !IsBlank(Peek()) && stops.find(Peek()) == std::string_view::npos &&
           !LookingAt("&&") && !LookingAt("||")) {
      ++pos_;
    }
    const std::string_view word = text_.substr(start, pos_ - start);
    if (word.empty()) return Invalid(fmt::format("expected a value at {}", Here()));
    const bool numeric_start = absl::ascii_isdigit(static_cast<unsigned char>(word[0])) ||
                               (word.size() > 1 && word[0] == '-');
    const auto parsed = std::from_chars(word.data(), word.data() + word.size(), operand.number);
    if (numeric_start && parsed.ec == std::errc() && parsed.ptr == word.data() + word.size()) {
      operand.kind = Operand::Kind::kNumber;
    } else {
      operand.text = std::string(word);
    }
  }
  if (IsRelational(relation) && operand.kind != Operand::Kind::kNumber) {
    return Invalid("'<', '<=', '>' and '>=' compare with a number");
  }
  return operand;
}

// The pattern that matches every message: empty, blank, `""` or `" "`.
bool MatchesAll(const FilterPatternNode& node) {
  if (node.groups.size() != 1 || node.groups[0].size() != 1) return false;
  const Term& term = node.groups[0][0];
  return !term.exclude && term.regex == nullptr &&
         std::all_of(term.text.begin(), term.text.end(), IsBlank);
}

}  // namespace

absl::StatusOr<FilterPattern> FilterPattern::Parse(std::string_view pattern) {
  const size_t first = pattern.find_first_not_of(" \t\n\r");
  const std::string_view text =
      first == std::string_view::npos
          ? std::string_view()
          : pattern.substr(first, pattern.find_last_not_of(" \t\n\r") + 1 - first);
  FilterPattern compiled;
  if (text.empty()) {
    compiled.root_ = std::make_shared<const FilterPatternNode>();
    return compiled;
  }
  Parser parser(text);
  absl::StatusOr<FilterPatternNode> node = text[0] == '{'   ? parser.Json()
                                           : text[0] == '[' ? parser.Delimited()
                                                            : parser.Terms();
  if (!node.ok()) return node.status();
  if (parser.regexes() > kMaxRegexes) {
    return Invalid(fmt::format("at most {} regular expressions are allowed", kMaxRegexes));
  }
  if (node->kind == FilterPatternNode::Kind::kTerms && MatchesAll(*node)) {
    node->kind = FilterPatternNode::Kind::kEverything;
    node->groups.clear();
  }
  compiled.root_ = std::make_shared<const FilterPatternNode>(*std::move(node));
  return compiled;
}

}  // namespace serval::logs
