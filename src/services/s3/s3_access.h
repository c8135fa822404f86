#pragma once

#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "http/message.h"
#include "iam/authorizer.h"
#include "services/s3/s3_address.h"

namespace serval::s3 {

// What S3's operations ask of IAM, as AWS's Service Authorization Reference defines them
// ("Actions, resources, and condition keys for Amazon S3"): the action, the ARN of the bucket
// (arn:aws:s3:::BUCKET) or object (arn:aws:s3:::BUCKET/KEY) or "*", the bucket's policy, and the
// condition keys S3 sets. docs/iam.md ("Actions and resources") lists where Serval differs.
// Thread-safe (pure functions).

// A bucket's parsed policy, or null when it has none (or does not exist).
using PolicyOf = absl::FunctionRef<const iam::PolicyDocument*(std::string_view bucket)>;

// The requests the operation `operation` (the API operation's name: "GetObject", "CopyObject"
// is "PutObject" with x-amz-copy-source) makes of `address` as `request` asks it, in the order
// they are checked: one for most; two for a copy (s3:GetObject on the source, then s3:PutObject
// on the destination); none for a CORS preflight or DeleteObjects, whose keys are checked one by
// one (DeleteObjectRequest). Internal for an operation without an entry (a defect).
absl::StatusOr<std::vector<iam::AccessRequest>> AccessRequestsFor(std::string_view operation,
                                                                  const S3Address& address,
                                                                  const http::Request& request,
                                                                  PolicyOf policy_of);

// One key of a DeleteObjects request: s3:DeleteObject on it (s3:DeleteObjectVersion when the
// entry names a version).
iam::AccessRequest DeleteObjectRequest(std::string_view bucket, std::string_view key,
                                       std::string_view version_id,
                                       const iam::PolicyDocument* policy);

}  // namespace serval::s3
