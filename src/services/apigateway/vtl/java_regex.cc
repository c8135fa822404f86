#define PCRE2_CODE_UNIT_WIDTH 8
#include "services/apigateway/vtl/java_regex.h"

#include <pcre2.h>

#include <memory>

#include "fmt/format.h"

namespace serval::apigateway::vtl {
namespace {

// Bounds on one match's backtracking, so that `(a+)+b` on a long subject fails fast.
constexpr uint32_t kMatchLimit = 1'000'000;
constexpr uint32_t kDepthLimit = 10'000;

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
struct MatchContextDeleter {
  void operator()(pcre2_match_context* context) const { pcre2_match_context_free(context); }
};

class Regex {
 public:
  static absl::StatusOr<Regex> Compile(std::string_view pattern) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
    if (code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof message);
      return absl::InvalidArgumentError(fmt::format("invalid regular expression '{}' at {}: {}",
                                                    pattern, offset,
                                                    reinterpret_cast<char*>(message)));
    }
    Regex regex;
    regex.code_.reset(code);
    regex.data_.reset(pcre2_match_data_create_from_pattern(code, nullptr));
    regex.context_.reset(pcre2_match_context_create(nullptr));
    pcre2_set_match_limit(regex.context_.get(), kMatchLimit);
    pcre2_set_depth_limit(regex.context_.get(), kDepthLimit);
    return regex;
  }

  // Finds the next match at or after `start`: true with the match's [begin, end), false when
  // there is none, an error when the match limits are hit.
  absl::StatusOr<bool> Find(std::string_view text, size_t start, uint32_t options, size_t* begin,
                            size_t* end) {
    int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                         options, data_.get(), context_.get());
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0) {
      return absl::ResourceExhaustedError(
          "regular expression match failed (too much backtracking?)");
    }
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data_.get());
    *begin = ovector[0];
    *end = ovector[1];
    return true;
  }

  pcre2_code* code() const { return code_.get(); }
  pcre2_match_data* data() const { return data_.get(); }
  pcre2_match_context* context() const { return context_.get(); }

 private:
  std::unique_ptr<pcre2_code, CodeDeleter> code_;
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> data_;
  std::unique_ptr<pcre2_match_context, MatchContextDeleter> context_;
};

// Java's replacement syntax in PCRE2's: `$n` -> `${n}`, `\x` -> x (`$` doubled).
absl::StatusOr<std::string> PcreReplacement(std::string_view java) {
  std::string out;
  for (size_t i = 0; i < java.size(); ++i) {
    char c = java[i];
    if (c == '\\') {
      if (++i == java.size()) return absl::InvalidArgumentError("replacement ends with '\\'");
      out += java[i] == '$' ? "$$" : std::string(1, java[i]);
    } else if (c == '$') {
      size_t j = i + 1;
      if (j < java.size() && java[j] == '{') {
        size_t close = java.find('}', j);
        if (close == std::string_view::npos) {
          return absl::InvalidArgumentError("unclosed group name in replacement");
        }
        out += "$";
        out.append(java.substr(j, close - j + 1));
        i = close;
        continue;
      }
      while (j < java.size() && java[j] >= '0' && java[j] <= '9') ++j;
      if (j == i + 1) return absl::InvalidArgumentError("illegal group reference in replacement");
      out += "${";
      out.append(java.substr(i + 1, j - i - 1));
      out += "}";
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<bool> RegexMatches(std::string_view pattern, std::string_view text) {
  absl::StatusOr<Regex> regex = Regex::Compile(pattern);
  if (!regex.ok()) return regex.status();
  size_t begin = 0;
  size_t end = 0;
  absl::StatusOr<bool> found =
      regex->Find(text, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, &begin, &end);
  return found;
}

absl::StatusOr<std::string> RegexReplace(std::string_view pattern, std::string_view text,
                                         std::string_view replacement, bool all, size_t max_bytes) {
  absl::StatusOr<Regex> regex = Regex::Compile(pattern);
  if (!regex.ok()) return regex.status();
  absl::StatusOr<std::string> pcre_replacement = PcreReplacement(replacement);
  if (!pcre_replacement.ok()) return pcre_replacement.status();
  std::string out(text.size() + 64, '\0');
  uint32_t options = PCRE2_SUBSTITUTE_OVERFLOW_LENGTH | (all ? PCRE2_SUBSTITUTE_GLOBAL : 0);
  while (true) {
    PCRE2_SIZE length = out.size();
    int rc = pcre2_substitute(
        regex->code(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, options,
        regex->data(), regex->context(), reinterpret_cast<PCRE2_SPTR>(pcre_replacement->data()),
        pcre_replacement->size(), reinterpret_cast<PCRE2_UCHAR*>(out.data()), &length);
    if (rc == PCRE2_ERROR_NOMEMORY) {  // `length` is the size needed
      if (length > max_bytes) return absl::ResourceExhaustedError("replaceAll result too large");
      out.resize(length + 1);
      continue;
    }
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof message);
      return absl::InvalidArgumentError(
          fmt::format("regex replacement failed: {}", reinterpret_cast<char*>(message)));
    }
    out.resize(length);
    return out;
  }
}

absl::StatusOr<std::vector<std::string>> RegexSplit(std::string_view pattern,
                                                    std::string_view text) {
  absl::StatusOr<Regex> regex = Regex::Compile(pattern);
  if (!regex.ok()) return regex.status();
  std::vector<std::string> pieces;
  size_t piece_start = 0;
  size_t search = 0;
  while (search <= text.size()) {
    size_t begin = 0;
    size_t end = 0;
    absl::StatusOr<bool> found = regex->Find(text, search, 0, &begin, &end);
    if (!found.ok()) return found.status();
    if (!*found) break;
    if (end == begin) {  // zero-width: never splits at the very start, always advances
      if (begin == 0 || begin >= text.size()) {
        search = begin + 1;
        continue;
      }
    }
    pieces.emplace_back(text.substr(piece_start, begin - piece_start));
    piece_start = end;
    search = end > begin ? end : end + 1;
  }
  pieces.emplace_back(text.substr(piece_start));
  while (!pieces.empty() && pieces.back().empty()) pieces.pop_back();
  if (pieces.empty() && text.empty()) pieces.emplace_back();  // "".split(x) is [""]
  return pieces;
}

}  // namespace serval::apigateway::vtl
