#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval {

// Hashing and encoding helpers over OpenSSL. Thread-safe.

// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
std::string Base64Encode(std::string_view data);
// Fails with InvalidArgument on characters outside the standard alphabet or bad padding.
absl::StatusOr<std::string> Base64Decode(std::string_view encoded);

}  // namespace serval
