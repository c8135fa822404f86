#pragma once

#include <string>
#include <string_view>

namespace serval {

// `data` as a gzip member (RFC 1952), as CloudWatch Logs compresses subscription deliveries.
// Thread-safe (pure).
std::string GzipCompress(std::string_view data);

}  // namespace serval
