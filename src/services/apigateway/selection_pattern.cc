#include "services/apigateway/selection_pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>

namespace serval::apigateway {

struct SelectionPattern::Code {
  ~Code() { pcre2_code_free(code); }
  pcre2_code* code = nullptr;
};

absl::StatusOr<SelectionPattern> SelectionPattern::Compile(std::string_view pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // Anchored at both ends: Java's matches() takes the whole subject (anchoring when compiling,
  // not when matching, keeps the JIT usable). UTF with MATCH_INVALID_UTF: an invalid UTF-8
  // subject simply does not match.
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                    &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InvalidArgumentError(fmt::format("Invalid selection pattern '{}': {} at offset {}",
                                                  pattern, reinterpret_cast<char*>(message),
                                                  offset));
  }
  // Interpretation is the fallback where the JIT is unavailable.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto compiled = std::make_shared<Code>();
  compiled->code = code;
  return SelectionPattern(std::move(compiled));
}

bool SelectionPattern::Matches(std::string_view subject) const {
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  const int result = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                                 subject.size(), 0, 0, data, nullptr);
  pcre2_match_data_free(data);
  return result >= 0;
}

}  // namespace serval::apigateway
