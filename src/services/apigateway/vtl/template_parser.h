#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/apigateway/vtl/ast.h"

namespace serval::apigateway::vtl {

// The recursive-descent parser behind ParseTemplate, reading characters directly (Velocity
// switches between text and expression syntax too often for a separate lexer to help).
// parse_template.cc holds the text and directive half, parse_expression.cc the expression and
// reference half. One instance parses one template. Thread-compatible.
class TemplateParser {
 public:
  // Parses source[begin, end); `source` is the whole template so that errors name true places.
  TemplateParser(std::string_view source, size_t begin, size_t end, int depth);

  // The whole range as a template body.
  absl::StatusOr<Block> ParseAll();

 private:
  enum class Terminator { kEof, kEnd, kElse, kElseIf };
  struct BlockResult {
    Block block;
    Terminator terminator = Terminator::kEof;
    size_t terminator_at = 0;
  };

  // --- parse_template.cc
  absl::StatusOr<BlockResult> ParseBlock();
  // At `#`: a comment, raw text, a directive (appended to `block`), or a literal `#`.
  // Sets *terminator when the directive ends the enclosing block.
  absl::Status ParseHash(Block& block, std::string& text, Terminator* terminator);
  absl::Status ParseDirective(std::string_view name, size_t hash_at, Block& block,
                              std::string& text, Terminator* terminator);
  // `indentation`: how many blanks end `text` before a #set that starts its line.
  absl::Status ParseSet(Block& block, std::string& text, size_t indentation);
  absl::Status ParseIf(Block& block, size_t hash_at);
  absl::Status ParseForeach(Block& block, size_t hash_at);
  absl::Status ParseDefine(Block& block, size_t hash_at);
  absl::StatusOr<BlockResult> ParseNestedBlock();
  // After a #foreach or #define header: its body up to #end, then `node` is added to `block`.
  absl::Status ParseBodyToEnd(Node& node, size_t hash_at, std::string_view missing_end,
                              Block& block);
  // At `\`: escapes of a following reference or directive, or literal backslashes.
  absl::Status ParseBackslashes(Block& block, std::string& text);
  // After a directive: drops the rest of the line when it is only blanks and a newline.
  void GobbleLineEnd();
  // Reads `#name` or `#{name}` at pos_ (just after `#`); "" when there is none.
  std::string ReadDirectiveName();

  // --- parse_expression.cc
  absl::StatusOr<ExprPtr> ParseExpression();
  absl::StatusOr<ExprPtr> ParseBinary(int level);
  absl::StatusOr<ExprPtr> ParseUnary();
  absl::StatusOr<ExprPtr> ParsePrimary();
  absl::StatusOr<ExprPtr> ParseNumber();
  absl::StatusOr<ExprPtr> ParseString();
  absl::StatusOr<ExprPtr> ParseListOrRange();
  absl::StatusOr<ExprPtr> ParseMap();
  // At `$`. In text, a `$` that starts no reference yields false; in an expression it is an
  // error. A reference in text ends before a `.` or `[` that does not continue it.
  absl::StatusOr<bool> ParseReference(Reference& out, bool in_text);
  absl::Status ParseAccessors(Reference& out, bool in_text);
  absl::Status ParseArguments(std::vector<ExprPtr>& args);
  // Reads the $variable of #foreach and #define.
  absl::StatusOr<std::string> ParseVariableName();
  // Matches an operator at pos_ and consumes it; word operators must stand alone.
  bool ConsumeOperator(std::string_view op);

  // --- shared helpers (parse_template.cc)
  bool AtEnd() const { return pos_ >= end_; }
  char Peek(size_t ahead = 0) const;
  bool LookingAt(std::string_view s) const;
  void SkipBlanks();  // spaces, tabs, newlines
  std::string_view ReadIdentifier();
  absl::Status Expect(char c, std::string_view what);
  absl::Status Error(size_t at, std::string_view message) const;
  absl::Status Enter();  // one nesting level deeper; an error beyond kMaxNesting
  void Leave() { --depth_; }

  std::string_view source_;
  size_t begin_;
  size_t pos_;
  size_t end_;
  int depth_;
};

// Velocity identifiers: a letter or `_`, then letters, digits, `_` and `-`.
bool IsIdentifierStart(char c);
bool IsIdentifierChar(char c);

}  // namespace serval::apigateway::vtl
