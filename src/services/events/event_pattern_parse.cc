// Parsing and validating event patterns and filter policies.
//
// The checks, their order and their messages follow Event Ruler's JSON rule compiler, which
// reads the pattern as a token stream and stops at the first problem, so we walk the parsed
// JSON in document order and report the first problem the same way. The SNS dialect runs an
// older Ruler: no wildcard, anything-but takes only a nested prefix, and a few messages differ
// (each difference below names its recording).

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "common/aws_error.h"
#include "common/text.h"
#include "services/events/event_pattern.h"

namespace serval::events {

namespace json = boost::json;
using Condition = EventPattern::Condition;
using Kind = Condition::Kind;

namespace {

constexpr size_t kMaxBranches = 1024;  // $or alternatives, multiplied out
constexpr size_t kSnsMaxKeys = 5;
constexpr uint64_t kSnsMaxCombinations = 150;
constexpr int kMaxWildcards = 5;

// Jackson's text of the token a message quotes: a scalar as written, "{" / "[" for a container,
// "]" for the end of the array.
std::string TokenText(const json::value* value) {
  if (!value) return "]";
  if (value->is_string()) return std::string(value->get_string());
  if (value->is_object()) return "{";
  if (value->is_array()) return "[";
  return json::serialize(*value);
}

bool IsNumber(const json::value* value) { return value && value->is_number(); }

}  // namespace

class PatternParser {
 public:
  PatternParser(PatternDialect dialect, FilterPolicyScope scope)
      : dialect_(dialect), scope_(scope) {}

  absl::StatusOr<EventPattern> Parse(std::string_view text);

 private:
  // One alternative while parsing: its fields by dotted path (a later key overrides).
  using Partial = std::map<std::string, EventPattern::Field>;

  bool sns() const { return dialect_ == PatternDialect::kSnsFilterPolicy; }
  absl::Status Fail(std::string_view reason) const;

  absl::Status Object(const json::object& object, const std::string& prefix, int depth,
                      bool inside_or, std::vector<Partial>& rules);
  absl::Status Or(const json::value& value, const std::string& prefix, int depth,
                  std::vector<Partial>& rules);
  absl::Status Leaf(const json::array& values, const std::string& path, int depth,
                    std::vector<Partial>& rules);
  absl::StatusOr<Condition> Expression(const json::object& expression);
  absl::StatusOr<Condition> PrefixOrSuffix(Kind kind, const json::value& value);
  absl::StatusOr<Condition> Numeric(const json::value& value);
  absl::StatusOr<Condition> AnythingBut(const json::value& value);
  absl::StatusOr<Condition> AnythingButSet(Kind kind, const json::value& value);
  absl::StatusOr<Condition> Cidr(const json::value& value);
  absl::StatusOr<std::vector<std::string>> Wildcard(std::string_view text);

  PatternDialect dialect_;
  FilterPolicyScope scope_;
};

absl::Status PatternParser::Fail(std::string_view reason) const {
  if (sns()) return absl::InvalidArgumentError(fmt::format("FilterPolicy: {}", reason));
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidEventPatternException",
                  fmt::format("Event pattern is not valid. Reason: {}", reason));
}

