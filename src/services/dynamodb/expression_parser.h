#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/expression_lexer.h"

namespace serval::dynamodb {

// Expressions are at most this long (bytes), and placeholders at most kMaxPlaceholderBytes.
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxPlaceholderBytes = 255;
// At most this many values on the right of IN, and this many steps in a document path.
inline constexpr size_t kMaxInOperands = 100;
inline constexpr size_t kMaxPathDepth = 32;
// Parentheses, NOT and function calls nest at most this deep, which bounds the parser's and the
// evaluator's recursion on hostile input.
inline constexpr int kMaxNesting = 200;

// A recursive-descent parser for one expression text; each Parse* reads the whole text once.
// Placeholders resolve through `substitutions`, which records the ones used. Errors are
// ValidationException with AWS's messages, naming `parameter` ("ConditionExpression").
// Thread-compatible; one per expression.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, std::string_view parameter, Substitutions& substitutions);

  absl::StatusOr<Condition::Node> ParseCondition();
  absl::StatusOr<Update::Actions> ParseUpdate();
  absl::StatusOr<std::vector<DocumentPath>> ParseProjection();

 private:
  // Empty and size checks, then tokens_.
  absl::Status Start();

  absl::Status ParseOr(Condition::Node& out);
  absl::Status ParseAnd(Condition::Node& out);
  absl::Status ParseNot(Condition::Node& out);
  absl::Status ParsePrimary(Condition::Node& out);
  absl::Status ParseFunctionCondition(std::string_view name, Condition::Node& out);
  absl::Status ParseComparisonTail(Operand left, Condition::Node& out);
  // path | :value | size(path)
  absl::Status ParseConditionOperand(Operand& out);

  absl::Status ParseSetAction(Update::Actions& actions);
  // operand [+|- operand]
  absl::Status ParseSetValue(Operand& out);
  // path | :value | if_not_exists(path, value) | list_append(value, value)
  absl::Status ParseSetOperand(Operand& out);
  absl::Status ParseValuePlaceholder(boost::json::value& out);

  absl::Status ParsePath(DocumentPath& out);
  absl::Status ParseValue(Operand& out);
  // The operands of a function call after its name: ( operand {, operand} ).
  // SET operands in an update, condition operands otherwise.
  absl::Status ParseArguments(bool update, std::vector<Operand>& out);

  const Token& Peek(size_t ahead = 0) const;
  bool IsKeyword(const Token& token, std::string_view keyword) const;
  bool Accept(Token::Type type);
  absl::Status Expect(Token::Type type);
  absl::Status SyntaxErrorHere() const;
  absl::Status Fail(std::string_view detail) const;
  absl::Status Enter();

  std::string_view text_;
  std::string_view parameter_;
  Substitutions::Maps& maps_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int depth_ = 0;
};

}  // namespace serval::dynamodb
