#pragma once

#include <string>
#include <string_view>

namespace serval {

// `data` as a gzip member (RFC 1952), as CloudWatch Logs compresses subscription deliveries.
// Compressed for speed (zlib's level 1): every delivery is compressed while functions run, and
// log lines shrink well even so. Thread-safe (pure).
std::string GzipCompress(std::string_view data);

}  // namespace serval