absl::StatusOr<EventPattern> PatternParser::Parse(std::string_view text) {
  boost::system::error_code error;
  json::value parsed = json::parse(text, error);
  if (error) return Fail("Filter is not valid JSON");
  if (!parsed.is_object()) return Fail("Filter is not an object");
  const json::object& top = parsed.get_object();
  // Recorded (LocalStack test_policy_complexity): six flat keys.
  if (sns() && top.size() > kSnsMaxKeys) return Fail("Filter policy can not have more than 5 keys");
  std::vector<Partial> rules;
  if (auto status = Object(top, "", 1, false, rules); !status.ok()) return status;

  EventPattern pattern;
  uint64_t combinations = 0;
  for (const Partial& rule : rules) {
    uint64_t product = 1;
    for (const auto& [path, field] : rule) {
      pattern.paths_.push_back(path);
      product = std::min<uint64_t>(product * field.conditions.size() * field.depth,
                                   kSnsMaxCombinations + 1);
    }
    combinations = std::min(combinations + product, kSnsMaxCombinations + 1);
  }
  // Recorded (test_policy_complexity, test_policy_complexity_with_or,
  // test_sub_filter_policy_nested_property_constraints): the count multiplies each field's
  // value count by its nesting depth.
  if (sns() && combinations > kSnsMaxCombinations) return Fail("Filter policy is too complex");

  std::sort(pattern.paths_.begin(), pattern.paths_.end());
  pattern.paths_.erase(std::unique(pattern.paths_.begin(), pattern.paths_.end()),
                       pattern.paths_.end());
  for (const std::string& path : pattern.paths_) {
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
      pattern.prefixes_.push_back(path.substr(0, dot));
    }
    pattern.prefixes_.push_back(path);
  }
  std::sort(pattern.prefixes_.begin(), pattern.prefixes_.end());
  pattern.prefixes_.erase(std::unique(pattern.prefixes_.begin(), pattern.prefixes_.end()),
                          pattern.prefixes_.end());
  for (Partial& rule : rules) {
    EventPattern::Branch branch;
    for (auto& [path, field] : rule) {
      field.path =
          static_cast<size_t>(std::lower_bound(pattern.paths_.begin(), pattern.paths_.end(), path) -
                              pattern.paths_.begin());
      branch.push_back(std::move(field));
    }
    pattern.branches_.push_back(std::move(branch));
  }
  return pattern;
}

absl::Status PatternParser::Object(const json::object& object, const std::string& prefix, int depth,
                                   bool inside_or, std::vector<Partial>& rules) {
  static constexpr std::string_view kReserved[] = {"exact",
                                                   "equals-ignore-case",
                                                   "prefix",
                                                   "suffix",
                                                   "anything-but",
                                                   "exists",
                                                   "wildcard",
                                                   "numeric",
                                                   "cidr",
                                                   "=",
                                                   "<",
                                                   "<=",
                                                   ">",
                                                   ">="};
  if (object.empty()) return Fail("Empty objects are not allowed");
  for (const auto& [key, value] : object) {
    if (key == "$or") {
      if (auto status = Or(value, prefix, depth, rules); !status.ok()) return status;
      continue;
    }
    if (inside_or && std::find(std::begin(kReserved), std::end(kReserved), std::string_view(key)) !=
                         std::end(kReserved)) {
      return Fail(fmt::format("{} is Ruler reserved fieldName which cannot be used inside $or.",
                              std::string_view(key)));
    }
    const std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    if (value.is_object()) {
      // Recorded (test_sub_filter_policy_nested_property): this one has no "FilterPolicy: ".
      if (sns() && scope_ == FilterPolicyScope::kMessageAttributes) {
        return absl::InvalidArgumentError(
            "Filter policy scope MessageAttributes does not support nested filter policy");
      }
      if (auto status = Object(value.get_object(), path, depth + 1, inside_or, rules);
          !status.ok()) {
        return status;
      }
    } else if (value.is_array()) {
      if (auto status = Leaf(value.get_array(), path, depth, rules); !status.ok()) return status;
    } else {
      return Fail(fmt::format("\"{}\" must be an object or an array", std::string_view(key)));
    }
  }
  return absl::OkStatus();
}

absl::Status PatternParser::Or(const json::value& value, const std::string& prefix, int depth,
                               std::vector<Partial>& rules) {
  if (!value.is_array()) return Fail("It must be an Array followed with $or.");
  const std::vector<Partial> current = std::move(rules);
  rules.clear();
  for (const json::value& alternative : value.get_array()) {
    if (!alternative.is_object()) {
      return Fail("Only JSON object is allowed in array of $or relationship.");
    }
    std::vector<Partial> added = current;
    if (added.empty()) added.emplace_back();
    if (auto status = Object(alternative.get_object(), prefix, depth, true, added); !status.ok()) {
      return status;
    }
    if (rules.size() + added.size() > kMaxBranches) return Fail("Too many $or alternatives");
    for (Partial& rule : added) rules.push_back(std::move(rule));
  }
  if (value.get_array().size() < 2) {
    return Fail("There must have at least 2 Objects in $or relationship.");
  }
  return absl::OkStatus();
}

