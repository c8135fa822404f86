// The text-and-directive half of TemplateParser (see template_parser.h).
//
// Whitespace follows Velocity 1.7 as API Gateway runs it, cross-checked with velocityjs: after
// any directive or comment, the rest of its line is dropped when it holds only blanks and a
// newline; a #set that is alone on its line also takes the blanks before it, so the whole line
// disappears. Other directives keep their indentation (Velocity 1.7 does; velocityjs too).

#include <utility>

#include "fmt/format.h"
#include "services/apigateway/vtl/parser.h"
#include "services/apigateway/vtl/template_parser.h"

namespace serval::apigateway::vtl {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

void FlushText(Block& block, std::string& text) {
  if (text.empty()) return;
  Node node;
  node.kind = Node::Kind::kText;
  node.text = std::move(text);
  text.clear();
  block.push_back(std::move(node));
}

// The directives a mapping template cannot use: they load files or define macros.
bool IsUnsupportedDirective(std::string_view name) {
  return name == "macro" || name == "parse" || name == "include" || name == "evaluate";
}

bool IsDirective(std::string_view name) {
  return name == "set" || name == "if" || name == "elseif" || name == "else" || name == "end" ||
         name == "foreach" || name == "define" || name == "break" || name == "stop" ||
         IsUnsupportedDirective(name);
}

}  // namespace

bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9') || c == '-'; }

absl::StatusOr<Block> ParseTemplate(std::string_view source) {
  return TemplateParser(source, 0, source.size(), 0).ParseAll();
}

TemplateParser::TemplateParser(std::string_view source, size_t begin, size_t end, int depth)
    : source_(source), begin_(begin), pos_(begin), end_(end), depth_(depth) {}

absl::StatusOr<Block> TemplateParser::ParseAll() {
  absl::StatusOr<BlockResult> result = ParseBlock();
  if (!result.ok()) return result.status();
  switch (result->terminator) {
    case Terminator::kEof:
      return std::move(result->block);
    case Terminator::kEnd:
      return Error(result->terminator_at, "#end without a block to close");
    case Terminator::kElse:
    case Terminator::kElseIf:
      return Error(result->terminator_at, "#else or #elseif outside #if");
  }
  return std::move(result->block);
}

absl::StatusOr<TemplateParser::BlockResult> TemplateParser::ParseBlock() {
  BlockResult result;
  std::string text;
  while (!AtEnd()) {
    char c = source_[pos_];
    if (c == '$') {
      Reference reference;
      absl::StatusOr<bool> found = ParseReference(reference, /*in_text=*/true);
      if (!found.ok()) return found.status();
      if (!*found) {
        text += '$';
        ++pos_;
        continue;
      }
      FlushText(result.block, text);
      Node node;
      node.kind = Node::Kind::kReference;
      node.reference = std::move(reference);
      result.block.push_back(std::move(node));
    } else if (c == '#') {
      Terminator terminator = Terminator::kEof;
      size_t hash_at = pos_;
      if (absl::Status s = ParseHash(result.block, text, &terminator); !s.ok()) return s;
      if (terminator != Terminator::kEof) {
        FlushText(result.block, text);
        result.terminator = terminator;
        result.terminator_at = hash_at;
        return result;
      }
    } else if (c == '\\') {
      if (absl::Status s = ParseBackslashes(result.block, text); !s.ok()) return s;
    } else {
      text += c;
      ++pos_;
    }
  }
  FlushText(result.block, text);
  return result;
}

absl::Status TemplateParser::ParseHash(Block& block, std::string& text, Terminator* terminator) {
  size_t hash_at = pos_;
  if (LookingAt("##")) {  // line comment, with its newline
    while (!AtEnd() && source_[pos_] != '\n') ++pos_;
    if (!AtEnd()) ++pos_;
    return absl::OkStatus();
  }
  if (LookingAt("#*")) {
    size_t close = source_.find("*#", pos_ + 2);
    if (close == std::string_view::npos || close + 2 > end_) {
      return Error(hash_at, "unterminated #* comment");
    }
    pos_ = close + 2;
    GobbleLineEnd();
    return absl::OkStatus();
  }
  if (LookingAt("#[[")) {  // unparsed content, emitted as is
    size_t close = source_.find("]]#", pos_ + 3);
    if (close == std::string_view::npos || close + 3 > end_) {
      return Error(hash_at, "unterminated #[[ block");
    }
    text.append(source_.substr(pos_ + 3, close - pos_ - 3));
    pos_ = close + 3;
    return absl::OkStatus();
  }
  ++pos_;
  size_t name_at = pos_;
  std::string name = ReadDirectiveName();
  if (!IsDirective(name)) {  // not a directive: a literal '#'
    pos_ = name_at;
    text += '#';
    return absl::OkStatus();
  }
  return ParseDirective(name, hash_at, block, text, terminator);
}

std::string TemplateParser::ReadDirectiveName() {
  size_t start = pos_;
  bool braced = Peek() == '{';
  if (braced) ++pos_;
  std::string name(ReadIdentifier());
  if (braced) {
    if (Peek() != '}') {
      pos_ = start;
      return "";
    }
    ++pos_;
  }
  return name;
}

