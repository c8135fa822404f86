#pragma once

#include <string_view>

namespace serval::s3 {

// S3's rules for a new bucket's name: 3 to 63 characters of lower-case letters, digits, dots
// and hyphens, beginning and ending with a letter or digit, no two adjacent dots, not shaped
// like an IPv4 address, and not using the prefixes and suffixes AWS reserves. Thread-safe.
bool IsValidBucketName(std::string_view name);

}  // namespace serval::s3
