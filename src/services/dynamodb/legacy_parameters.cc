// The legacy request parameters (Expected, QueryFilter, ScanFilter, KeyConditions,
// AttributeUpdates) translated to the parsed forms the expressions use.

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/expression_internal.h"

namespace serval::dynamodb {

namespace json = boost::json;
using Node = Condition::Node;
using SortOp = KeyCondition::SortOp;

namespace {

constexpr std::string_view kPrefix = "One or more parameter values were invalid: ";

// A ComparisonOperator: how many values it takes (-1: one or more), whether they must be
// scalars (S, N, B), and whether a Query key condition may use it.
struct LegacyOperator {
  std::string_view name;
  int values;
  bool scalar;
  bool indexable;
};

constexpr std::array<LegacyOperator, 13> kOperators = {{
    {"EQ", 1, false, true},
    {"NE", 1, false, false},
    {"LE", 1, true, true},
    {"LT", 1, true, true},
    {"GE", 1, true, true},
    {"GT", 1, true, true},
    {"BEGINS_WITH", 1, true, true},
    {"BETWEEN", 2, true, true},
    {"IN", -1, true, false},
    {"CONTAINS", 1, true, false},
    {"NOT_CONTAINS", 1, true, false},
    {"NULL", 0, false, false},
    {"NOT_NULL", 0, false, false},
}};

// One attribute's legacy condition, read and checked.
struct LegacyTerm {
  const LegacyOperator* op = nullptr;
  std::vector<json::value> values;
};

absl::StatusOr<LegacyTerm> ReadTerm(std::string_view name, const json::object& spec) {
  LegacyTerm term;
  const json::value* op = spec.if_contains("ComparisonOperator");
  const json::string* op_name = op ? op->if_string() : nullptr;
  if (!op_name) {
    return Invalid(
        fmt::format("{}ComparisonOperator is required for attribute: {}", kPrefix, name));
  }
  for (const LegacyOperator& candidate : kOperators) {
    if (candidate.name == *op_name) term.op = &candidate;
  }
  if (!term.op) {
    return Invalid(fmt::format(
        "1 validation error detected: Value '{}' at 'comparisonOperator' failed to satisfy "
        "constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, "
        "EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
        std::string_view(*op_name)));
  }
  if (const json::value* list = spec.if_contains("AttributeValueList")) {
    const json::array* array = list->if_array();
    if (!array) return Invalid(fmt::format("{}AttributeValueList must be a list", kPrefix));
    for (const json::value& value : *array) {
      json::value copy = value;
      if (absl::Status status = NormalizeValue(copy); !status.ok()) return status;
      term.values.push_back(std::move(copy));
    }
  }
  const int count = static_cast<int>(term.values.size());
  if (term.op->values >= 0 ? count != term.op->values : count == 0) {
    return Invalid(fmt::format("{}Invalid number of argument(s) for the {} ComparisonOperator",
                               kPrefix, term.op->name));
  }
  for (const json::value& value : term.values) {
    const std::string_view type = TypeKey(value);
    if (term.op->scalar && type != "S" && type != "N" && type != "B") {
      return Invalid(fmt::format("{}ComparisonOperator {} is not valid for {} AttributeValue type",
                                 kPrefix, term.op->name, type));
    }
  }
  if (term.op->name == "BEGINS_WITH" && TypeKey(term.values[0]) == "N") {
    return Invalid(
        fmt::format("{}ComparisonOperator BEGINS_WITH is not valid for N "
                    "AttributeValue type",
                    kPrefix));
  }
  return term;
}

Operand PathOperand(std::string_view name) {
  Operand operand;
  operand.kind = Operand::Kind::kPath;
  operand.path.push_back(PathElement{std::string(name), -1});
  return operand;
}

Operand ValueOperand(json::value value) {
  Operand operand;
  operand.kind = Operand::Kind::kValue;
  operand.value = std::move(value);
  return operand;
}

Node TermNode(std::string_view name, LegacyTerm term) {
  Node node;
  node.operands.push_back(PathOperand(name));
  for (json::value& value : term.values) node.operands.push_back(ValueOperand(std::move(value)));
  const std::string_view op = term.op->name;
  struct Mapping {
    std::string_view name;
    Node::Kind kind;
    Comparator comparator;
  };
  static constexpr std::array<Mapping, 12> kMappings = {{
      {"EQ", Node::Kind::kCompare, Comparator::kEq},
      {"NE", Node::Kind::kCompare, Comparator::kNe},
      {"LE", Node::Kind::kCompare, Comparator::kLe},
      {"LT", Node::Kind::kCompare, Comparator::kLt},
      {"GE", Node::Kind::kCompare, Comparator::kGe},
      {"GT", Node::Kind::kCompare, Comparator::kGt},
      {"BEGINS_WITH", Node::Kind::kBeginsWith, Comparator::kEq},
      {"BETWEEN", Node::Kind::kBetween, Comparator::kEq},
      {"IN", Node::Kind::kIn, Comparator::kEq},
      {"CONTAINS", Node::Kind::kContains, Comparator::kEq},
      {"NULL", Node::Kind::kNotExists, Comparator::kEq},
      {"NOT_NULL", Node::Kind::kExists, Comparator::kEq},
  }};
  if (op == "NOT_CONTAINS") {
    Node contains = std::move(node);
    contains.kind = Node::Kind::kContains;
    Node negation;
    negation.kind = Node::Kind::kNot;
    negation.children.push_back(std::move(contains));
    return negation;
  }
  for (const Mapping& mapping : kMappings) {
    if (mapping.name == op) {
      node.kind = mapping.kind;
      node.comparator = mapping.comparator;
    }
  }
  return node;
}

// Expected's older form: {"Value": v} (equality), {"Exists": false} (absence), or
// {"Exists": true, "Value": v}.
absl::StatusOr<Node> ExpectedValueNode(std::string_view name, const json::object& spec) {
  const json::value* exists = spec.if_contains("Exists");
  const json::value* value = spec.if_contains("Value");
  const bool must_exist = !exists || !exists->is_bool() || exists->get_bool();
  if (must_exist && !value) {
    return Invalid(fmt::format("{}Value must be provided when Exists is true for Attribute: {}",
                               kPrefix, name));
  }
  if (!must_exist && value) {
    return Invalid(fmt::format("{}Value cannot be used when Exists is false for Attribute: {}",
                               kPrefix, name));
  }
  Node node;
  node.operands.push_back(PathOperand(name));
  if (!must_exist) {
    node.kind = Node::Kind::kNotExists;
    return node;
  }
  json::value copy = *value;
  if (absl::Status status = NormalizeValue(copy); !status.ok()) return status;
  node.kind = Node::Kind::kCompare;
  node.operands.push_back(ValueOperand(std::move(copy)));
  return node;
}

}  // namespace

absl::StatusOr<Condition> Condition::FromLegacy(const json::object& conditions,
                                                std::string_view conditional_operator,
                                                std::string_view parameter) {
  if (conditional_operator != "" && conditional_operator != "AND" && conditional_operator != "OR") {
    return Invalid(fmt::format(
        "1 validation error detected: Value '{}' at 'conditionalOperator' failed to satisfy "
        "constraint: Member must satisfy enum value set: [OR, AND]",
        conditional_operator));
  }
  Node root;
  root.kind = conditional_operator == "OR" ? Node::Kind::kOr : Node::Kind::kAnd;
  for (const auto& [name, value] : conditions) {
    const json::object* spec = value.if_object();
    if (!spec) return Invalid(fmt::format("{}{} must be a map", kPrefix, parameter));
    const bool has_operator = spec->contains("ComparisonOperator");
    if (has_operator && (spec->contains("Value") || spec->contains("Exists"))) {
      return Invalid(
          fmt::format("{}Value or Exists cannot be used with ComparisonOperator for "
                      "Attribute: {}",
                      kPrefix, std::string_view(name)));
    }
    if (has_operator || parameter != "Expected") {
      absl::StatusOr<LegacyTerm> term = ReadTerm(name, *spec);
      if (!term.ok()) return term.status();
      root.children.push_back(TermNode(name, *std::move(term)));
    } else {
      absl::StatusOr<Node> node = ExpectedValueNode(name, *spec);
      if (!node.ok()) return node.status();
      root.children.push_back(*std::move(node));
    }
  }
  return Condition(std::make_shared<const Node>(std::move(root)));
}

absl::StatusOr<KeyCondition> KeyCondition::FromLegacy(const json::object& key_conditions,
                                                      std::string_view hash_key,
                                                      std::string_view range_key) {
  static constexpr std::array<std::pair<std::string_view, SortOp>, 7> kSortOps = {{
      {"EQ", SortOp::kEq},
      {"LE", SortOp::kLe},
      {"LT", SortOp::kLt},
      {"GE", SortOp::kGe},
      {"GT", SortOp::kGt},
      {"BEGINS_WITH", SortOp::kBeginsWith},
      {"BETWEEN", SortOp::kBetween},
  }};
  std::vector<KeyTerm> terms;
  for (const auto& [name, value] : key_conditions) {
    const json::object* spec = value.if_object();
    if (!spec) return Invalid(fmt::format("{}KeyConditions must be a map", kPrefix));
    absl::StatusOr<LegacyTerm> term = ReadTerm(name, *spec);
    if (!term.ok()) return term.status();
    if (!term->op->indexable) {
      return Invalid("Attempted conditional constraint is not an indexable operation");
    }
    KeyTerm key_term;
    key_term.name = std::string(name);
    for (const auto& [op_name, op] : kSortOps) {
      if (op_name == term->op->name) key_term.op = op;
    }
    key_term.values = std::move(term->values);
    terms.push_back(std::move(key_term));
  }
  return AssembleKeyCondition(std::move(terms), hash_key, range_key);
}

absl::StatusOr<Update> Update::FromLegacy(const json::object& attribute_updates) {
  Actions actions;
  for (const auto& [name, value] : attribute_updates) {
    const json::object* spec = value.if_object();
    if (!spec) return Invalid(fmt::format("{}AttributeUpdates must be a map", kPrefix));
    std::string_view action = "PUT";
    if (const json::value* given = spec->if_contains("Action")) {
      const json::string* text = given->if_string();
      action = text ? std::string_view(*text) : "";
    }
    if (action != "PUT" && action != "ADD" && action != "DELETE") {
      return Invalid(fmt::format(
          "1 validation error detected: Value '{}' at 'attributeUpdates.{}.member.action' failed "
          "to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]",
          action, std::string_view(name)));
    }
    DocumentPath path{PathElement{std::string(name), -1}};
    const json::value* given = spec->if_contains("Value");
    if (!given) {
      if (action != "DELETE") {
        return Invalid(fmt::format(
            "{}Only DELETE action is allowed when no attribute value is specified", kPrefix));
      }
      actions.removes.push_back(std::move(path));
      continue;
    }
    json::value copy = *given;
    if (absl::Status status = NormalizeValue(copy); !status.ok()) return status;
    const std::string_view type = TypeKey(copy);
    const bool set = type == "SS" || type == "NS" || type == "BS";
    if (action == "PUT") {
      actions.sets.push_back(Actions::Set{std::move(path), ValueOperand(std::move(copy))});
    } else if (action == "ADD") {
      if (!set && type != "N" && type != "L") {
        return Invalid(fmt::format("{}ADD action is not supported for the type {}", kPrefix, type));
      }
      actions.adds.push_back(Actions::WithValue{std::move(path), std::move(copy)});
    } else {
      if (!set) {
        return Invalid(fmt::format("{}DELETE action with value is not supported for the type {}",
                                   kPrefix, type));
      }
      actions.deletes.push_back(Actions::WithValue{std::move(path), std::move(copy)});
    }
  }
  return Update(std::make_shared<const Actions>(std::move(actions)));
}

}  // namespace serval::dynamodb