absl::Status TemplateParser::ParseDirective(std::string_view name, size_t hash_at, Block& block,
                                            std::string& text, Terminator* terminator) {
  if (IsUnsupportedDirective(name)) {
    return Error(hash_at, fmt::format("#{} is not supported in mapping templates", name));
  }
  if (name == "end" || name == "else") {
    *terminator = name == "end" ? Terminator::kEnd : Terminator::kElse;
    GobbleLineEnd();
    return absl::OkStatus();
  }
  if (name == "elseif") {  // its condition is read by ParseIf
    *terminator = Terminator::kElseIf;
    return absl::OkStatus();
  }
  if (name == "set") {
    // The blanks before a #set that starts its line (they are the end of `text`).
    size_t blanks = hash_at;
    while (blanks > begin_ && IsBlank(source_[blanks - 1])) --blanks;
    bool line_start = blanks == begin_ || source_[blanks - 1] == '\n';
    return ParseSet(block, text, line_start ? hash_at - blanks : 0);
  }
  FlushText(block, text);
  if (name == "break" || name == "stop") {
    Node node;
    node.kind = name == "break" ? Node::Kind::kBreak : Node::Kind::kStop;
    block.push_back(std::move(node));
    GobbleLineEnd();
    return absl::OkStatus();
  }
  if (name == "if") return ParseIf(block, hash_at);
  if (name == "foreach") return ParseForeach(block, hash_at);
  return ParseDefine(block, hash_at);
}

absl::Status TemplateParser::ParseSet(Block& block, std::string& text, size_t indentation) {
  SkipBlanks();
  if (absl::Status s = Expect('(', "'(' after #set"); !s.ok()) return s;
  SkipBlanks();
  Node node;
  node.kind = Node::Kind::kSet;
  if (Peek() != '$') return Error(pos_, "expected a $reference to assign in #set");
  size_t target_at = pos_;
  if (absl::StatusOr<bool> found = ParseReference(node.reference, /*in_text=*/false); !found.ok()) {
    return found.status();
  }
  for (const Accessor& accessor : node.reference.path) {
    if (accessor.kind == Accessor::Kind::kMethod) {
      return Error(target_at, "#set cannot assign to a method call");
    }
  }
  SkipBlanks();
  if (absl::Status s = Expect('=', "'=' in #set"); !s.ok()) return s;
  absl::StatusOr<ExprPtr> value = ParseExpression();
  if (!value.ok()) return value.status();
  node.value = *std::move(value);
  SkipBlanks();
  if (absl::Status s = Expect(')', "')' to close #set"); !s.ok()) return s;
  // Velocity 1.7: a #set alone on its line takes the line's indentation with it, but only when
  // the line also ends after it.
  size_t after = pos_;
  while (after < end_ && IsBlank(source_[after])) ++after;
  bool line_ends = after >= end_ || source_[after] == '\n' || source_[after] == '\r';
  if (line_ends) text.resize(text.size() - indentation);
  FlushText(block, text);
  block.push_back(std::move(node));
  GobbleLineEnd();
  return absl::OkStatus();
}

absl::StatusOr<TemplateParser::BlockResult> TemplateParser::ParseNestedBlock() {
  if (absl::Status s = Enter(); !s.ok()) return s;
  absl::StatusOr<BlockResult> result = ParseBlock();
  Leave();
  return result;
}

absl::Status TemplateParser::ParseIf(Block& block, size_t hash_at) {
  Node node;
  node.kind = Node::Kind::kIf;
  bool has_condition = true;
  while (true) {
    Node::Branch branch;
    if (has_condition) {
      SkipBlanks();
      if (absl::Status s = Expect('(', "'(' after #if"); !s.ok()) return s;
      absl::StatusOr<ExprPtr> condition = ParseExpression();
      if (!condition.ok()) return condition.status();
      branch.condition = *std::move(condition);
      SkipBlanks();
      if (absl::Status s = Expect(')', "')' to close the #if condition"); !s.ok()) return s;
      GobbleLineEnd();
    }
    absl::StatusOr<BlockResult> body = ParseNestedBlock();
    if (!body.ok()) return body.status();
    branch.body = std::move(body->block);
    node.branches.push_back(std::move(branch));
    if (body->terminator == Terminator::kEnd) break;
    if (body->terminator == Terminator::kEof) return Error(hash_at, "#if without #end");
    if (!has_condition) return Error(body->terminator_at, "#else or #elseif after #else");
    has_condition = body->terminator == Terminator::kElseIf;
  }
  block.push_back(std::move(node));
  return absl::OkStatus();
}

