#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::logs {

struct FilterPatternNode;

// A CloudWatch Logs filter pattern, compiled once and matched against many log events
// (FilterLogEvents, subscription filters). The syntax is AWS's (FilterAndPatternSyntax):
//   - terms: `ERROR` (the message contains it, case-sensitive), `ERROR ARGUMENTS` (all),
//     `?ERROR ?WARN` (any), `ERROR -DEBUG` (exclusion), `"quoted phrase"`, `""` / `" "` / empty
//     (everything);
//   - JSON: `{ $.field = "x*" }`, `{ $.a.b[0] > 5 }`, `= != < > <= >=`, `&&`, `||`, parentheses,
//     `IS NULL`, `NOT EXISTS`, `IS TRUE`/`IS FALSE`, `*` wildcards in strings; a message that is
//     not a JSON object never matches;
//   - space-delimited: `[ip, user, ..., status = 4*, size > 100]` with `...` and `[]` quoting;
//   - regular expressions `%...%` (at most two per pattern).
// Immutable after Parse, so thread-safe.
class FilterPattern {
 public:
  // InvalidArgument with AWS's message ("Invalid character(s) in term '...'", ...) for a pattern
  // AWS refuses; callers report it as InvalidParameterException.
  static absl::StatusOr<FilterPattern> Parse(std::string_view pattern);

  // Whether the event's message matches. Never fails: a message the pattern cannot apply to
  // (not JSON for a JSON pattern, too few fields) does not match.
  bool Matches(std::string_view message) const;

  // Whether every message matches (an empty or blank pattern): callers skip matching then.
  bool MatchesEverything() const;

 private:
  std::shared_ptr<const FilterPatternNode> root_;
};

}  // namespace serval::logs
