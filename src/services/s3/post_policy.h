#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::s3 {

// The policy of a browser-form upload (POST Object): a base64 JSON document
//   {"expiration": "2026-12-02T18:00:00Z", "conditions": [...]}
// whose conditions every form field must meet: {"field": "value"} and ["eq", "$field", "value"]
// (exact), ["starts-with", "$field", "prefix"], ["content-length-range", min, max] (the file's
// size, inclusive). Field names compare ignoring case, values exactly. The form's signature
// covers the base64 text (http/form_signature.h); this checks what it says.
//
// Errors are S3's: a document that is not one 400 InvalidPolicyDocument "Invalid Policy: ...";
// an expired policy, a failed condition or a field no condition covers 403 AccessDenied
// "Invalid according to Policy: ..."; a file outside the range 400 EntityTooSmall/TooLarge.

struct PostCondition {
  enum class Kind { kEquals, kStartsWith, kContentLengthRange };
  Kind kind = Kind::kEquals;
  std::string field;  // lower case, without the '$'
  std::string value;
  uint64_t min = 0;
  uint64_t max = 0;
  bool bounds_valid = true;  // content-length-range: both bounds are sizes
  std::string text;  // as S3 quotes it in "Policy Condition failed: ..."
};

struct PostPolicy {
  int64_t expiration_millis = 0;
  std::vector<PostCondition> conditions;
};

// The form's fields by lower-case name; a name sent twice has its values joined with ','.
using PostFields = std::map<std::string, std::string>;

absl::StatusOr<PostPolicy> ParsePostPolicy(std::string_view base64_policy);

// Whether `fields` (with ${filename} already put into the key) meet `policy` at `now_millis` for
// an upload into `bucket`; `exempt` are the lower-case names no condition needs to cover (the
// signature's own fields, "file", "policy"; "x-ignore-*" always are).
absl::Status CheckPostPolicy(const PostPolicy& policy, const PostFields& fields,
                             std::string_view bucket, int64_t now_millis,
                             const std::vector<std::string_view>& exempt);

// Whether a file of `size` bytes is within the policy's content-length-range (if it has one).
absl::Status CheckPostContentLength(const PostPolicy& policy, uint64_t size);

}  // namespace serval::s3
