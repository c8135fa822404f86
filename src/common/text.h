#pragma once

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

// Small ASCII text helpers over std::string_view. (Debian's abseil has its own string_view type,
// which std::string_view does not convert to, so absl's string functions do not take ours.)
// Thread-safe.
namespace serval {

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
inline char AsciiUpper(char c) { return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c; }

inline std::string AsciiToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), AsciiLower);
  return out;
}

inline std::string AsciiToUpper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), AsciiUpper);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

inline bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// `text` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

// The pieces of `text` between `separator`s (an empty text gives one empty piece).
inline std::vector<std::string_view> SplitOn(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  for (size_t start = 0;;) {
    const size_t end = text.find(separator, start);
    pieces.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

// Decimal digits only (no sign), into an int; false for an empty text or any other character.
// For fixed-width fields (dates), where the width bounds the value.
inline bool ParseDigits(std::string_view text, int* out) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return !text.empty();
}

// A whole decimal number (digits only, optionally one leading '-' for signed types) that fits
// in T; false otherwise.
template <typename T>
bool ParseDecimal(std::string_view text, T* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, *out);
  return error == std::errc() && stop == end;
}

// Which characters of a WildcardMatch pattern are wildcards: IAM's `*` and `?`, or `*` alone
// (CloudWatch Logs filter patterns, where `?` is itself).
enum class Wildcards { kStarAndQuestionMark, kStarOnly };

// Whether `text` matches `pattern`, whose * matches any run of characters and ? any one (as IAM
// matches actions, resources and ArnLike conditions).
inline bool WildcardMatch(std::string_view pattern, std::string_view text,
                          Wildcards wildcards = Wildcards::kStarAndQuestionMark) {
  const bool question_mark = wildcards == Wildcards::kStarAndQuestionMark;
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    // `*` first: it is a wildcard even where the text has a `*` too.
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() &&
               ((question_mark && pattern[p] == '?') || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace serval
