#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::s3 {

// An inclusive byte range of an object.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t size() const { return last - first + 1; }
};

// The range a `Range: bytes=...` header asks of an object of `size` bytes: "first-last",
// "first-" (to the end) or "-suffix" (the last bytes), clamped to the object. nullopt: the whole
// object (no header, or one S3 ignores: another unit, several ranges, bad syntax). InvalidRange
// (416) when the range starts past the end, or for any range of an empty object.
absl::StatusOr<std::optional<ByteRange>> RangeOf(std::string_view header, uint64_t size);

// What the conditional headers of a GET or HEAD say, evaluated as S3 and RFC 9110 do: If-Match
// (else If-Unmodified-Since) failing is 412 PreconditionFailed; If-None-Match (else
// If-Modified-Since) failing is 304 Not Modified.
enum class Condition { kProceed, kNotModified };
absl::StatusOr<Condition> EvaluateReadConditions(const http::Request& request,
                                                 std::string_view etag,
                                                 int64_t last_modified_millis);

// CopyObject's and UploadPartCopy's x-amz-copy-source-if-* headers on the source object: any that
// fails is 412 PreconditionFailed.
absl::Status EvaluateCopySourceConditions(const http::Request& request, std::string_view etag,
                                          int64_t last_modified_millis);

// Whether an If-Match / If-None-Match value ("*", or a list of quoted or bare ETags) names
// `etag` (unquoted).
bool EtagListMatches(std::string_view list, std::string_view etag);

}  // namespace serval::s3
