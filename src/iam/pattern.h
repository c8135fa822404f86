#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::iam {

class RequestKeys;

// A policy string compiled once for matching many times: an Action, a Resource, a condition value
// or an ARN. Thread-compatible value; matching is const and allocates nothing.
//
// Wildcards ('*' any run, '?' one character) and policy variables ("${aws:username}",
// "${aws:PrincipalTag/team, 'none'}", and the escapes ${*} ${?} ${$} for the literal characters)
// are recognized only where the owner asks for them. An ARN pattern ("arn:" and at least five
// colons) matches segment by segment: a wildcard in the region never spans into the account, and
// the resource part (everything after the fifth colon) is one segment, ':' and '/' included.
class Pattern {
 public:
  struct Options {
    bool wildcards = false;      // '*' and '?' are wildcards (else literal)
    bool variables = false;      // ${...} is a policy variable (policy Version 2012-10-17 only)
    bool ignore_case = false;    // ASCII case-insensitive (actions, StringEqualsIgnoreCase)
    bool arn_segments = false;   // match ARN segment by segment when the pattern is an ARN
  };

  // InvalidArgument for an unterminated "${" or a pattern holding the control bytes 0x01-0x03.
  static absl::StatusOr<Pattern> Compile(std::string_view text, Options options);

  // Whether `subject` matches. Variables resolve through `keys` (null: every variable is
  // unresolved); a variable without a value and without a default never matches anything, and a
  // key with more than one value is no value (as AWS treats multivalued keys in variables).
  bool Matches(std::string_view subject, const RequestKeys* keys) const;

  // The pattern as written in the policy.
  const std::string& text() const { return text_; }
  // True for the pattern "*" with wildcards on: matches anything.
  bool matches_everything() const { return everything_; }

 private:
  struct Variable {
    std::string key;  // lower-case
    bool has_default = false;
    std::string default_value;
  };

  bool GlobMatch(std::string_view glob, std::string_view subject, const RequestKeys* keys) const;
  bool CharEquals(char pattern, char subject) const;

  std::string text_;
  // text_ with wildcards and variables encoded as control bytes (see pattern.cc); with
  // ignore_case, lower-cased.
  std::string glob_;
  std::vector<Variable> variables_;
  Options options_;
  bool everything_ = false;
  bool literal_ = true;  // glob_ holds no wildcard and no variable: plain comparison
  bool segmented_ = false;
};

}  // namespace serval::iam
