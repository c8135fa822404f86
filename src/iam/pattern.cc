#include "iam/pattern.h"

#include "common/text.h"
#include "iam/request_keys.h"

namespace serval::iam {
namespace {

// The compiled form (glob_) spells wildcards and variables with bytes a policy never holds, so
// that a literal '*' (written ${*}) stays literal: kAny is '*', kOne is '?', kVariable is
// followed by one byte, kVariableBase + the variable's index (never ':', so ARN segments split
// cleanly).
constexpr char kAny = '\x01';
constexpr char kOne = '\x02';
constexpr char kVariable = '\x03';
constexpr unsigned char kVariableBase = 0x80;
constexpr size_t kMaxVariables = 127;

constexpr size_t kArnSegments = 6;  // arn:partition:service:region:account:resource

// Splits an ARN into its six segments; false when it has fewer than five colons.
bool SplitArn(std::string_view arn, std::string_view (&segments)[kArnSegments]) {
  for (size_t i = 0; i + 1 < kArnSegments; ++i) {
    const size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    segments[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  segments[kArnSegments - 1] = arn;
  return true;
}

}  // namespace

absl::StatusOr<Pattern> Pattern::Compile(std::string_view text, Options options) {
  Pattern pattern;
  pattern.text_ = std::string(text);
  pattern.options_ = options;
  std::string& glob = pattern.glob_;
  glob.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == kAny || c == kOne || c == kVariable) {
      return absl::InvalidArgumentError("control characters in a policy string");
    }
    if (options.wildcards && (c == '*' || c == '?')) {
      glob.push_back(c == '*' ? kAny : kOne);
      pattern.literal_ = false;
      continue;
    }
    if (!options.variables || c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      glob.push_back(options.ignore_case ? AsciiLower(c) : c);
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("unterminated policy variable");
    }
    const std::string_view body = TrimBlanks(text.substr(i + 2, close - i - 2));
    i = close;
    if (body == "*" || body == "?" || body == "$") {
      glob.push_back(body[0]);
      continue;
    }
    Variable variable;
    const size_t comma = body.find(',');
    variable.key = AsciiToLower(TrimBlanks(body.substr(0, comma)));
    if (comma != std::string_view::npos) {
      std::string_view fallback = TrimBlanks(body.substr(comma + 1));
      if (fallback.size() >= 2 && fallback.front() == '\'' && fallback.back() == '\'') {
        fallback = fallback.substr(1, fallback.size() - 2);
      }
      variable.has_default = true;
      variable.default_value = std::string(fallback);
    }
    if (pattern.variables_.size() >= kMaxVariables) {
      return absl::InvalidArgumentError("too many policy variables");
    }
    glob.push_back(kVariable);
    glob.push_back(static_cast<char>(kVariableBase + pattern.variables_.size()));
    pattern.variables_.push_back(std::move(variable));
    pattern.literal_ = false;
  }
  pattern.everything_ = glob.size() == 1 && glob[0] == kAny;
  std::string_view segments[kArnSegments];
  pattern.segmented_ = options.arn_segments && !pattern.everything_ &&
                       text.starts_with("arn:") && SplitArn(glob, segments);
  return pattern;
}

bool Pattern::CharEquals(char pattern, char subject) const {
  return pattern == (options_.ignore_case ? AsciiLower(subject) : subject);
}

bool Pattern::Matches(std::string_view subject, const RequestKeys* keys) const {
  if (everything_) return true;
  if (!segmented_) {
    if (literal_) {
      return options_.ignore_case ? EqualsIgnoreCase(glob_, subject) : glob_ == subject;
    }
    return GlobMatch(glob_, subject, keys);
  }
  std::string_view want[kArnSegments];
  std::string_view have[kArnSegments];
  SplitArn(glob_, want);
  if (!SplitArn(subject, have)) return false;
  for (size_t i = 0; i < kArnSegments; ++i) {
    if (!GlobMatch(want[i], have[i], keys)) return false;
  }
  return true;
}

// Classic wildcard matching with one backtrack point (the last '*'): linear for the patterns
// policies use, and no allocation. A variable is a literal run whose text comes from the request.
bool Pattern::GlobMatch(std::string_view glob, std::string_view subject,
                        const RequestKeys* keys) const {
  // The value of the variable whose marker starts at glob[p]; false when it has none.
  auto value_of = [&](size_t p, std::string_view* value) {
    const Variable& variable =
        variables_[static_cast<unsigned char>(glob[p + 1]) - kVariableBase];
    if (keys != nullptr) {
      const KeyValues values = keys->Find(variable.key);
      if (values.size() == 1) {
        *value = values[0];
        return true;
      }
    }
    *value = variable.default_value;
    return variable.has_default;
  };
  size_t p = 0;
  size_t s = 0;
  size_t star_p = std::string_view::npos;
  size_t star_s = 0;
  while (s < subject.size()) {
    if (p < glob.size()) {
      const char c = glob[p];
      if (c == kAny) {
        star_p = ++p;
        star_s = s;
        continue;
      }
      if (c == kOne) {
        ++p;
        ++s;
        continue;
      }
      if (c == kVariable) {
        std::string_view value;
        if (!value_of(p, &value)) return false;
        const std::string_view rest = subject.substr(s);
        if (options_.ignore_case ? StartsWithIgnoreCase(rest, value) : rest.starts_with(value)) {
          p += 2;
          s += value.size();
          continue;
        }
      } else if (CharEquals(c, subject[s])) {
        ++p;
        ++s;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    s = ++star_s;
  }
  // The subject is used up: what remains of the pattern must match nothing.
  while (p < glob.size()) {
    if (glob[p] == kAny) {
      ++p;
      continue;
    }
    std::string_view value;
    if (glob[p] != kVariable || !value_of(p, &value) || !value.empty()) return false;
    p += 2;
  }
  return true;
}

}  // namespace serval::iam
