#pragma once

// The compiled form of a FilterPattern, shared by filter_pattern_parse.cc (which builds it) and
// filter_pattern_match.cc (which runs it). Not part of the logs service's interface.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/logs/filter_pattern.h"

struct pcre2_real_code_8;

namespace serval::logs {

// A `%regex%` of a pattern, compiled once with PCRE2 (JIT where the platform has it), searched for
// anywhere in a subject. Immutable, so thread-safe (each thread keeps its own match data).
class FilterRegex {
 public:
  // InvalidArgument when PCRE2 refuses `source` (the text between the % signs).
  static absl::StatusOr<std::shared_ptr<const FilterRegex>> Compile(std::string_view source);
  ~FilterRegex();
  FilterRegex(const FilterRegex&) = delete;
  FilterRegex& operator=(const FilterRegex&) = delete;

  bool Search(std::string_view subject) const;

 private:
  explicit FilterRegex(pcre2_real_code_8* code) : code_(code) {}
  pcre2_real_code_8* code_;
};

// The right-hand side of a comparison: `"text*"` / `text*` (`*` matches any run of characters),
// a number, or a `%regex%`.
struct Operand {
  enum class Kind { kText, kNumber, kRegex };
  Kind kind = Kind::kText;
  std::string text;
  double number = 0;
  std::shared_ptr<const FilterRegex> regex;
};

enum class Relation {
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIsTrue,
  kIsFalse,
  kIsNull,
  kNotExists,
};

// One step of a JSON property selector: `.name` / `['name']`, `[3]`, or `[*]` / `.*` (every
// element or member).
struct SelectorStep {
  enum class Kind { kMember, kIndex, kEvery };
  Kind kind = Kind::kMember;
  std::string member;
  size_t index = 0;
};

// A leaf of a JSON pattern (`$.a.b[0] > 5`) or of a space-delimited field's condition
// (`status = 4*`, where `slot` is the position of the named field in the pattern).
struct Condition {
  std::vector<SelectorStep> selector;
  size_t slot = 0;
  Relation relation = Relation::kEqual;
  Operand operand;
};

// `&&` / `||` over conditions.
struct Expr {
  enum class Kind { kCondition, kAnd, kOr };
  Kind kind = Kind::kCondition;
  Condition condition;
  std::vector<Expr> operands;
};

// One unstructured term: a substring (from a bare word or a quoted phrase) or a `%regex%`.
struct Term {
  bool exclude = false;  // `-term`: the message must not contain it
  std::string text;
  std::shared_ptr<const FilterRegex> regex;
};

// One entry of a space-delimited pattern: a named or unnamed field, maybe with a condition.
struct Slot {
  std::string name;
  bool has_condition = false;
  Expr condition;
};

struct FilterPatternNode {
  enum class Kind { kEverything, kTerms, kJson, kDelimited };
  Kind kind = Kind::kEverything;
  // kTerms: the message matches when every term of any one group holds. `?` starts a group
  // (`?ERROR ?WARN` is two groups; `?"ERROR" "Main" ?"WARN" "Deadlock"` two groups of two).
  std::vector<std::vector<Term>> groups;
  // kJson.
  Expr json;
  // kDelimited: the message has exactly slots.size() fields, or at least that many when
  // `ellipsis` (then the slots before position `ellipsis_at` take the first fields and the others
  // the last ones).
  std::vector<Slot> slots;
  bool ellipsis = false;
  size_t ellipsis_at = 0;
};

// The whitespace that separates terms in a pattern and fields in a message.
inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace serval::logs