absl::Status TemplateParser::ParseForeach(Block& block, size_t hash_at) {
  Node node;
  node.kind = Node::Kind::kForeach;
  SkipBlanks();
  if (absl::Status s = Expect('(', "'(' after #foreach"); !s.ok()) return s;
  absl::StatusOr<std::string> variable = ParseVariableName();
  if (!variable.ok()) return variable.status();
  node.variable = *std::move(variable);
  SkipBlanks();
  if (ReadIdentifier() != "in") return Error(pos_, "expected 'in' in #foreach");
  absl::StatusOr<ExprPtr> value = ParseExpression();
  if (!value.ok()) return value.status();
  node.value = *std::move(value);
  SkipBlanks();
  if (absl::Status s = Expect(')', "')' to close #foreach"); !s.ok()) return s;
  return ParseBodyToEnd(node, hash_at, "#foreach without #end", block);
}

absl::Status TemplateParser::ParseDefine(Block& block, size_t hash_at) {
  Node node;
  node.kind = Node::Kind::kDefine;
  SkipBlanks();
  if (absl::Status s = Expect('(', "'(' after #define"); !s.ok()) return s;
  absl::StatusOr<std::string> variable = ParseVariableName();
  if (!variable.ok()) return variable.status();
  node.variable = *std::move(variable);
  SkipBlanks();
  if (absl::Status s = Expect(')', "')' to close #define"); !s.ok()) return s;
  return ParseBodyToEnd(node, hash_at, "#define without #end", block);
}

absl::Status TemplateParser::ParseBodyToEnd(Node& node, size_t hash_at,
                                            std::string_view missing_end, Block& block) {
  GobbleLineEnd();
  absl::StatusOr<BlockResult> body = ParseNestedBlock();
  if (!body.ok()) return body.status();
  if (body->terminator != Terminator::kEnd) {
    return Error(body->terminator == Terminator::kEof ? hash_at : body->terminator_at, missing_end);
  }
  node.body = std::move(body->block);
  block.push_back(std::move(node));
  return absl::OkStatus();
}

// Velocity's escaping: before a reference, `\\` is one backslash and a last odd `\` makes the
// reference literal; which of those applies depends on whether the reference has a value, so
// the evaluator decides (Reference::backslashes). Before a directive the same pairing applies
// here. Backslashes before anything else are plain text.
absl::Status TemplateParser::ParseBackslashes(Block& block, std::string& text) {
  size_t start = pos_;
  while (!AtEnd() && source_[pos_] == '\\') ++pos_;
  size_t count = pos_ - start;
  if (Peek() == '$') {
    size_t dollar = pos_;
    Reference reference;
    absl::StatusOr<bool> found = ParseReference(reference, /*in_text=*/true);
    if (!found.ok()) return found.status();
    if (*found) {
      FlushText(block, text);
      reference.backslashes = static_cast<int>(count);
      Node node;
      node.kind = Node::Kind::kReference;
      node.reference = std::move(reference);
      block.push_back(std::move(node));
      return absl::OkStatus();
    }
    pos_ = dollar;
  } else if (Peek() == '#') {
    size_t hash = pos_;
    ++pos_;
    std::string name = ReadDirectiveName();
    pos_ = hash;
    if (IsDirective(name)) {
      text.append(count / 2, '\\');
      if (count % 2 == 1) {  // an escaped directive is text, up to its name
        text += '#';
        ++pos_;
      }
      return absl::OkStatus();
    }
  }
  text.append(count, '\\');
  return absl::OkStatus();
}

void TemplateParser::GobbleLineEnd() {
  size_t at = pos_;
  while (at < end_ && IsBlank(source_[at])) ++at;
  if (at < end_ && source_[at] == '\n') {
    pos_ = at + 1;
  } else if (at + 1 < end_ && source_[at] == '\r' && source_[at + 1] == '\n') {
    pos_ = at + 2;
  }
}

char TemplateParser::Peek(size_t ahead) const {
  return pos_ + ahead < end_ ? source_[pos_ + ahead] : '\0';
}

bool TemplateParser::LookingAt(std::string_view s) const {
  return end_ - pos_ >= s.size() && source_.substr(pos_, s.size()) == s;
}

void TemplateParser::SkipBlanks() {
  while (!AtEnd() && (IsBlank(source_[pos_]) || source_[pos_] == '\n' || source_[pos_] == '\r')) {
    ++pos_;
  }
}

std::string_view TemplateParser::ReadIdentifier() {
  size_t start = pos_;
  if (AtEnd() || !IsIdentifierStart(source_[pos_])) return {};
  while (!AtEnd() && IsIdentifierChar(source_[pos_])) ++pos_;
  return source_.substr(start, pos_ - start);
}

absl::Status TemplateParser::Expect(char c, std::string_view what) {
  if (Peek() != c) return Error(pos_, fmt::format("expected {}", what));
  ++pos_;
  return absl::OkStatus();
}

absl::Status TemplateParser::Error(size_t at, std::string_view message) const {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at && i < source_.size(); ++i) {
    if (source_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return absl::InvalidArgumentError(
      fmt::format("template syntax error at {}:{}: {}", line, at - line_start + 1, message));
}

absl::Status TemplateParser::Enter() {
  if (++depth_ > kMaxNesting) {
    return Error(pos_, fmt::format("nesting deeper than {} levels", kMaxNesting));
  }
  return absl::OkStatus();
}

}  // namespace serval::apigateway::vtl
