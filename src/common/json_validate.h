#pragma once

#include <string>
#include <string_view>

namespace serval {

// True when `text` is one complete JSON value. Validates without building a document, so large
// payloads cost a single pass and no allocation. On failure `error` (if given) says why.
// Thread-safe.
bool IsValidJson(std::string_view text, std::string* error = nullptr);

}  // namespace serval
