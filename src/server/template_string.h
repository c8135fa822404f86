#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::server {

// `${Name}` substitution in the strings of a blueprint manifest (docs/blueprints.md), in
// CloudFormation's Fn::Sub syntax: `${Name}` is replaced by the variable's value, `${!Text}`
// stands for the literal `${Text}` (so an IAM policy variable such as `${!aws:username}`
// survives), and a `$` not followed by `{` is itself. Names are letters, digits, `_`, `-`, `.`
// and `:` (`${Fanout.Arn}`, `${AWS::Region}`). Thread-safe (pure functions).

// The names `text` refers to, in order of appearance, or why it is malformed (an unclosed `${`,
// an empty or ill-formed name).
absl::StatusOr<std::vector<std::string>> TemplateReferences(std::string_view text);

// `text` with every reference replaced by lookup(name); a name lookup does not know is an
// InvalidArgument error naming it.
absl::StatusOr<std::string> SubstituteTemplate(
    std::string_view text,
    const std::function<std::optional<std::string>(std::string_view name)>& lookup);

}  // namespace serval::server
