#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::apigateway::vtl {

// The java.lang.String regex methods on PCRE2, whose syntax is close to java.util.regex for
// what templates use (classes, quantifiers, groups, anchors, lookaround). Patterns are UTF-8;
// invalid UTF-8 in the subject does not fail. A match that backtracks too much is an error
// instead of a stalled request. Thread-safe.

// String.matches: the whole text matches.
absl::StatusOr<bool> RegexMatches(std::string_view pattern, std::string_view text);

// String.replaceAll / replaceFirst. The replacement uses Java's syntax: `$1` and `${name}` are
// groups, `\x` is a literal x.
absl::StatusOr<std::string> RegexReplace(std::string_view pattern, std::string_view text,
                                         std::string_view replacement, bool all, size_t max_bytes);

// String.split(regex): the pieces between matches; trailing empty pieces are dropped, and a
// zero-width match at the start makes no leading empty piece (Java 8 and later).
absl::StatusOr<std::vector<std::string>> RegexSplit(std::string_view pattern,
                                                    std::string_view text);

}  // namespace serval::apigateway::vtl
