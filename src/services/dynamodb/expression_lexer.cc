#include "services/dynamodb/expression_lexer.h"

#include <fmt/format.h>

#include "absl/strings/ascii.h"
#include "services/dynamodb/expression_internal.h"

namespace serval::dynamodb {
namespace {

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

absl::Status SyntaxErrorAt(std::string_view token, std::string_view near,
                           std::string_view parameter) {
  return InvalidExpression(parameter,
                           fmt::format("Syntax error; token: \"{}\", near: \"{}\"", token, near));
}

// The one- and two-character operators.
bool Punctuation(std::string_view rest, Token::Type& type, size_t& length) {
  using T = Token::Type;
  length = 2;
  if (rest.starts_with("<>")) return type = T::kNe, true;
  if (rest.starts_with("<=")) return type = T::kLe, true;
  if (rest.starts_with(">=")) return type = T::kGe, true;
  length = 1;
  switch (rest[0]) {
    case '(':
      return type = T::kLeftParen, true;
    case ')':
      return type = T::kRightParen, true;
    case '[':
      return type = T::kLeftBracket, true;
    case ']':
      return type = T::kRightBracket, true;
    case ',':
      return type = T::kComma, true;
    case '.':
      return type = T::kDot, true;
    case '=':
      return type = T::kEq, true;
    case '<':
      return type = T::kLt, true;
    case '>':
      return type = T::kGt, true;
    case '+':
      return type = T::kPlus, true;
    case '-':
      return type = T::kMinus, true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view text, std::string_view parameter) {
  std::vector<Token> tokens;
  size_t i = 0;
  // A bad token at i: quoted with the token before it.
  auto fail = [&](std::string_view bad) {
    const size_t from = tokens.empty() ? i : tokens.back().offset;
    return SyntaxErrorAt(bad, text.substr(from, i + bad.size() - from), parameter);
  };
  while (i < text.size()) {
    const char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    Token token;
    token.offset = i;
    size_t length = 0;
    if (c == '#' || c == ':' || IsWordChar(c)) {
      size_t end = i + 1;
      while (end < text.size() && IsWordChar(text[end])) ++end;
      length = end - i;
      const std::string_view word = text.substr(i, length);
      bool all_digits = true;
      for (char w : word)
        all_digits = all_digits && absl::ascii_isdigit(static_cast<unsigned char>(w));
      if (c == '#') {
        token.type = Token::Type::kName;
      } else if (c == ':') {
        token.type = Token::Type::kValue;
      } else if (all_digits) {
        token.type = Token::Type::kNumber;
      } else if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        // A name may not start with a digit.
        return fail(word);
      } else {
        token.type = Token::Type::kIdentifier;
      }
      if (length == 1 && (c == '#' || c == ':')) {
        return fail(word);
      }
    } else if (!Punctuation(text.substr(i), token.type, length)) {
      // One UTF-8 character, whole, so that the message stays valid text.
      size_t end = i + 1;
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
      const std::string_view bad = text.substr(i, end - i);
      return fail(bad);
    }
    token.text = text.substr(i, length);
    tokens.push_back(token);
    i += length;
  }
  tokens.push_back(Token{Token::Type::kEnd, "<EOF>", text.size()});
  return tokens;
}

absl::Status SyntaxError(std::string_view text, const std::vector<Token>& tokens, size_t index,
                         std::string_view parameter) {
  const size_t from = index > 0 ? tokens[index - 1].offset : tokens[index].offset;
  size_t to = text.size();
  if (index + 1 < tokens.size() && tokens[index + 1].type != Token::Type::kEnd) {
    to = tokens[index + 1].offset + tokens[index + 1].text.size();
  } else if (tokens[index].type != Token::Type::kEnd) {
    to = tokens[index].offset + tokens[index].text.size();
  }
  return SyntaxErrorAt(tokens[index].text, text.substr(from, to - from), parameter);
}

}  // namespace serval::dynamodb
