// Matching a parsed filter pattern against one log event's message. Terms search the raw text
// (no allocation); JSON patterns parse the message into a stack buffer; space-delimited patterns
// split it into views kept in a per-thread vector.

#include <string.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <optional>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/json_fields.h"
#include "common/text.h"
#include "services/logs/filter_pattern.h"
#include "services/logs/filter_pattern_internal.h"

namespace serval::logs {
namespace {

namespace json = boost::json;

bool Contains(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  return memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

bool TermHolds(const Term& term, std::string_view message) {
  const bool found = term.regex ? term.regex->Search(message) : Contains(message, term.text);
  return found != term.exclude;
}

bool MatchTerms(const FilterPatternNode& node, std::string_view message) {
  return std::any_of(node.groups.begin(), node.groups.end(), [message](const auto& group) {
    return std::all_of(group.begin(), group.end(),
                       [message](const Term& term) { return TermHolds(term, message); });
  });
}

// The number `text` spells in full (`404`, `-1.5`, `2e3`), if it does.
std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty() || !(absl::ascii_isdigit(static_cast<unsigned char>(text[0])) ||
                        text[0] == '-' || text[0] == '.')) {
    return std::nullopt;
  }
  double value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool CompareNumbers(double value, Relation relation, double operand) {
  switch (relation) {
    case Relation::kEqual:
      return value == operand;
    case Relation::kNotEqual:
      return value != operand;
    case Relation::kLess:
      return value < operand;
    case Relation::kLessEqual:
      return value <= operand;
    case Relation::kGreater:
      return value > operand;
    case Relation::kGreaterEqual:
      return value >= operand;
    default:
      return false;
  }
}

// A text or regex operand against `text`; `=` and `!=` are the only relations they take.
bool TextHolds(const Condition& condition, std::string_view text) {
  const Operand& operand = condition.operand;
  const bool equal = operand.kind == Operand::Kind::kRegex
                         ? operand.regex->Search(text)
                         : WildcardMatch(operand.text, text, Wildcards::kStarOnly);
  return condition.relation == Relation::kEqual ? equal : !equal;
}

// A space-delimited field: a number operand compares with the field read as a number (a field
// that is not one matches neither `=` nor `!=`).
bool FieldHolds(const Condition& condition, std::string_view field) {
  if (condition.operand.kind != Operand::Kind::kNumber) return TextHolds(condition, field);
  const std::optional<double> value = ParseNumber(field);
  return value && CompareNumbers(*value, condition.relation, condition.operand.number);
}

// A JSON value: numbers compare by value with number operands and by their text with text and
// regex operands; strings only with text and regex operands; objects and arrays with nothing.
bool ValueHolds(const Condition& condition, const json::value& value) {
  switch (condition.relation) {
    case Relation::kIsTrue:
      return value.is_bool() && value.get_bool();
    case Relation::kIsFalse:
      return value.is_bool() && !value.get_bool();
    case Relation::kIsNull:
      return value.is_null();
    default:
      break;
  }
  const bool numeric_operand = condition.operand.kind == Operand::Kind::kNumber;
  if (value.is_string()) {
    return !numeric_operand && TextHolds(condition, value.get_string());
  }
  if (!value.is_number()) return false;
  if (numeric_operand) {
    const double number = value.is_double()  ? value.get_double()
                          : value.is_int64() ? static_cast<double>(value.get_int64())
                                             : static_cast<double>(value.get_uint64());
    return CompareNumbers(number, condition.relation, condition.operand.number);
  }
  char buffer[32];
  char* const end = buffer + sizeof(buffer);
  const std::to_chars_result written =
      value.is_double()  ? std::to_chars(buffer, end, value.get_double())
      : value.is_int64() ? std::to_chars(buffer, end, value.get_int64())
                         : std::to_chars(buffer, end, value.get_uint64());
  return TextHolds(condition, std::string_view(buffer, written.ptr - buffer));
}

// Whether `visit` returns true for any value the selector steps [step, end) reach from `node`.
template <typename Visit>
bool AnyReached(const json::value& node, const SelectorStep* step, const SelectorStep* end,
                const Visit& visit) {
  if (step == end) return visit(node);
  switch (step->kind) {
    case SelectorStep::Kind::kMember: {
      const json::object* object = node.if_object();
      const json::value* child = object ? object->if_contains(step->member) : nullptr;
      return child != nullptr && AnyReached(*child, step + 1, end, visit);
    }
    case SelectorStep::Kind::kIndex: {
      const json::array* array = node.if_array();
      return array != nullptr && step->index < array->size() &&
             AnyReached((*array)[step->index], step + 1, end, visit);
    }
    case SelectorStep::Kind::kEvery:
      if (const json::array* array = node.if_array()) {
        return std::any_of(array->begin(), array->end(), [&](const json::value& element) {
          return AnyReached(element, step + 1, end, visit);
        });
      }
      if (const json::object* object = node.if_object()) {
        return std::any_of(object->begin(), object->end(), [&](const json::key_value_pair& member) {
          return AnyReached(member.value(), step + 1, end, visit);
        });
      }
      return false;
  }
  return false;
}

bool JsonConditionHolds(const Condition& condition, const json::value& root) {
  const SelectorStep* begin = condition.selector.data();
  const SelectorStep* end = begin + condition.selector.size();
  if (condition.relation == Relation::kNotExists) {
    return !AnyReached(root, begin, end, [](const json::value&) { return true; });
  }
  return AnyReached(root, begin, end, [&condition](const json::value& value) {
    return ValueHolds(condition, value);
  });
}

template <typename Leaf>
bool Evaluate(const Expr& expr, const Leaf& leaf) {
  switch (expr.kind) {
    case Expr::Kind::kCondition:
      return leaf(expr.condition);
    case Expr::Kind::kAnd:
      return std::all_of(expr.operands.begin(), expr.operands.end(),
                         [&leaf](const Expr& operand) { return Evaluate(operand, leaf); });
    case Expr::Kind::kOr:
      return std::any_of(expr.operands.begin(), expr.operands.end(),
                         [&leaf](const Expr& operand) { return Evaluate(operand, leaf); });
  }
  return false;
}

bool MatchJson(const FilterPatternNode& node, std::string_view message) {
  // Only a message that is a JSON object qualifies: skip the parse for everything else.
  const size_t first = message.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || message[first] != '{') return false;
  static const json::parse_options kOptions = DeepParseOptions();
  // Typical events fit the stack buffer; bigger ones spill to the heap.
  unsigned char buffer[4096];
  json::monotonic_resource resource(buffer, sizeof(buffer));
  json::error_code ec;
  const json::value root =
      json::parse(json::string_view(message.data(), message.size()), ec, &resource, kOptions);
  if (ec || !root.is_object()) return false;
  return Evaluate(node.json, [&root](const Condition& condition) {
    return JsonConditionHolds(condition, root);
  });
}

// Splits a message into fields at runs of whitespace; text between double quotes or square
// brackets is one field, without them (an unclosed one runs to the end).
void SplitFields(std::string_view message, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t i = 0;
  while (true) {
    while (i < message.size() && IsBlank(message[i])) ++i;
    if (i == message.size()) return;
    const char close = message[i] == '"' ? '"' : message[i] == '[' ? ']' : '\0';
    if (close != '\0') {
      const size_t end = message.find(close, i + 1);
      if (end == std::string_view::npos) {
        fields.push_back(message.substr(i + 1));
        return;
      }
      fields.push_back(message.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      const size_t start = i;
      while (i < message.size() && !IsBlank(message[i])) ++i;
      fields.push_back(message.substr(start, i - start));
    }
  }
}

bool MatchDelimited(const FilterPatternNode& node, std::string_view message) {
  thread_local std::vector<std::string_view> fields;
  SplitFields(message, fields);
  const size_t slots = node.slots.size();
  if (node.ellipsis ? fields.size() < slots : fields.size() != slots) return false;
  // Slots after the `...` take the last fields.
  const auto field_of = [&node, slots](size_t slot) {
    return !node.ellipsis || slot < node.ellipsis_at ? fields[slot]
                                                     : fields[fields.size() - (slots - slot)];
  };
  return std::all_of(node.slots.begin(), node.slots.end(), [&field_of](const Slot& slot) {
    return !slot.has_condition || Evaluate(slot.condition, [&field_of](const Condition& condition) {
      return FieldHolds(condition, field_of(condition.slot));
    });
  });
}

}  // namespace

bool FilterPattern::Matches(std::string_view message) const {
  // A default-constructed pattern is the empty one.
  if (root_ == nullptr) return true;
  switch (root_->kind) {
    case FilterPatternNode::Kind::kEverything:
      return true;
    case FilterPatternNode::Kind::kTerms:
      return MatchTerms(*root_, message);
    case FilterPatternNode::Kind::kJson:
      return MatchJson(*root_, message);
    case FilterPatternNode::Kind::kDelimited:
      return MatchDelimited(*root_, message);
  }
  return false;
}

bool FilterPattern::MatchesEverything() const {
  return root_ == nullptr || root_->kind == FilterPatternNode::Kind::kEverything;
}

}  // namespace serval::logs