absl::Status PatternParser::Leaf(const json::array& values, const std::string& path, int depth,
                                 std::vector<Partial>& rules) {
  EventPattern::Field field{.depth = depth};
  for (const json::value& value : values) {
    if (value.is_object()) {
      auto condition = Expression(value.get_object());
      if (!condition.ok()) return condition.status();
      field.conditions.push_back(*std::move(condition));
    } else if (value.is_array()) {
      return Fail("Match value must be String, number, true, false, or null");
    } else {
      field.conditions.push_back(Condition{.kind = Kind::kExact, .values = {value}});
    }
  }
  if (field.conditions.empty()) return Fail("Empty arrays are not allowed");
  if (rules.empty()) rules.emplace_back();
  for (Partial& rule : rules) rule[path] = field;
  return absl::OkStatus();
}

absl::StatusOr<Condition> PatternParser::Expression(const json::object& expression) {
  if (expression.empty()) return Fail("Match expression name not found");
  const auto& [name, value] = *expression.begin();
  // Ruler reads the first operator whole before it sees a second key; numeric and anything-but
  // then report the second key in numeric's words.
  std::string_view too_many = "Only one key allowed in match expression";
  absl::StatusOr<Condition> condition = Fail(fmt::format("Unrecognized match type {}", name));
  if (name == "prefix") {
    condition = PrefixOrSuffix(Kind::kPrefix, value);
  } else if (name == "suffix") {
    condition = PrefixOrSuffix(Kind::kSuffix, value);
  } else if (name == "equals-ignore-case") {
    if (!value.is_string()) return Fail("equals-ignore-case match pattern must be a string");
    condition = Condition{.kind = Kind::kEqualsIgnoreCase,
                          .values = {json::value(AsciiToLower(value.get_string()))}};
  } else if (name == "numeric") {
    condition = Numeric(value);
    too_many = "Too many elements in numeric expression";
  } else if (name == "anything-but") {
    condition = AnythingBut(value);
    too_many = "Too many elements in numeric expression";
  } else if (name == "exists") {
    if (!value.is_bool()) return Fail("exists match pattern must be either true or false.");
    condition = Condition{.kind = Kind::kExists, .exists = value.get_bool()};
  } else if (name == "cidr") {
    condition = Cidr(value);
  } else if (name == "wildcard" && !sns()) {
    if (!value.is_string()) return Fail("wildcard match pattern must be a string");
    auto pieces = Wildcard(value.get_string());
    if (!pieces.ok()) return pieces.status();
    condition = Condition{.kind = Kind::kWildcard, .wildcards = {*std::move(pieces)}};
  }
  if (condition.ok() && expression.size() > 1) return Fail(too_many);
  return condition;
}

absl::StatusOr<Condition> PatternParser::PrefixOrSuffix(Kind kind, const json::value& value) {
  const std::string_view name = kind == Kind::kPrefix ? "prefix" : "suffix";
  if (value.is_object()) {
    const json::object& inner = value.get_object();
    if (inner.empty()) {
      return Fail(kind == Kind::kPrefix ? "Prefix expression name not found"
                                        : "Suffix expression name not found");
    }
    const auto& [op, operand] = *inner.begin();
    if (op != "equals-ignore-case") {
      return Fail(fmt::format("Unsupported {} pattern: {}", name, std::string_view(op)));
    }
    if (!operand.is_string()) return Fail("equals-ignore-case match pattern must be a string");
    if (inner.size() > 1) return Fail("Only one key allowed in match expression");
    return Condition{.kind = kind,
                     .ignore_case = true,
                     .values = {json::value(AsciiToLower(operand.get_string()))}};
  }
  if (!value.is_string()) return Fail(fmt::format("{} match pattern must be a string", name));
  return Condition{.kind = kind, .values = {value}};
}

