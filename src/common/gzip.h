#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval {

// `data` as a gzip member (RFC 1952), as CloudWatch Logs compresses subscription deliveries.
// Compressed for speed (zlib's level 1): every delivery is compressed while functions run, and
// log lines shrink well even so. Thread-safe (pure).
std::string GzipCompress(std::string_view data);

// The data of a gzip member (what SDKs send with Content-Encoding: gzip). InvalidArgument for
// anything else, ResourceExhausted if it would decompress to more than `max_bytes` (a small
// body may expand a thousandfold). Thread-safe (pure).
absl::StatusOr<std::string> GzipDecompress(std::string_view data, size_t max_bytes);

}  // namespace serval
