// java.lang.String's methods. Positions and lengths count UTF-16 code units, as Java's do, so
// that substring and indexOf agree with AWS on non-ASCII text; case mapping covers ASCII only.

#include <string>
#include <string_view>

#include "common/text.h"
#include "fmt/format.h"
#include "services/apigateway/vtl/java_regex.h"
#include "services/apigateway/vtl/methods.h"
#include "services/apigateway/vtl/utf16.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

using Args = std::span<const json::value>;

std::string_view Self(const json::value& self) { return self.get_string(); }

// The argument as Java would bind it to a String parameter: strings only.
const json::string* StringArg(Args args, size_t i) { return args[i].if_string(); }

absl::Status OutOfRange(std::string_view method) {
  return absl::InvalidArgumentError(fmt::format("String.{}: index out of range", method));
}

absl::StatusOr<json::value> Length(json::value& self, Args, const MethodContext&) {
  return static_cast<int64_t>(ToUtf16(Self(self)).size());
}

absl::StatusOr<json::value> IsEmpty(json::value& self, Args, const MethodContext&) {
  return Self(self).empty();
}

absl::StatusOr<json::value> ToString(json::value& self, Args, const MethodContext&) { return self; }

absl::StatusOr<json::value> Trim(json::value& self, Args, const MethodContext&) {
  std::string_view text = Self(self);  // Java trims every char <= ' '
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return json::string(text);
}

absl::StatusOr<json::value> ToLowerCase(json::value& self, Args, const MethodContext&) {
  return json::string(AsciiToLower(Self(self)));
}

absl::StatusOr<json::value> ToUpperCase(json::value& self, Args, const MethodContext&) {
  return json::string(AsciiToUpper(Self(self)));
}

// A method of one String argument returning a boolean.
template <bool (*Test)(std::string_view, std::string_view)>
absl::StatusOr<json::value> StringTest(json::value& self, Args args, const MethodContext&) {
  const json::string* other = StringArg(args, 0);
  if (other == nullptr) return nullptr;
  return Test(Self(self), *other);
}

bool Contains(std::string_view a, std::string_view b) {
  return a.find(b) != std::string_view::npos;
}
bool StartsWith(std::string_view a, std::string_view b) { return a.starts_with(b); }
bool EndsWith(std::string_view a, std::string_view b) { return a.ends_with(b); }
bool Equals(std::string_view a, std::string_view b) { return a == b; }

absl::StatusOr<json::value> IndexOf(json::value& self, Args args, const MethodContext&) {
  const json::string* needle = StringArg(args, 0);
  if (needle == nullptr) return nullptr;
  std::u16string text = ToUtf16(Self(self));
  int64_t from = 0;
  if (args.size() == 2) {
    std::optional<int64_t> start = AsInteger(args[1]);
    if (!start) return nullptr;
    from = std::max<int64_t>(0, *start);
  }
  if (from > static_cast<int64_t>(text.size())) return int64_t{-1};
  size_t at = text.find(ToUtf16(*needle), from);
  return at == std::u16string::npos ? int64_t{-1} : static_cast<int64_t>(at);
}

absl::StatusOr<json::value> LastIndexOf(json::value& self, Args args, const MethodContext&) {
  const json::string* needle = StringArg(args, 0);
  if (needle == nullptr) return nullptr;
  size_t at = ToUtf16(Self(self)).rfind(ToUtf16(*needle));
  return at == std::u16string::npos ? int64_t{-1} : static_cast<int64_t>(at);
}

absl::StatusOr<json::value> Substring(json::value& self, Args args, const MethodContext&) {
  std::u16string text = ToUtf16(Self(self));
  std::optional<int64_t> begin = AsInteger(args[0]);
  std::optional<int64_t> end =
      args.size() == 2 ? AsInteger(args[1]) : static_cast<int64_t>(text.size());
  if (!begin || !end) return nullptr;
  if (*begin < 0 || *end > static_cast<int64_t>(text.size()) || *begin > *end) {
    return OutOfRange("substring");
  }
  return json::string(ToUtf8(std::u16string_view(text).substr(*begin, *end - *begin)));
}

absl::StatusOr<json::value> CharAt(json::value& self, Args args, const MethodContext&) {
  std::u16string text = ToUtf16(Self(self));
  std::optional<int64_t> index = AsInteger(args[0]);
  if (!index) return nullptr;
  if (*index < 0 || *index >= static_cast<int64_t>(text.size())) return OutOfRange("charAt");
  return json::string(ToUtf8(std::u16string_view(text).substr(*index, 1)));
}