absl::StatusOr<Condition> PatternParser::Numeric(const json::value& value) {
  if (!value.is_array()) return Fail("Value of numeric must be an array.");
  const json::array& terms = value.get_array();
  auto term = [&terms](size_t i) { return i < terms.size() ? &terms[i] : nullptr; };
  if (!term(0) || !term(0)->is_string()) {
    return Fail(fmt::format("Invalid member in numeric match: {}", TokenText(term(0))));
  }
  const std::string op(term(0)->get_string());
  Condition condition{.kind = Kind::kNumeric};
  const bool lower = op == ">" || op == ">=";
  if (!lower && op != "=" && op != "<" && op != "<=") {
    return Fail(fmt::format("Unrecognized numeric range operator: {}", op));
  }
  if (!IsNumber(term(1))) {
    return Fail(fmt::format("Value of {} must be numeric", op == "=" ? "equals" : op));
  }
  const double first = term(1)->to_number<double>();
  if (op == "=") {
    condition.equal_set = true;
    condition.equal = first;
  } else if (lower) {
    condition.lower = {.set = true, .inclusive = op == ">=", .value = first};
  } else {
    condition.upper = {.set = true, .inclusive = op == "<=", .value = first};
  }
  if (!term(2)) return condition;
  if (!lower) return Fail("Too many elements in numeric expression");
  if (!term(2)->is_string()) {
    return Fail(fmt::format("Bad value in numeric range: {}", TokenText(term(2))));
  }
  const std::string top_op(term(2)->get_string());
  if (top_op != "<" && top_op != "<=") {
    return Fail(fmt::format("Bad numeric range operator: {}", top_op));
  }
  if (!IsNumber(term(3))) return Fail(fmt::format("Value of {} must be numeric", top_op));
  if (term(4)) return Fail("Too many terms in numeric range expression");
  const double top = term(3)->to_number<double>();
  if (!(first < top)) return Fail("Bottom must be less than top");
  condition.upper = {.set = true, .inclusive = top_op == "<=", .value = top};
  return condition;
}

absl::StatusOr<Condition> PatternParser::AnythingBut(const json::value& value) {
  if (value.is_object()) {
    const json::object& inner = value.get_object();
    if (inner.empty()) return Fail("Anything-But expression name not found");
    const auto& [op, operand] = *inner.begin();
    static const std::map<std::string_view, Kind> kOperators = {
        {"prefix", Kind::kPrefix},
        {"suffix", Kind::kSuffix},
        {"equals-ignore-case", Kind::kEqualsIgnoreCase},
        {"wildcard", Kind::kWildcard}};
    auto found = kOperators.find(std::string_view(op));
    // Recorded for SNS (test_validate_policy_nested_anything_but_operator): suffix refused.
    if (found == kOperators.end() || (sns() && found->second != Kind::kPrefix)) {
      return Fail(fmt::format("Unsupported anything-but pattern: {}", std::string_view(op)));
    }
    auto condition = AnythingButSet(found->second, operand);
    if (condition.ok() && inner.size() > 1) return Fail("Too many elements in numeric expression");
    return condition;
  }
  Condition condition{.kind = Kind::kExact, .negated = true};
  if (value.is_string() || value.is_number()) {
    condition.values.push_back(value);
    return condition;
  }
  if (!value.is_array()) {
    return Fail("Value of anything-but must be an array or single string/number value.");
  }
  bool strings = false, numbers = false;
  for (const json::value& item : value.get_array()) {
    if (!item.is_string() && !item.is_number()) {
      return Fail("Inside anything but list, start|null|boolean is not supported.");
    }
    (item.is_string() ? strings : numbers) = true;
    condition.values.push_back(item);
  }
  if (strings == numbers) {
    return Fail(
        "Inside anything but list, either all values are number or string, mixed type is not "
        "supported");
  }
  return condition;
}

