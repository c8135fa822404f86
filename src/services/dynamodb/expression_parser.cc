#include "services/dynamodb/expression_parser.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "common/text.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/reserved_words.h"

namespace serval::dynamodb {

namespace json = boost::json;
using Node = Condition::Node;
using T = Token::Type;

namespace {

constexpr std::string_view kValidTypes = "{ B,BOOL,BS,L,M,N,NS,NULL,S,SS }";

// The long type names of "Incorrect operand type" messages.
std::string_view LongTypeName(std::string_view type) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kNames = {{
      {"S", "STRING"},
      {"N", "NUMBER"},
      {"B", "BINARY"},
      {"SS", "STRING_SET"},
      {"NS", "NUMBER_SET"},
      {"BS", "BINARY_SET"},
      {"M", "MAP"},
      {"L", "LIST"},
      {"NULL", "NULL"},
      {"BOOL", "BOOLEAN"},
  }};
  for (const auto& [key, name] : kNames) {
    if (key == type) return name;
  }
  return type;
}

bool IsScalarType(std::string_view type) { return type == "S" || type == "N" || type == "B"; }

// A comparator token's operator, or false.
bool ComparatorOf(T type, Comparator& out) {
  switch (type) {
    case T::kEq:
      return out = Comparator::kEq, true;
    case T::kNe:
      return out = Comparator::kNe, true;
    case T::kLt:
      return out = Comparator::kLt, true;
    case T::kLe:
      return out = Comparator::kLe, true;
    case T::kGt:
      return out = Comparator::kGt, true;
    case T::kGe:
      return out = Comparator::kGe, true;
    default:
      return false;
  }
}

std::string_view ComparatorText(Comparator comparator) {
  static constexpr std::array<std::string_view, 6> kTexts = {"=", "<>", "<", "<=", ">", ">="};
  return kTexts[static_cast<size_t>(comparator)];
}

// A value as AWS quotes it in BETWEEN's message: {N:5}.
std::string ValueForMessage(const json::value& value) {
  const json::value* payload = PayloadOf(value);
  const json::string* text = payload ? payload->if_string() : nullptr;
  return fmt::format("{{{}:{}}}", TypeKey(value), text ? std::string_view(*text) : "");
}

}  // namespace

// Counts one level of nesting for as long as it lives.
class NestingGuard {
 public:
  explicit NestingGuard(int& depth) : depth_(depth) { ++depth_; }
  ~NestingGuard() { --depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  int& depth_;
};

ExpressionParser::ExpressionParser(std::string_view text, std::string_view parameter,
                                   Substitutions& substitutions)
    : text_(text), parameter_(parameter), maps_(*substitutions.maps_) {}

absl::Status ExpressionParser::Start() {
  maps_.any_expression = true;
  if (text_.size() > kMaxExpressionBytes) {
    return Fail(
        fmt::format("Expression size has exceeded the maximum allowed size; "
                    "expression size: {}",
                    text_.size()));
  }
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text_, parameter_);
  if (!tokens.ok()) return tokens.status();
  tokens_ = *std::move(tokens);
  if (tokens_.size() == 1) return Fail("The expression can not be empty;");
  return absl::OkStatus();
}

// --- Helpers ---------------------------------------------------------------------------------

const Token& ExpressionParser::Peek(size_t ahead) const {
  return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
}

bool ExpressionParser::IsKeyword(const Token& token, std::string_view keyword) const {
  return token.type == T::kIdentifier && EqualsIgnoreCase(token.text, keyword);
}

bool ExpressionParser::Accept(T type) {
  if (Peek().type != type) return false;
  ++next_;
  return true;
}

absl::Status ExpressionParser::Expect(T type) {
  if (!Accept(type)) return SyntaxErrorHere();
  return absl::OkStatus();
}

absl::Status ExpressionParser::SyntaxErrorHere() const {
  return SyntaxError(text_, tokens_, std::min(next_, tokens_.size() - 1), parameter_);
}

