#include "server/template_string.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace serval::server {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == ':';
}

// Calls on_text for literal runs and on_name for references, left to right.
absl::Status Scan(std::string_view text, const std::function<void(std::string_view)>& on_text,
                  const std::function<absl::Status(std::string_view)>& on_name) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find("${", at);
    if (open == std::string_view::npos) {
      on_text(text.substr(at));
      return absl::OkStatus();
    }
    on_text(text.substr(at, open - at));
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format("unclosed '${{' in \"{}\"", text));
    }
    std::string_view inside = text.substr(open + 2, close - open - 2);
    if (inside.starts_with('!')) {
      on_text("${");
      on_text(inside.substr(1));
      on_text("}");
    } else {
      if (inside.empty() || !std::all_of(inside.begin(), inside.end(), IsNameChar)) {
        return absl::InvalidArgumentError(
            fmt::format("'${{{}}}' in \"{}\" is not a variable name", inside, text));
      }
      if (absl::Status status = on_name(inside); !status.ok()) return status;
    }
    at = close + 1;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> TemplateReferences(std::string_view text) {
  std::vector<std::string> names;
  absl::Status status = Scan(
      text, [](std::string_view) {},
      [&](std::string_view name) {
        names.emplace_back(name);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return names;
}

absl::StatusOr<std::string> SubstituteTemplate(
    std::string_view text,
    const std::function<std::optional<std::string>(std::string_view name)>& lookup) {
  std::string out;
  absl::Status status = Scan(
      text, [&](std::string_view literal) { out.append(literal); },
      [&](std::string_view name) {
        std::optional<std::string> value = lookup(name);
        if (!value) return absl::InvalidArgumentError(fmt::format("unknown '${{{}}}'", name));
        out += *value;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return out;
}

}  // namespace serval::server