absl::StatusOr<Condition> PatternParser::AnythingButSet(Kind kind, const json::value& value) {
  // Recorded for SNS: {"anything-but": {"prefix": false}} says "prefix match ...".
  if (sns() && !value.is_array() && !value.is_string()) {
    return Fail("prefix match pattern must be a string");
  }
  if (!value.is_array() && !value.is_string() && !value.is_number()) {
    return Fail("Value of anything-but must be an array or single string/number value.");
  }
  Condition condition{.kind = kind, .negated = true};
  const json::array single{value};
  for (const json::value& item : value.is_array() ? value.get_array() : single) {
    if (!item.is_string()) {
      if (sns()) return Fail("prefix match pattern must be a string");
      if (kind == Kind::kEqualsIgnoreCase) {
        return Fail(
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
            "supported.");
      }
      if (kind == Kind::kWildcard) return Fail("wildcard match pattern must be a string");
      return Fail("prefix/suffix match pattern must be a string");
    }
    const std::string_view text = item.get_string();
    if ((kind == Kind::kPrefix || kind == Kind::kSuffix) && text.empty()) {
      return Fail("Null prefix/suffix not allowed");
    }
    if (kind == Kind::kWildcard) {
      auto pieces = Wildcard(text);
      if (!pieces.ok()) return pieces.status();
      condition.wildcards.push_back(*std::move(pieces));
    } else {
      condition.values.push_back(
          json::value(kind == Kind::kEqualsIgnoreCase ? AsciiToLower(text) : std::string(text)));
    }
  }
  return condition;
}

absl::StatusOr<Condition> PatternParser::Cidr(const json::value& value) {
  // Ruler's own quirk: a cidr that is not a string gets the prefix message.
  if (!value.is_string()) return Fail("prefix match pattern must be a string");
  const std::string_view text = value.get_string();
  // Java's split("/") drops trailing empty parts: "10.0.0.0/" has one part.
  std::string_view trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
  const size_t slash = trimmed.find('/');
  if (slash == std::string_view::npos || trimmed.find('/', slash + 1) != std::string_view::npos) {
    return Fail("Malformed CIDR, one '/' required");
  }
  const std::string address(trimmed.substr(0, slash));
  std::string_view mask = trimmed.substr(slash + 1);
  if (mask.starts_with('+')) mask.remove_prefix(1);
  int bits = 0;
  auto [end, error] = std::from_chars(mask.data(), mask.data() + mask.size(), bits);
  if (mask.empty() || error != std::errc() || end != mask.data() + mask.size()) {
    return Fail("Malformed CIDR, mask bits must be an integer");
  }
  if (bits < 0) return Fail("Malformed CIDR, mask bits must not be negative");
  Condition condition{.kind = Kind::kCidr, .mask_bits = bits};
  if (inet_pton(AF_INET, address.c_str(), condition.network.data()) == 1) {
    condition.family = 4;
    if (bits > 31) return Fail("IPv4 mask bits must be < 32");
  } else if (inet_pton(AF_INET6, address.c_str(), condition.network.data()) == 1) {
    condition.family = 6;
    if (bits > 127) return Fail("IPv6 mask bits must be < 128");
  } else {
    return Fail(fmt::format("Nonstandard IP address: {}", address));
  }
  return condition;
}

absl::StatusOr<std::vector<std::string>> PatternParser::Wildcard(std::string_view text) {
  // Positions count from 1: Ruler parses the value with its opening quote (recorded:
  // "arn:aws:events:us-east-1:**:..." -> "Consecutive wildcard characters at pos 26").
  std::vector<std::string> pieces(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '*') {
      if (i + 1 < text.size() && text[i + 1] == '*') {
        return Fail(fmt::format("Consecutive wildcard characters at pos {}", i + 1));
      }
      pieces.emplace_back();
    } else if (text[i] == '\\') {
      if (i + 1 >= text.size() || (text[i + 1] != '*' && text[i + 1] != '\\')) {
        return Fail(fmt::format("Invalid escape character at pos {}", i + 1));
      }
      pieces.back().push_back(text[++i]);
    } else {
      pieces.back().push_back(text[i]);
    }
  }
  if (pieces.size() - 1 > kMaxWildcards) {
    return Fail(
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
        "sequences after a wildcard character");
  }
  return pieces;
}

absl::StatusOr<EventPattern> EventPattern::Parse(std::string_view json, PatternDialect dialect,
                                                 FilterPolicyScope scope) {
  return PatternParser(dialect, scope).Parse(json);
}

}  // namespace serval::events
