// Query key conditions: the KeyConditionExpression subset of conditions, split against the key
// schema.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/expression_parser.h"

namespace serval::dynamodb {

namespace json = boost::json;
using Node = Condition::Node;
using SortOp = KeyCondition::SortOp;

namespace {

constexpr std::string_view kParameter = "KeyConditionExpression";

std::unique_ptr<json::value> Copy(const std::unique_ptr<json::value>& value) {
  return value ? std::make_unique<json::value>(*value) : nullptr;
}

bool IsEmptyString(const json::value& value) {
  const json::value* payload = PayloadOf(value);
  const json::string* text = payload ? payload->if_string() : nullptr;
  return TypeKey(value) == "S" && text && text->empty();
}

absl::Status EmptyKey(std::string_view name) {
  return Invalid(
      fmt::format("One or more parameter values are not valid. The AttributeValue for "
                  "a key attribute cannot contain an empty string value. Key: {}",
                  name));
}

// The name of the operator a key condition may not use.
std::string_view UnsupportedOperator(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kOr:
      return "OR";
    case Node::Kind::kNot:
      return "NOT";
    case Node::Kind::kIn:
      return "IN";
    case Node::Kind::kExists:
      return "attribute_exists";
    case Node::Kind::kNotExists:
      return "attribute_not_exists";
    case Node::Kind::kType:
      return "attribute_type";
    case Node::Kind::kContains:
      return "contains";
    case Node::Kind::kCompare:
      return node.comparator == Comparator::kNe ? "<>" : "";
    default:
      return "";
  }
}

SortOp SortOpOf(const Node& node) {
  if (node.kind == Node::Kind::kBetween) return SortOp::kBetween;
  if (node.kind == Node::Kind::kBeginsWith) return SortOp::kBeginsWith;
  switch (node.comparator) {
    case Comparator::kLt:
      return SortOp::kLt;
    case Comparator::kLe:
      return SortOp::kLe;
    case Comparator::kGt:
      return SortOp::kGt;
    case Comparator::kGe:
      return SortOp::kGe;
    default:
      return SortOp::kEq;
  }
}

// The conditions of a parsed key condition expression: a conjunction of comparisons of a
// top-level attribute with values.
absl::Status CollectTerms(const Node& node, std::vector<KeyTerm>& terms) {
  if (node.kind == Node::Kind::kAnd) {
    for (const Node& child : node.children) {
      if (absl::Status status = CollectTerms(child, terms); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  if (const std::string_view op = UnsupportedOperator(node); !op.empty()) {
    return InvalidExpression(
        kParameter, fmt::format("Invalid operator used in KeyConditionExpression: {}", op));
  }
  size_t paths = 0;
  for (const Operand& operand : node.operands) {
    if (operand.kind == Operand::Kind::kSize) {
      return InvalidExpression(kParameter, "Invalid operator used in KeyConditionExpression: size");
    }
    paths += operand.kind == Operand::Kind::kPath;
  }
  if (paths > 1) {
    return Invalid(
        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
        "condition");
  }
  if (paths == 0 || node.operands[0].kind != Operand::Kind::kPath) {
    return Invalid("Invalid condition in KeyConditionExpression: No key attribute specified");
  }
  const DocumentPath& path = node.operands[0].path;
  if (path.size() != 1) {
    return Invalid("KeyConditionExpressions cannot have conditions on nested attributes");
  }
  KeyTerm term;
  term.name = path[0].name;
  term.op = SortOpOf(node);
  for (size_t i = 1; i < node.operands.size(); ++i) term.values.push_back(node.operands[i].value);
  terms.push_back(std::move(term));
  return absl::OkStatus();
}

bool BytesStartWith(std::string_view value, std::string_view prefix) {
  const absl::StatusOr<std::string> value_bytes = Base64Decode(value);
  const absl::StatusOr<std::string> prefix_bytes = Base64Decode(prefix);
  return value_bytes.ok() && prefix_bytes.ok() &&
         std::string_view(*value_bytes).starts_with(*prefix_bytes);
}

}  // namespace

KeyCondition::KeyCondition() = default;
KeyCondition::~KeyCondition() = default;
KeyCondition::KeyCondition(const KeyCondition& other)
    : partition_value(Copy(other.partition_value)),
      sort_op(other.sort_op),
      sort_value(Copy(other.sort_value)),
      sort_value2(Copy(other.sort_value2)) {}
KeyCondition& KeyCondition::operator=(const KeyCondition& other) {
  if (this != &other) {
    partition_value = Copy(other.partition_value);
    sort_op = other.sort_op;
    sort_value = Copy(other.sort_value);
    sort_value2 = Copy(other.sort_value2);
  }
  return *this;
}

absl::StatusOr<KeyCondition> KeyCondition::Parse(std::string_view text,
                                                 Substitutions& substitutions,
                                                 std::string_view hash_key,
                                                 std::string_view range_key) {
  absl::StatusOr<Node> root = ExpressionParser(text, kParameter, substitutions).ParseCondition();
  if (!root.ok()) return root.status();
  std::vector<KeyTerm> terms;
  if (absl::Status status = CollectTerms(*root, terms); !status.ok()) return status;
  return AssembleKeyCondition(std::move(terms), hash_key, range_key);
}

absl::StatusOr<KeyCondition> AssembleKeyCondition(std::vector<KeyTerm> terms,
                                                  std::string_view hash_key,
                                                  std::string_view range_key) {
  const KeyTerm* hash = nullptr;
  const KeyTerm* range = nullptr;
  bool other = false;
  for (size_t i = 0; i < terms.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (terms[i].name == terms[j].name) {
        return Invalid("KeyConditionExpressions must only contain one condition per key");
      }
    }
    if (terms[i].name == hash_key) {
      hash = &terms[i];
    } else if (!range_key.empty() && terms[i].name == range_key) {
      range = &terms[i];
    } else {
      other = true;
    }
  }
  if (!hash) return Invalid(fmt::format("Query condition missed key schema element: {}", hash_key));
  if (hash->op != SortOp::kEq) return Invalid("Query key condition not supported");
  if (other) {
    if (!range && !range_key.empty()) {
      return Invalid(fmt::format("Query condition missed key schema element: {}", range_key));
    }
    return Invalid("Query key condition not supported");
  }
  for (const KeyTerm* term : {hash, range}) {
    if (!term) continue;
    for (const json::value& value : term->values) {
      if (IsEmptyString(value)) return EmptyKey(term->name);
    }
  }
  KeyCondition condition;
  condition.partition_value = std::make_unique<json::value>(hash->values[0]);
  if (range) {
    condition.sort_op = range->op;
    condition.sort_value = std::make_unique<json::value>(range->values[0]);
    if (range->op == SortOp::kBetween) {
      condition.sort_value2 = std::make_unique<json::value>(range->values[1]);
    }
  }
  return condition;
}

bool KeyCondition::MatchesSortKey(const json::value& value) const {
  if (sort_op == SortOp::kNone) return true;
  if (sort_op == SortOp::kBeginsWith) {
    const std::string_view type = TypeKey(value);
    if (type != TypeKey(*sort_value)) return false;
    const json::string* text = PayloadOf(value)->if_string();
    const json::string* prefix = PayloadOf(*sort_value)->if_string();
    if (!text || !prefix) return false;
    if (type == "B") return BytesStartWith(*text, *prefix);
    return type == "S" && std::string_view(*text).starts_with(*prefix);
  }
  const std::optional<int> order = CompareScalars(value, *sort_value);
  if (!order) return false;
  switch (sort_op) {
    case SortOp::kEq:
      return *order == 0;
    case SortOp::kLt:
      return *order < 0;
    case SortOp::kLe:
      return *order <= 0;
    case SortOp::kGt:
      return *order > 0;
    case SortOp::kGe:
      return *order >= 0;
    default: {
      const std::optional<int> upper = CompareScalars(value, *sort_value2);
      return *order >= 0 && upper && *upper <= 0;
    }
  }
}

}  // namespace serval::dynamodb
