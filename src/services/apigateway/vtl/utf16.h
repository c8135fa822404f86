#pragma once

#include <string>
#include <string_view>

namespace serval::apigateway::vtl {

// Java strings are UTF-16: these convert so that lengths, indexes and \u escapes agree with
// Java's. A byte that is not valid UTF-8 becomes U+FFFD, as Java's decoder makes it; an unpaired
// surrogate is written in its 3-byte form. Thread-safe.
std::u16string ToUtf16(std::string_view text);
std::string ToUtf8(std::u16string_view text);

}  // namespace serval::apigateway::vtl