absl::Status ExpressionParser::Fail(std::string_view detail) const {
  return InvalidExpression(parameter_, detail);
}

absl::Status ExpressionParser::Enter() {
  if (depth_ > kMaxNesting) {
    return Fail(
        fmt::format("The expression has exceeded the maximum nesting depth; depth: {}", depth_));
  }
  return absl::OkStatus();
}

// --- Paths and values ------------------------------------------------------------------------

absl::Status ExpressionParser::ParsePath(DocumentPath& out) {
  // The first step and each step after a dot is a name; brackets hold list indexes.
  bool want_name = true;
  while (true) {
    const Token& token = Peek();
    if (want_name) {
      PathElement element;
      if (token.type == T::kName) {
        if (token.text.size() > kMaxPlaceholderBytes) {
          return Fail(
              fmt::format("Expression attribute name placeholder exceeds the maximum "
                          "length; placeholder: {}",
                          token.text));
        }
        const auto it = maps_.names.find(token.text);
        if (it == maps_.names.end()) {
          return Fail(
              fmt::format("An expression attribute name used in the document path is "
                          "not defined; attribute name: {}",
                          token.text));
        }
        maps_.used_names.emplace(token.text);
        element.name = it->second;
      } else if (token.type == T::kIdentifier) {
        if (IsReservedWord(token.text)) {
          return Fail(fmt::format("Attribute name is a reserved keyword; reserved keyword: {}",
                                  token.text));
        }
        element.name = std::string(token.text);
      } else {
        return SyntaxErrorHere();
      }
      ++next_;
      out.push_back(std::move(element));
    } else {
      ++next_;  // the '['
      const Token& index = Peek();
      int value = -1;
      if (index.type != T::kNumber) return SyntaxErrorHere();
      const auto [end, error] =
          std::from_chars(index.text.data(), index.text.data() + index.text.size(), value);
      if (error != std::errc() || end != index.text.data() + index.text.size()) {
        return SyntaxErrorHere();
      }
      ++next_;
      if (absl::Status status = Expect(T::kRightBracket); !status.ok()) return status;
      out.push_back(PathElement{"", value});
    }
    if (out.size() > kMaxPathDepth) {
      return Fail(fmt::format("The document path has too many nesting levels; nesting levels: {}",
                              out.size()));
    }
    if (Accept(T::kDot)) {
      want_name = true;
    } else if (Peek().type == T::kLeftBracket) {
      want_name = false;
    } else {
      return absl::OkStatus();
    }
  }
}

