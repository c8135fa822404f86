#include "services/s3/s3_access.h"

#include <fmt/format.h>

#include <array>

namespace serval::s3 {
namespace {

// What an operation's request names.
enum class Target { kNone, kAccount, kBucket, kObject };

struct OperationAccess {
  std::string_view operation;
  std::string_view action;  // empty: the operation asks nothing of IAM as a whole
  // The action instead when the request names a version (?versionId=); empty: the same.
  std::string_view version_action;
  Target target;
  // s3:prefix, s3:delimiter and s3:max-keys from the query (ListBucket).
  bool list_keys = false;
  // With x-amz-copy-source, s3:GetObject on the source first (CopyObject, UploadPartCopy).
  bool copies = false;
};

// Each operation S3Service's route table serves, with the action AWS's reference gives it.
// Deleting a bucket's tags, CORS rules or lifecycle configuration is their Put action, as in
// AWS.
constexpr std::array<OperationAccess, 48> kOperations{{
    {"ListBuckets", "s3:ListAllMyBuckets", "", Target::kAccount},
    {"CreateBucket", "s3:CreateBucket", "", Target::kBucket},
    {"HeadBucket", "s3:ListBucket", "", Target::kBucket},
    {"DeleteBucket", "s3:DeleteBucket", "", Target::kBucket},
    {"ListObjects", "s3:ListBucket", "", Target::kBucket, true},
    {"ListObjectsV2", "s3:ListBucket", "", Target::kBucket, true},
    {"ListObjectVersions", "s3:ListBucketVersions", "", Target::kBucket, true},
    {"GetBucketLocation", "s3:GetBucketLocation", "", Target::kBucket},
    {"PutBucketTagging", "s3:PutBucketTagging", "", Target::kBucket},
    {"GetBucketTagging", "s3:GetBucketTagging", "", Target::kBucket},
    {"DeleteBucketTagging", "s3:PutBucketTagging", "", Target::kBucket},
    {"PutBucketPolicy", "s3:PutBucketPolicy", "", Target::kBucket},
    {"GetBucketPolicy", "s3:GetBucketPolicy", "", Target::kBucket},
    {"DeleteBucketPolicy", "s3:DeleteBucketPolicy", "", Target::kBucket},
    {"PutBucketCors", "s3:PutBucketCORS", "", Target::kBucket},
    {"GetBucketCors", "s3:GetBucketCORS", "", Target::kBucket},
    {"DeleteBucketCors", "s3:PutBucketCORS", "", Target::kBucket},
    {"GetBucketVersioning", "s3:GetBucketVersioning", "", Target::kBucket},
    {"GetBucketAcl", "s3:GetBucketAcl", "", Target::kBucket},
    {"GetBucketEncryption", "s3:GetEncryptionConfiguration", "", Target::kBucket},
    {"GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", "", Target::kBucket},
    {"GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", "", Target::kBucket},
    {"GetBucketLogging", "s3:GetBucketLogging", "", Target::kBucket},
    {"PutBucketNotificationConfiguration", "s3:PutBucketNotification", "", Target::kBucket},
    {"GetBucketNotificationConfiguration", "s3:GetBucketNotification", "", Target::kBucket},
    {"PutBucketWebsite", "s3:PutBucketWebsite", "", Target::kBucket},
    {"GetBucketWebsite", "s3:GetBucketWebsite", "", Target::kBucket},
    {"DeleteBucketWebsite", "s3:DeleteBucketWebsite", "", Target::kBucket},
    {"PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", "", Target::kBucket},
    {"GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "", Target::kBucket},
    {"DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", "", Target::kBucket},
    {"DeleteObjects", "", "", Target::kNone},
    {"ListMultipartUploads", "s3:ListBucketMultipartUploads", "", Target::kBucket},
    {"CorsPreflight", "", "", Target::kNone},
    {"PutObject", "s3:PutObject", "", Target::kObject, false, true},
    {"GetObject", "s3:GetObject", "s3:GetObjectVersion", Target::kObject},
    {"HeadObject", "s3:GetObject", "s3:GetObjectVersion", Target::kObject},
    {"DeleteObject", "s3:DeleteObject", "s3:DeleteObjectVersion", Target::kObject},
    {"PutObjectTagging", "s3:PutObjectTagging", "s3:PutObjectVersionTagging", Target::kObject},
    {"GetObjectTagging", "s3:GetObjectTagging", "s3:GetObjectVersionTagging", Target::kObject},
    {"DeleteObjectTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging",
     Target::kObject},
    {"GetObjectAcl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl", Target::kObject},
    {"GetObjectAttributes", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes",
     Target::kObject},
    {"CreateMultipartUpload", "s3:PutObject", "", Target::kObject},
    {"UploadPart", "s3:PutObject", "", Target::kObject, false, true},
    {"CompleteMultipartUpload", "s3:PutObject", "", Target::kObject},
    {"AbortMultipartUpload", "s3:AbortMultipartUpload", "", Target::kObject},
    {"ListParts", "s3:ListMultipartUploadParts", "", Target::kObject},
}};

constexpr std::string_view kArnPrefix = "arn:aws:s3:::";

std::string BucketArn(std::string_view bucket) {
  std::string arn;
  arn.reserve(kArnPrefix.size() + bucket.size());
  return arn.append(kArnPrefix).append(bucket);
}

std::string ObjectArn(std::string_view bucket, std::string_view key) {
  std::string arn;
  arn.reserve(kArnPrefix.size() + bucket.size() + 1 + key.size());
  return arn.append(kArnPrefix).append(bucket).append(1, '/').append(key);
}

// s3:prefix, s3:delimiter and s3:max-keys, those the query has.
std::vector<iam::ContextValue> ListContext(const http::Request& request) {
  std::vector<iam::ContextValue> context;
  for (std::string_view name : {"prefix", "delimiter", "max-keys"}) {
    if (std::optional<std::string> value = request.QueryParam(name)) {
      context.push_back({fmt::format("s3:{}", name), {*std::move(value)}});
    }
  }
  return context;
}

}  // namespace

absl::StatusOr<std::vector<iam::AccessRequest>> AccessRequestsFor(std::string_view operation,
                                                                  const S3Address& address,
                                                                  const http::Request& request,
                                                                  PolicyOf policy_of) {
  const OperationAccess* access = nullptr;
  for (const OperationAccess& candidate : kOperations) {
    if (candidate.operation == operation) access = &candidate;
  }
  if (access == nullptr) {
    return absl::InternalError(fmt::format("S3 operation {} has no IAM action", operation));
  }
  std::vector<iam::AccessRequest> requests;
  if (access->action.empty()) return requests;
  const std::string_view copy_source = request.Header("x-amz-copy-source");
  if (access->copies && !copy_source.empty()) {
    // A malformed source asks nothing: the operation answers InvalidArgument for it.
    if (auto source = CopySourceOf(copy_source); source.ok()) {
      const std::string_view version = CopySourceVersion(copy_source);
      iam::AccessRequest& read = requests.emplace_back();
      read.action = version.empty() ? "s3:GetObject" : "s3:GetObjectVersion";
      read.resource = ObjectArn(source->first, source->second);
      read.resource_policy = policy_of(source->first);
      if (!version.empty()) read.context.push_back({"s3:versionid", {std::string(version)}});
    }
  }
  iam::AccessRequest& own = requests.emplace_back();
  own.action = access->action;
  switch (access->target) {
    case Target::kNone:
    case Target::kAccount:
      own.resource = "*";
      return requests;
    case Target::kBucket:
      own.resource = BucketArn(address.bucket);
      break;
    case Target::kObject:
      own.resource = ObjectArn(address.bucket, address.key);
      break;
  }
  own.resource_policy = policy_of(address.bucket);
  if (access->list_keys) own.context = ListContext(request);
  if (!access->version_action.empty()) {
    if (std::optional<std::string> version = request.QueryParam("versionId")) {
      own.action = access->version_action;
      own.context.push_back({"s3:versionid", {*std::move(version)}});
    }
  }
  if (access->copies && !copy_source.empty()) {
    own.context.push_back({"s3:x-amz-copy-source", {std::string(copy_source)}});
  }
  return requests;
}

iam::AccessRequest DeleteObjectRequest(std::string_view bucket, std::string_view key,
                                       std::string_view version_id,
                                       const iam::PolicyDocument* policy) {
  iam::AccessRequest request{
      .action = version_id.empty() ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
      .resource = ObjectArn(bucket, key),
      .resource_policy = policy};
  if (!version_id.empty()) request.context.push_back({"s3:versionid", {std::string(version_id)}});
  return request;
}

}  // namespace serval::s3
