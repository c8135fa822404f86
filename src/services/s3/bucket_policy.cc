#include "services/s3/bucket_policy.h"

#include <string>

#include "iam/evaluator.h"
#include "iam/policy.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {

absl::Status ValidateBucketPolicy(std::string_view document) {
  absl::StatusOr<iam::PolicyDocument> policy =
      iam::ParsePolicy(document, iam::PolicyKind::kResource);
  if (policy.ok()) return absl::OkStatus();
  return S3Error(400, "MalformedPolicy", std::string(policy.status().message()));
}

bool AllowsAnonymous(std::string_view document, std::string_view action,
                     std::string_view resource, std::string_view source_ip) {
  if (document.empty()) return false;
  absl::StatusOr<iam::PolicyDocument> policy =
      iam::ParsePolicy(document, iam::PolicyKind::kResource);
  if (!policy.ok()) return false;
  const iam::Principal anonymous;
  const iam::AccessQuery query{
      .principal = &anonymous, .action = action, .resource = resource, .source_ip = source_ip};
  return iam::Evaluate(query, {}, &*policy).decision == iam::Decision::kAllow;
}

}  // namespace serval::s3
