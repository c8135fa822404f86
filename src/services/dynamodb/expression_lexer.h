#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// Splits a DynamoDB expression into tokens. Thread-safe (pure functions).
namespace serval::dynamodb {

struct Token {
  enum class Type {
    kIdentifier,  // attribute name or keyword: a letter or '_', then letters, digits, '_'
    kName,        // #placeholder
    kValue,       // :placeholder
    kNumber,      // digits (list indexes)
    kLeftParen,
    kRightParen,
    kLeftBracket,
    kRightBracket,
    kComma,
    kDot,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kPlus,
    kMinus,
    kEnd,
  };
  Type type = Type::kEnd;
  std::string_view text;  // points into the expression; "<EOF>" for kEnd
  size_t offset = 0;      // where the token starts in the expression
};

// The tokens of `text`, ending with one kEnd. Errors are ValidationException with AWS's syntax
// error message naming `parameter` ("Invalid ConditionExpression: Syntax error; token: ...").
absl::StatusOr<std::vector<Token>> Tokenize(std::string_view text, std::string_view parameter);

// AWS's syntax error for `tokens[index]`: the token, and the text from the token before it to
// the token after it.
absl::Status SyntaxError(std::string_view text, const std::vector<Token>& tokens, size_t index,
                         std::string_view parameter);

}  // namespace serval::dynamodb