absl::Status ExpressionParser::ParseValuePlaceholder(json::value& out) {
  const Token& token = Peek();
  if (token.type != T::kValue) return SyntaxErrorHere();
  if (token.text.size() > kMaxPlaceholderBytes) {
    return Fail(fmt::format(
        "Expression attribute value placeholder exceeds the maximum length; placeholder: {}",
        token.text));
  }
  const auto it = maps_.values.find(token.text);
  if (it == maps_.values.end()) {
    return Fail(fmt::format(
        "An expression attribute value used in expression is not defined; attribute value: {}",
        token.text));
  }
  maps_.used_values.emplace(token.text);
  out = it->second;
  ++next_;
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParseValue(Operand& out) {
  out.kind = Operand::Kind::kValue;
  return ParseValuePlaceholder(out.value);
}

absl::Status ExpressionParser::ParseArguments(bool update, std::vector<Operand>& out) {
  const NestingGuard guard(depth_);
  if (absl::Status status = Enter(); !status.ok()) return status;
  if (absl::Status status = Expect(T::kLeftParen); !status.ok()) return status;
  while (true) {
    Operand operand;
    absl::Status status = update ? ParseSetValue(operand) : ParseConditionOperand(operand);
    if (!status.ok()) return status;
    out.push_back(std::move(operand));
    if (Accept(T::kComma)) continue;
    if (absl::Status status = Expect(T::kRightParen); !status.ok()) return status;
    break;
  }
  return absl::OkStatus();
}

// --- Conditions ------------------------------------------------------------------------------

absl::StatusOr<Node> ExpressionParser::ParseCondition() {
  if (absl::Status status = Start(); !status.ok()) return status;
  Node root;
  if (absl::Status status = ParseOr(root); !status.ok()) return status;
  if (Peek().type != T::kEnd) return SyntaxErrorHere();
  return root;
}

absl::Status ExpressionParser::ParseOr(Node& out) {
  if (absl::Status status = ParseAnd(out); !status.ok()) return status;
  if (!IsKeyword(Peek(), "OR")) return absl::OkStatus();
  Node any;
  any.kind = Node::Kind::kOr;
  any.children.push_back(std::move(out));
  while (IsKeyword(Peek(), "OR")) {
    ++next_;
    Node child;
    if (absl::Status status = ParseAnd(child); !status.ok()) return status;
    any.children.push_back(std::move(child));
  }
  out = std::move(any);
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParseAnd(Node& out) {
  if (absl::Status status = ParseNot(out); !status.ok()) return status;
  if (!IsKeyword(Peek(), "AND")) return absl::OkStatus();
  Node all;
  all.kind = Node::Kind::kAnd;
  all.children.push_back(std::move(out));
  while (IsKeyword(Peek(), "AND")) {
    ++next_;
    Node child;
    if (absl::Status status = ParseNot(child); !status.ok()) return status;
    all.children.push_back(std::move(child));
  }
  out = std::move(all);
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParseNot(Node& out) {
  if (!IsKeyword(Peek(), "NOT")) return ParsePrimary(out);
  ++next_;
  const NestingGuard guard(depth_);
  if (absl::Status status = Enter(); !status.ok()) return status;
  Node child;
  if (absl::Status status = ParseNot(child); !status.ok()) return status;
  out.kind = Node::Kind::kNot;
  out.children.push_back(std::move(child));
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParsePrimary(Node& out) {
  const Token& token = Peek();
  if (token.type == T::kLeftParen) {
    const NestingGuard guard(depth_);
    if (absl::Status status = Enter(); !status.ok()) return status;
    ++next_;
    // ((a = :v)) is refused as AWS does; ((a = :v) AND b = :w) is fine. The inner text is one
    // parenthesized condition when the parenthesis it starts with closes at its end.
    const size_t inner_start = next_;
    if (absl::Status status = ParseOr(out); !status.ok()) return status;
    if (tokens_[inner_start].type == T::kLeftParen) {
      int balance = 0;
      size_t i = inner_start;
      for (; i < next_; ++i) {
        if (tokens_[i].type == T::kLeftParen) ++balance;
        if (tokens_[i].type == T::kRightParen && --balance == 0) break;
      }
      if (i == next_ - 1) return Fail("The expression has redundant parentheses;");
    }
    return Expect(T::kRightParen);
  }
  if (token.type == T::kIdentifier && Peek(1).type == T::kLeftParen && token.text != "size") {
    const std::string_view name = token.text;
    ++next_;
    return ParseFunctionCondition(name, out);
  }
  Operand left;
  if (absl::Status status = ParseConditionOperand(left); !status.ok()) return status;
  return ParseComparisonTail(std::move(left), out);
}

absl::Status ExpressionParser::ParseFunctionCondition(std::string_view name, Node& out) {
  struct Function {
    std::string_view name;
    Node::Kind kind;
    size_t operands;
  };
  static constexpr std::array<Function, 5> kFunctions = {{
      {"attribute_exists", Node::Kind::kExists, 1},
      {"attribute_not_exists", Node::Kind::kNotExists, 1},
      {"attribute_type", Node::Kind::kType, 2},
      {"begins_with", Node::Kind::kBeginsWith, 2},
      {"contains", Node::Kind::kContains, 2},
  }};
  const Function* function = nullptr;
  for (const Function& candidate : kFunctions) {
    if (candidate.name == name) function = &candidate;
  }
  if (!function) {
    return Fail(fmt::format("Invalid function name; function: {}", name));
  }
  if (absl::Status status = ParseArguments(false, out.operands); !status.ok()) {
    return status;
  }
  out.kind = function->kind;
  if (out.operands.size() != function->operands) {
    return Fail(
        fmt::format("Incorrect number of operands for operator or function; operator or "
                    "function: {}, number of operands: {}",
                    name, out.operands.size()));
  }
  if (out.operands[0].kind != Operand::Kind::kPath) {
    return Fail(fmt::format(
        "Operator or function requires a document path; operator or function: {}", name));
  }
  if (function->operands < 2 || out.operands[1].kind != Operand::Kind::kValue) {
    return absl::OkStatus();
  }
  const json::value& argument = out.operands[1].value;
  const std::string_view type = TypeKey(argument);
  if (out.kind == Node::Kind::kType) {
    const json::string* type_name = type == "S" ? PayloadOf(argument)->if_string() : nullptr;
    if (!type_name) {
      return Fail(
          fmt::format("Incorrect operand type for operator or function; operator or "
                      "function: {}, operand type: {}",
                      name, type));
    }
    if (!TypeFromName(*type_name)) {
      return Fail(fmt::format("Invalid attribute type name found; type: {}, valid types: {}",
                              std::string_view(*type_name), kValidTypes));
    }
  }
  if (out.kind == Node::Kind::kBeginsWith && type != "S" && type != "B") {
    return Fail(
        fmt::format("Incorrect operand type for operator or function; operator or "
                    "function: {}, operand type: {}",
                    name, type));
  }
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParseConditionOperand(Operand& out) {
  const Token& token = Peek();
  if (token.type == T::kValue) return ParseValue(out);
  if (token.type == T::kIdentifier && Peek(1).type == T::kLeftParen) {
    const std::string_view name = token.text;
    if (name != "size") {
      return Fail(fmt::format("Invalid function name; function: {}", name));
    }
    ++next_;
    std::vector<Operand> arguments;
    if (absl::Status status = ParseArguments(false, arguments); !status.ok()) {
      return status;
    }
    if (arguments.size() != 1) {
      return Fail(
          fmt::format("Incorrect number of operands for operator or function; operator "
                      "or function: size, number of operands: {}",
                      arguments.size()));
    }
    if (arguments[0].kind != Operand::Kind::kPath) {
      return Fail("Operator or function requires a document path; operator or function: size");
    }
    out.kind = Operand::Kind::kSize;
    out.path = std::move(arguments[0].path);
    return absl::OkStatus();
  }
  out.kind = Operand::Kind::kPath;
  return ParsePath(out.path);
}

absl::Status ExpressionParser::ParseComparisonTail(Operand left, Node& out) {
  // Order comparisons and BETWEEN need S, N or B values.
  auto check_ordered = [this](std::string_view op, const Operand& operand) {
    if (operand.kind != Operand::Kind::kValue || IsScalarType(TypeKey(operand.value))) {
      return absl::OkStatus();
    }
    return Fail(
        fmt::format("Incorrect operand type for operator or function; operator or "
                    "function: {}, operand type: {}",
                    op, TypeKey(operand.value)));
  };
  Comparator comparator;
  if (ComparatorOf(Peek().type, comparator)) {
    ++next_;
    Operand right;
    if (absl::Status status = ParseConditionOperand(right); !status.ok()) return status;
    if (comparator != Comparator::kEq && comparator != Comparator::kNe) {
      for (const Operand* operand : {&left, &right}) {
        if (absl::Status s = check_ordered(ComparatorText(comparator), *operand); !s.ok()) {
          return s;
        }
      }
    }
    out.kind = Node::Kind::kCompare;
    out.comparator = comparator;
    out.operands.push_back(std::move(left));
    out.operands.push_back(std::move(right));
    return absl::OkStatus();
  }
  if (IsKeyword(Peek(), "BETWEEN")) {
    ++next_;
    Operand low;
    Operand high;
    if (absl::Status status = ParseConditionOperand(low); !status.ok()) return status;
    if (!IsKeyword(Peek(), "AND")) return SyntaxErrorHere();
    ++next_;
    if (absl::Status status = ParseConditionOperand(high); !status.ok()) return status;
    for (const Operand* operand : {&left, &low, &high}) {
      if (absl::Status s = check_ordered("BETWEEN", *operand); !s.ok()) return s;
    }
    if (low.kind == Operand::Kind::kValue && high.kind == Operand::Kind::kValue) {
      const std::optional<int> order = CompareScalars(low.value, high.value);
      if (order && *order > 0) {
        return Fail(
            fmt::format("The BETWEEN operator requires upper bound to be greater than or "
                        "equal to lower bound; lower bound operand: AttributeValue: {}, "
                        "upper bound operand: AttributeValue: {}",
                        ValueForMessage(low.value), ValueForMessage(high.value)));
      }
    }
    out.kind = Node::Kind::kBetween;
    out.operands.push_back(std::move(left));
    out.operands.push_back(std::move(low));
    out.operands.push_back(std::move(high));
    return absl::OkStatus();
  }
  if (IsKeyword(Peek(), "IN")) {
    ++next_;
    out.kind = Node::Kind::kIn;
    out.operands.push_back(std::move(left));
    if (absl::Status status = Expect(T::kLeftParen); !status.ok()) return status;
    do {
      Operand candidate;
      if (absl::Status status = ParseConditionOperand(candidate); !status.ok()) return status;
      out.operands.push_back(std::move(candidate));
    } while (Accept(T::kComma));
    if (out.operands.size() - 1 > kMaxInOperands) {
      return Fail(
          fmt::format("The IN operator is provided with too many operands; number of operands: {}",
                      out.operands.size() - 1));
    }
    return Expect(T::kRightParen);
  }
  return SyntaxErrorHere();
}

// --- Updates ---------------------------------------------------------------------------------

absl::StatusOr<Update::Actions> ExpressionParser::ParseUpdate() {
  if (absl::Status status = Start(); !status.ok()) return status;
  static constexpr std::array<std::string_view, 4> kSections = {"SET", "REMOVE", "ADD", "DELETE"};
  std::array<bool, 4> seen = {};
  Update::Actions actions;
  while (Peek().type != T::kEnd) {
    size_t section = kSections.size();
    for (size_t i = 0; i < kSections.size(); ++i) {
      if (IsKeyword(Peek(), kSections[i])) section = i;
    }
    if (section == kSections.size()) return SyntaxErrorHere();
    if (seen[section]) {
      return Fail(fmt::format("The \"{}\" section can only be used once in an update expression;",
                              kSections[section]));
    }
    seen[section] = true;
    ++next_;
    do {
      absl::Status status;
      if (section == 0) {
        status = ParseSetAction(actions);
      } else if (section == 1) {
        DocumentPath path;
        status = ParsePath(path);
        actions.removes.push_back(std::move(path));
      } else {
        Update::Actions::WithValue action;
        status = ParsePath(action.path);
        if (status.ok()) status = ParseValuePlaceholder(action.value);
        const std::string_view name = kSections[section];
        const std::string_view type = TypeKey(action.value);
        const bool set = type == "SS" || type == "NS" || type == "BS";
        if (status.ok() && !set && (section == 3 || type != "N")) {
          status =
              Fail(fmt::format("Incorrect operand type for operator or function; operator "
                               "or function: {}, operand type: {}",
                               name, LongTypeName(type)));
        }
        (section == 2 ? actions.adds : actions.deletes).push_back(std::move(action));
      }
      if (!status.ok()) return status;
    } while (Accept(T::kComma));
  }
  std::vector<const DocumentPath*> paths;
  for (const Update::Actions::Set& set : actions.sets) paths.push_back(&set.path);
  for (const DocumentPath& path : actions.removes) paths.push_back(&path);
  for (const Update::Actions::WithValue& add : actions.adds) paths.push_back(&add.path);
  for (const Update::Actions::WithValue& del : actions.deletes) paths.push_back(&del.path);
  if (absl::Status status = CheckPathsDisjoint(paths, parameter_); !status.ok()) return status;
  return actions;
}

absl::Status ExpressionParser::ParseSetAction(Update::Actions& actions) {
  Update::Actions::Set set;
  if (absl::Status status = ParsePath(set.path); !status.ok()) return status;
  if (absl::Status status = Expect(T::kEq); !status.ok()) return status;
  if (absl::Status status = ParseSetValue(set.value); !status.ok()) return status;
  actions.sets.push_back(std::move(set));
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParseSetValue(Operand& out) {
  if (absl::Status status = ParseSetOperand(out); !status.ok()) return status;
  const T type = Peek().type;
  if (type != T::kPlus && type != T::kMinus) return absl::OkStatus();
  ++next_;
  Operand right;
  if (absl::Status status = ParseSetOperand(right); !status.ok()) return status;
  for (const Operand* operand : {&out, &right}) {
    if (operand->kind == Operand::Kind::kValue && TypeKey(operand->value) != "N") {
      return Fail(
          fmt::format("Incorrect operand type for operator or function; operator or "
                      "function: {}, operand type: {}",
                      type == T::kPlus ? "+" : "-", LongTypeName(TypeKey(operand->value))));
    }
  }
  Operand sum;
  sum.kind = type == T::kPlus ? Operand::Kind::kPlus : Operand::Kind::kMinus;
  sum.args.push_back(std::move(out));
  sum.args.push_back(std::move(right));
  out = std::move(sum);
  return absl::OkStatus();
}

absl::Status ExpressionParser::ParseSetOperand(Operand& out) {
  const Token& token = Peek();
  if (token.type == T::kValue) return ParseValue(out);
  if (token.type != T::kIdentifier || Peek(1).type != T::kLeftParen) {
    out.kind = Operand::Kind::kPath;
    return ParsePath(out.path);
  }
  const std::string_view name = token.text;
  if (name != "if_not_exists" && name != "list_append") {
    return Fail(fmt::format("Invalid function name; function: {}", name));
  }
  ++next_;
  std::vector<Operand> arguments;
  if (absl::Status status = ParseArguments(true, arguments); !status.ok()) return status;
  if (arguments.size() != 2) {
    return Fail(
        fmt::format("Incorrect number of operands for operator or function; operator or "
                    "function: {}, number of operands: {}",
                    name, arguments.size()));
  }
  if (name == "if_not_exists") {
    if (arguments[0].kind != Operand::Kind::kPath) {
      return Fail(
          "Operator or function requires a document path; operator or function: if_not_exists");
    }
    out.kind = Operand::Kind::kIfNotExists;
    out.path = std::move(arguments[0].path);
    out.args.push_back(std::move(arguments[1]));
    return absl::OkStatus();
  }
  for (const Operand& argument : arguments) {
    if (argument.kind == Operand::Kind::kValue && TypeKey(argument.value) != "L") {
      return Fail(
          fmt::format("Incorrect operand type for operator or function; operator or "
                      "function: list_append, operand type: {}",
                      LongTypeName(TypeKey(argument.value))));
    }
  }
  out.kind = Operand::Kind::kListAppend;
  out.args = std::move(arguments);
  return absl::OkStatus();
}

// --- Projections -----------------------------------------------------------------------------

absl::StatusOr<std::vector<DocumentPath>> ExpressionParser::ParseProjection() {
  if (absl::Status status = Start(); !status.ok()) return status;
  std::vector<DocumentPath> paths;
  do {
    DocumentPath path;
    if (absl::Status status = ParsePath(path); !status.ok()) return status;
    paths.push_back(std::move(path));
  } while (Accept(T::kComma));
  if (Peek().type != T::kEnd) return SyntaxErrorHere();
  std::vector<const DocumentPath*> pointers;
  for (const DocumentPath& path : paths) pointers.push_back(&path);
  if (absl::Status status = CheckPathsDisjoint(pointers, parameter_); !status.ok()) return status;
  return paths;
}

}  // namespace serval::dynamodb
