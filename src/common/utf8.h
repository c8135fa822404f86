#pragma once

#include <string>
#include <string_view>

namespace serval {

// The length of the well-formed UTF-8 sequence at the start of `text` (1-4), or 0 when it does
// not start with one (a stray continuation byte, an overlong form, a surrogate, a code point past
// U+10FFFF, a truncated sequence).
size_t Utf8SequenceLength(std::string_view text);

// `text` as valid UTF-8: each byte that does not begin a well-formed sequence becomes U+FFFD,
// as API Gateway treats a body it reads as text. Valid text comes back unchanged.
std::string ToValidUtf8(std::string_view text);

}  // namespace serval
