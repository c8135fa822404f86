// Condition and filter expressions: parsing entry point and evaluation against an item.

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

namespace {

std::string_view StringPayload(const json::value& value) {
  const json::value* payload = PayloadOf(value);
  const json::string* text = payload ? payload->if_string() : nullptr;
  return text ? std::string_view(*text) : std::string_view();
}

// The decoded bytes of a B value (or of one BS element's text).
std::string Bytes(std::string_view base64) {
  absl::StatusOr<std::string> bytes = Base64Decode(base64);
  return bytes.ok() ? *std::move(bytes) : std::string();
}

// size(): the length of S (bytes) and B (decoded bytes), the element count of sets, lists and
// maps; nothing for other types.
std::optional<size_t> SizeOf(const json::value& value) {
  const std::string_view type = TypeKey(value);
  const json::value* payload = PayloadOf(value);
  if (type == "S") return StringPayload(value).size();
  if (type == "B") return Bytes(StringPayload(value)).size();
  if (const json::array* array = payload ? payload->if_array() : nullptr) return array->size();
  if (const json::object* object = payload ? payload->if_object() : nullptr) return object->size();
  return std::nullopt;
}

// An operand's value in `item`, or null when it has none. size() results live in `scratch`.
const json::value* Resolve(const Operand& operand, const json::object& item, json::value& scratch) {
  switch (operand.kind) {
    case Operand::Kind::kValue:
      return &operand.value;
    case Operand::Kind::kPath:
      return FindPath(item, operand.path);
    case Operand::Kind::kSize: {
      const json::value* target = FindPath(item, operand.path);
      const std::optional<size_t> size = target ? SizeOf(*target) : std::nullopt;
      if (!size) return nullptr;
      scratch = json::object{{"N", std::to_string(*size)}};
      return &scratch;
    }
    default:
      return nullptr;  // update-only operands never reach a condition
  }
}

bool Compares(Comparator comparator, const json::value* a, const json::value* b) {
  if (comparator == Comparator::kEq) return a && b && ValuesEqual(*a, *b);
  if (comparator == Comparator::kNe) return !(a && b && ValuesEqual(*a, *b));
  const std::optional<int> order = a && b ? CompareScalars(*a, *b) : std::nullopt;
  if (!order) return false;
  switch (comparator) {
    case Comparator::kLt:
      return *order < 0;
    case Comparator::kLe:
      return *order <= 0;
    case Comparator::kGt:
      return *order > 0;
    default:
      return *order >= 0;
  }
}

bool BeginsWith(const json::value& value, const json::value& prefix) {
  const std::string_view type = TypeKey(value);
  if (type != TypeKey(prefix)) return false;
  if (type == "S") return StringPayload(value).starts_with(StringPayload(prefix));
  if (type == "B") {
    return std::string_view(Bytes(StringPayload(value))).starts_with(Bytes(StringPayload(prefix)));
  }
  return false;
}

bool Contains(const json::value& container, const json::value& element) {
  const std::string_view type = TypeKey(container);
  const std::string_view element_type = TypeKey(element);
  if (type == "S") {
    return element_type == "S" &&
           StringPayload(container).find(StringPayload(element)) != std::string_view::npos;
  }
  if (type == "L") {
    for (const json::value& entry : *ListPayload(container)) {
      if (ValuesEqual(entry, element)) return true;
    }
    return false;
  }
  const bool matching_set = (type == "SS" && element_type == "S") ||
                            (type == "NS" && element_type == "N") ||
                            (type == "BS" && element_type == "B");
  const json::array* members = matching_set ? PayloadOf(container)->if_array() : nullptr;
  if (!members) return false;
  const std::string_view wanted = StringPayload(element);
  for (const json::value& member : *members) {
    const json::string* text = member.if_string();
    if (!text) continue;
    if (type == "SS" && *text == wanted) return true;
    if (type == "NS" && CompareNumbers(*text, wanted) == 0) return true;
    if (type == "BS" && Bytes(*text) == Bytes(wanted)) return true;
  }
  return false;
}

bool EvaluateNode(const Node& node, const json::object& item) {
  json::value scratch[3];
  auto operand = [&](size_t i) { return Resolve(node.operands[i], item, scratch[i % 3]); };
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (const Node& child : node.children) {
        if (!EvaluateNode(child, item)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const Node& child : node.children) {
        if (EvaluateNode(child, item)) return true;
      }
      return false;
    case Node::Kind::kNot:
      return !EvaluateNode(node.children[0], item);
    case Node::Kind::kCompare:
      return Compares(node.comparator, operand(0), operand(1));
    case Node::Kind::kBetween: {
      const json::value* value = operand(0);
      return Compares(Comparator::kGe, value, operand(1)) &&
             Compares(Comparator::kLe, value, operand(2));
    }
    case Node::Kind::kIn: {
      const json::value* value = operand(0);
      for (size_t i = 1; value && i < node.operands.size(); ++i) {
        json::value candidate_scratch;
        const json::value* candidate = Resolve(node.operands[i], item, candidate_scratch);
        if (candidate && ValuesEqual(*value, *candidate)) return true;
      }
      return false;
    }
    case Node::Kind::kExists:
      return operand(0) != nullptr;
    case Node::Kind::kNotExists:
      return operand(0) == nullptr;
    case Node::Kind::kType: {
      const json::value* value = operand(0);
      const json::value* type = operand(1);
      return value && type && TypeKey(*type) == "S" && TypeKey(*value) == StringPayload(*type);
    }
    case Node::Kind::kBeginsWith: {
      const json::value* value = operand(0);
      const json::value* prefix = operand(1);
      return value && prefix && BeginsWith(*value, *prefix);
    }
    case Node::Kind::kContains: {
      const json::value* container = operand(0);
      const json::value* element = operand(1);
      return container && element && Contains(*container, *element);
    }
  }
  return false;
}

void CollectNames(const Operand& operand, std::vector<std::string>& names) {
  if (!operand.path.empty() && operand.path[0].index < 0) {
    const std::string& name = operand.path[0].name;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  for (const Operand& argument : operand.args) CollectNames(argument, names);
}

void CollectNames(const Node& node, std::vector<std::string>& names) {
  for (const Operand& operand : node.operands) CollectNames(operand, names);
  for (const Node& child : node.children) CollectNames(child, names);
}

}  // namespace

Condition::Condition(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
Condition::~Condition() = default;
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;

absl::StatusOr<Condition> Condition::Parse(std::string_view text, std::string_view parameter,
                                           Substitutions& substitutions) {
  absl::StatusOr<Node> root = ExpressionParser(text, parameter, substitutions).ParseCondition();
  if (!root.ok()) return root.status();
  return Condition(std::make_shared<const Node>(*std::move(root)));
}

bool Condition::Evaluate(const json::object& item) const { return EvaluateNode(*root_, item); }

std::vector<std::string> Condition::TopLevelNames() const {
  std::vector<std::string> names;
  CollectNames(*root_, names);
  return names;
}

}  // namespace serval::dynamodb
