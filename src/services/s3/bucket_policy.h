#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::s3 {

// Bucket policies as far as Serval enforces them: validated as resource policies
// (iam::ParsePolicy), stored as given, and consulted for requests that carry no signature.
// Thread-safe (pure functions).

// MalformedPolicy (400), with IAM's message for the first problem, unless `document` is a valid
// resource policy (a Principal, an Action and a Resource in every statement, ...).
absl::Status ValidateBucketPolicy(std::string_view document);

// Whether `document` lets an anonymous caller at `source_ip` perform `action` ("s3:GetObject") on
// `resource` ("arn:aws:s3:::bucket/key") as iam::Evaluate decides it: a statement naming anyone
// ("Principal": "*" or {"AWS": "*"}) allows it and no Deny statement does (aws:SourceIp
// conditions see `source_ip`).
bool AllowsAnonymous(std::string_view document, std::string_view action, std::string_view resource,
                     std::string_view source_ip);

}  // namespace serval::s3