absl::StatusOr<json::value> Concat(json::value& self, Args args, const MethodContext& context) {
  const json::string* other = StringArg(args, 0);
  if (other == nullptr) return nullptr;
  if (Self(self).size() + other->size() > context.max_string_bytes) {
    return absl::ResourceExhaustedError("String.concat result too large");
  }
  return json::string(fmt::format("{}{}", Self(self), std::string_view(*other)));
}

// String.replace(CharSequence, CharSequence): every literal occurrence.
absl::StatusOr<json::value> Replace(json::value& self, Args args, const MethodContext& context) {
  const json::string* target = StringArg(args, 0);
  const json::string* replacement = StringArg(args, 1);
  if (target == nullptr || replacement == nullptr) return nullptr;
  std::string_view text = Self(self);
  std::string out;
  size_t at = 0;
  while (true) {
    size_t found = text.find(*target, at);
    if (found == std::string_view::npos) break;
    out.append(text.substr(at, found - at));
    out.append(replacement->data(), replacement->size());
    if (target->empty()) {  // Java inserts the replacement between every char
      if (found < text.size()) out += text[found];
      at = found + 1;
      if (at > text.size()) return json::string(out);
    } else {
      at = found + target->size();
    }
    if (out.size() > context.max_string_bytes) {
      return absl::ResourceExhaustedError("String.replace result too large");
    }
  }
  out.append(text.substr(at));
  return json::string(out);
}

template <bool kAll>
absl::StatusOr<json::value> ReplaceRegex(json::value& self, Args args,
                                         const MethodContext& context) {
  const json::string* pattern = StringArg(args, 0);
  const json::string* replacement = StringArg(args, 1);
  if (pattern == nullptr || replacement == nullptr) return nullptr;
  absl::StatusOr<std::string> out =
      RegexReplace(*pattern, Self(self), *replacement, kAll, context.max_string_bytes);
  if (!out.ok()) return out.status();
  return json::string(*out);
}

absl::StatusOr<json::value> Matches(json::value& self, Args args, const MethodContext&) {
  const json::string* pattern = StringArg(args, 0);
  if (pattern == nullptr) return nullptr;
  absl::StatusOr<bool> matches = RegexMatches(*pattern, Self(self));
  if (!matches.ok()) return matches.status();
  return *matches;
}

absl::StatusOr<json::value> Split(json::value& self, Args args, const MethodContext&) {
  const json::string* pattern = StringArg(args, 0);
  if (pattern == nullptr) return nullptr;
  absl::StatusOr<std::vector<std::string>> pieces = RegexSplit(*pattern, Self(self));
  if (!pieces.ok()) return pieces.status();
  json::array out;
  for (std::string& piece : *pieces) out.emplace_back(json::string(piece));
  return out;
}

constexpr MethodEntry kStringMethods[] = {
    {"length", 0, 0, Length},
    {"isEmpty", 0, 0, IsEmpty},
    {"toString", 0, 0, ToString},
    {"trim", 0, 0, Trim},
    {"toLowerCase", 0, 0, ToLowerCase},
    {"toUpperCase", 0, 0, ToUpperCase},
    {"contains", 1, 1, StringTest<Contains>},
    {"startsWith", 1, 1, StringTest<StartsWith>},
    {"endsWith", 1, 1, StringTest<EndsWith>},
    {"equals", 1, 1, StringTest<Equals>},
    {"equalsIgnoreCase", 1, 1, StringTest<EqualsIgnoreCase>},
    {"indexOf", 1, 2, IndexOf},
    {"lastIndexOf", 1, 1, LastIndexOf},
    {"substring", 1, 2, Substring},
    {"charAt", 1, 1, CharAt},
    {"concat", 1, 1, Concat},
    {"replace", 2, 2, Replace},
    {"replaceAll", 2, 2, ReplaceRegex<true>},
    {"replaceFirst", 2, 2, ReplaceRegex<false>},
    {"matches", 1, 1, Matches},
    {"split", 1, 1, Split},
};

}  // namespace

std::span<const MethodEntry> StringMethods() { return kStringMethods; }

}  // namespace serval::apigateway::vtl
