#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::s3 {

// Bucket policies as far as Serval enforces them: stored as given, and consulted for requests
// that carry no signature. Thread-safe (pure functions).

// MalformedPolicy (400) unless `document` is a JSON policy with a Statement whose entries each
// have an Effect of Allow or Deny.
absl::Status ValidateBucketPolicy(std::string_view document);

// Whether `document` lets anyone ("Principal": "*" or {"AWS": "*"}) perform `action`
// ("s3:GetObject") on `resource` ("arn:aws:s3:::bucket/key"): some Allow statement matches and
// no Deny statement does. Actions and resources match with the `*` and `?` wildcards.
bool AllowsAnonymous(std::string_view document, std::string_view action, std::string_view resource);

}  // namespace serval::s3
