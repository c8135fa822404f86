#include "services/s3/conditions.h"

#include "common/text.h"
#include "common/time_format.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace {

// True when `header` holds a date and the object was modified after it (at whole seconds:
// Last-Modified carries no more). A header that is not a
// date is ignored, as S3 does.
std::optional<bool> ModifiedSince(std::string_view header, int64_t last_modified_millis) {
  if (header.empty()) return std::nullopt;
  int64_t since_seconds = 0;
  if (!ParseHttpDate(TrimBlanks(header), &since_seconds)) return std::nullopt;
  return last_modified_millis / 1000 > since_seconds;
}

}  // namespace

bool EtagListMatches(std::string_view list, std::string_view etag) {
  for (std::string_view candidate : SplitOn(list, ',')) {
    candidate = TrimBlanks(candidate);
    if (candidate == "*") return true;
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate.size() >= 2 && candidate.front() == '"' && candidate.back() == '"') {
      candidate = candidate.substr(1, candidate.size() - 2);
    }
    if (candidate == etag) return true;
  }
  return false;
}

absl::StatusOr<std::optional<ByteRange>> RangeOf(std::string_view header, uint64_t size) {
  header = TrimBlanks(header);
  if (!header.starts_with("bytes=")) return std::nullopt;
  std::string_view spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view first_text = TrimBlanks(spec.substr(0, dash));
  const std::string_view last_text = TrimBlanks(spec.substr(dash + 1));
  uint64_t first = 0, last = 0;
  if (first_text.empty()) {  // "-N": the last N bytes
    uint64_t suffix = 0;
    if (!ParseDecimal(last_text, &suffix)) return std::nullopt;
    if (suffix == 0 || size == 0) return InvalidRange(size, header);
    return ByteRange{suffix >= size ? 0 : size - suffix, size - 1};
  }
  if (!ParseDecimal(first_text, &first)) return std::nullopt;
  if (last_text.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!ParseDecimal(last_text, &last) || last < first) {
    return std::nullopt;
  }
  if (first >= size) return InvalidRange(size, header);
  return ByteRange{first, std::min(last, size - 1)};
}

absl::StatusOr<Condition> EvaluateReadConditions(const http::Request& request,
                                                 std::string_view etag,
                                                 int64_t last_modified_millis) {
  const std::string_view if_match = request.Header("If-Match");
  if (!if_match.empty()) {
    if (!EtagListMatches(if_match, etag)) return PreconditionFailed("If-Match");
  } else if (ModifiedSince(request.Header("If-Unmodified-Since"), last_modified_millis) == true) {
    return PreconditionFailed("If-Unmodified-Since");
  }
  const std::string_view if_none_match = request.Header("If-None-Match");
  if (!if_none_match.empty()) {
    if (EtagListMatches(if_none_match, etag)) return Condition::kNotModified;
  } else if (ModifiedSince(request.Header("If-Modified-Since"), last_modified_millis) == false) {
    return Condition::kNotModified;
  }
  return Condition::kProceed;
}

absl::Status EvaluateCopySourceConditions(const http::Request& request, std::string_view etag,
                                          int64_t last_modified_millis) {
  const std::string_view if_match = request.Header("x-amz-copy-source-if-match");
  if (!if_match.empty() && !EtagListMatches(if_match, etag)) {
    return PreconditionFailed("x-amz-copy-source-If-Match");
  }
  const std::string_view if_none_match = request.Header("x-amz-copy-source-if-none-match");
  if (!if_none_match.empty() && EtagListMatches(if_none_match, etag)) {
    return PreconditionFailed("x-amz-copy-source-If-None-Match");
  }
  if (if_match.empty() && ModifiedSince(request.Header("x-amz-copy-source-if-unmodified-since"),
                                        last_modified_millis) == true) {
    return PreconditionFailed("x-amz-copy-source-If-Unmodified-Since");
  }
  if (if_none_match.empty() && ModifiedSince(request.Header("x-amz-copy-source-if-modified-since"),
                                             last_modified_millis) == false) {
    return PreconditionFailed("x-amz-copy-source-If-Modified-Since");
  }
  return absl::OkStatus();
}

}  // namespace serval::s3
