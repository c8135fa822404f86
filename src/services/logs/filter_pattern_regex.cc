#include <fmt/format.h>

#include <string>

#include "services/logs/filter_pattern_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace serval::logs {
namespace {

// The match data one thread reuses for every search: a pattern has no groups (AWS refuses
// parentheses), so one ovector pair is enough whatever the pattern.
class ThreadMatchData {
 public:
  ThreadMatchData() : data_(pcre2_match_data_create(1, nullptr)) {}
  ~ThreadMatchData() { pcre2_match_data_free(data_); }
  ThreadMatchData(const ThreadMatchData&) = delete;
  ThreadMatchData& operator=(const ThreadMatchData&) = delete;
  pcre2_match_data* get() const { return data_; }

 private:
  pcre2_match_data* data_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const FilterRegex>> FilterRegex::Compile(std::string_view source) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // Bytes, not UTF-8: AWS refuses multibyte characters in a regex, and a subject that is not
  // valid UTF-8 must still be searchable.
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), 0,
                                   &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InvalidArgumentError(
        fmt::format("Invalid filter pattern: regular expression '%{}%': {}", source,
                    reinterpret_cast<const char*>(message)));
  }
  // Interpretation is the fallback where the JIT is unavailable.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return std::shared_ptr<const FilterRegex>(new FilterRegex(code));
}

FilterRegex::~FilterRegex() { pcre2_code_free(code_); }

bool FilterRegex::Search(std::string_view subject) const {
  thread_local ThreadMatchData match_data;
  // An empty view may have no data pointer, which PCRE2 before 10.43 refuses.
  const char* data = subject.empty() ? "" : subject.data();
  return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(data), subject.size(), 0, 0,
                     match_data.get(), nullptr) >= 0;
}

}  // namespace serval::logs
