#include "services/s3/s3_access.h"

#include <gtest/gtest.h>

namespace serval::s3 {
namespace {

const iam::PolicyDocument* const kSourcePolicy = reinterpret_cast<const iam::PolicyDocument*>(0x10);
const iam::PolicyDocument* const kTargetPolicy = reinterpret_cast<const iam::PolicyDocument*>(0x20);

// Bucket "src" and bucket "dst" have policies (stand-ins: the mapping only passes them on).
const iam::PolicyDocument* PolicyOfBucket(std::string_view bucket) {
  if (bucket == "src") return kSourcePolicy;
  if (bucket == "dst") return kTargetPolicy;
  return nullptr;
}

http::Request Request(std::string method, std::string target) {
  return http::Request{.method = std::move(method), .target = std::move(target)};
}

std::vector<iam::AccessRequest> RequestsFor(std::string_view operation, const S3Address& address,
                                            const http::Request& request) {
  auto requests = AccessRequestsFor(operation, address, request, PolicyOfBucket);
  EXPECT_TRUE(requests.ok()) << requests.status();
  return requests.ok() ? *std::move(requests) : std::vector<iam::AccessRequest>();
}

// The only request `operation` makes: its action and resource.
std::pair<std::string, std::string> OnlyRequest(std::string_view operation,
                                                const S3Address& address,
                                                const http::Request& request) {
  std::vector<iam::AccessRequest> requests = RequestsFor(operation, address, request);
  EXPECT_EQ(requests.size(), 1u) << operation;
  if (requests.size() != 1) return {};
  return {std::string(requests[0].action), requests[0].resource};
}

std::vector<std::string> ValuesOf(const iam::AccessRequest& request, std::string_view key) {
  for (const iam::ContextValue& value : request.context) {
    if (value.key == key) return value.values;
  }
  return {};
}

using Pair = std::pair<std::string, std::string>;

TEST(S3Access, EveryOperationHasItsAction) {
  const S3Address service{};
  const S3Address bucket{.bucket = "dst"};
  const S3Address object{.bucket = "dst", .key = "a/b c"};
  const http::Request get = Request("GET", "/");
  const std::string bucket_arn = "arn:aws:s3:::dst";
  const std::string object_arn = "arn:aws:s3:::dst/a/b c";
  const std::pair<std::string_view, Pair> bucket_operations[] = {
      {"CreateBucket", {"s3:CreateBucket", bucket_arn}},
      {"HeadBucket", {"s3:ListBucket", bucket_arn}},
      {"DeleteBucket", {"s3:DeleteBucket", bucket_arn}},
      {"ListObjects", {"s3:ListBucket", bucket_arn}},
      {"ListObjectsV2", {"s3:ListBucket", bucket_arn}},
      {"GetBucketLocation", {"s3:GetBucketLocation", bucket_arn}},
      {"PutBucketTagging", {"s3:PutBucketTagging", bucket_arn}},
      {"GetBucketTagging", {"s3:GetBucketTagging", bucket_arn}},
      {"DeleteBucketTagging", {"s3:PutBucketTagging", bucket_arn}},
      {"PutBucketPolicy", {"s3:PutBucketPolicy", bucket_arn}},
      {"GetBucketPolicy", {"s3:GetBucketPolicy", bucket_arn}},
      {"DeleteBucketPolicy", {"s3:DeleteBucketPolicy", bucket_arn}},
      {"PutBucketCors", {"s3:PutBucketCORS", bucket_arn}},
      {"GetBucketCors", {"s3:GetBucketCORS", bucket_arn}},
      {"DeleteBucketCors", {"s3:PutBucketCORS", bucket_arn}},
      {"GetBucketVersioning", {"s3:GetBucketVersioning", bucket_arn}},
      {"GetBucketAcl", {"s3:GetBucketAcl", bucket_arn}},
      {"PutBucketNotificationConfiguration", {"s3:PutBucketNotification", bucket_arn}},
      {"GetBucketNotificationConfiguration", {"s3:GetBucketNotification", bucket_arn}},
      {"PutBucketWebsite", {"s3:PutBucketWebsite", bucket_arn}},
      {"GetBucketWebsite", {"s3:GetBucketWebsite", bucket_arn}},
      {"DeleteBucketWebsite", {"s3:DeleteBucketWebsite", bucket_arn}},
      {"PutBucketLifecycleConfiguration", {"s3:PutLifecycleConfiguration", bucket_arn}},
      {"GetBucketLifecycleConfiguration", {"s3:GetLifecycleConfiguration", bucket_arn}},
      {"DeleteBucketLifecycle", {"s3:PutLifecycleConfiguration", bucket_arn}},
      {"ListMultipartUploads", {"s3:ListBucketMultipartUploads", bucket_arn}},
      {"ListObjectVersions", {"s3:ListBucketVersions", bucket_arn}},
      {"GetBucketEncryption", {"s3:GetEncryptionConfiguration", bucket_arn}},
      {"GetBucketOwnershipControls", {"s3:GetBucketOwnershipControls", bucket_arn}},
      {"GetPublicAccessBlock", {"s3:GetBucketPublicAccessBlock", bucket_arn}},
      {"GetBucketLogging", {"s3:GetBucketLogging", bucket_arn}},
  };
  for (const auto& entry : bucket_operations) {
    EXPECT_EQ(OnlyRequest(entry.first, bucket, get), entry.second) << entry.first;
  }
  const std::pair<std::string_view, Pair> object_operations[] = {
      {"PutObject", {"s3:PutObject", object_arn}},
      {"GetObject", {"s3:GetObject", object_arn}},
      {"HeadObject", {"s3:GetObject", object_arn}},
      {"DeleteObject", {"s3:DeleteObject", object_arn}},
      {"PutObjectTagging", {"s3:PutObjectTagging", object_arn}},
      {"GetObjectTagging", {"s3:GetObjectTagging", object_arn}},
      {"DeleteObjectTagging", {"s3:DeleteObjectTagging", object_arn}},
      {"GetObjectAcl", {"s3:GetObjectAcl", object_arn}},
      {"GetObjectAttributes", {"s3:GetObjectAttributes", object_arn}},
      {"CreateMultipartUpload", {"s3:PutObject", object_arn}},
      {"UploadPart", {"s3:PutObject", object_arn}},
      {"CompleteMultipartUpload", {"s3:PutObject", object_arn}},
      {"AbortMultipartUpload", {"s3:AbortMultipartUpload", object_arn}},
      {"ListParts", {"s3:ListMultipartUploadParts", object_arn}},
  };
  for (const auto& entry : object_operations) {
    EXPECT_EQ(OnlyRequest(entry.first, object, get), entry.second) << entry.first;
  }
  EXPECT_EQ(OnlyRequest("ListBuckets", service, get), Pair("s3:ListAllMyBuckets", "*"));
  // A preflight carries no credentials; DeleteObjects asks about each key (DeleteObjectRequest).
  EXPECT_TRUE(RequestsFor("CorsPreflight", object, Request("OPTIONS", "/dst/a")).empty());
  EXPECT_TRUE(RequestsFor("DeleteObjects", bucket, Request("POST", "/dst?delete")).empty());
}

TEST(S3Access, AnOperationWithoutAnEntryIsAnError) {
  auto requests = AccessRequestsFor("SelectObjectContent", S3Address{.bucket = "b", .key = "k"},
                                    Request("POST", "/b/k?select"), PolicyOfBucket);
  EXPECT_EQ(requests.status().code(), absl::StatusCode::kInternal);
}

TEST(S3Access, TheBucketPolicyComesWithEveryRequestOnTheBucket) {
  auto requests =
      RequestsFor("GetObject", S3Address{.bucket = "dst", .key = "k"}, Request("GET", "/dst/k"));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].resource_policy, kTargetPolicy);
  requests = RequestsFor("GetObject", S3Address{.bucket = "other", .key = "k"},
                         Request("GET", "/other/k"));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].resource_policy, nullptr);
  requests = RequestsFor("ListBuckets", S3Address{}, Request("GET", "/"));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].resource_policy, nullptr);
}

TEST(S3Access, ListingsCarryPrefixDelimiterAndMaxKeys) {
  auto requests = RequestsFor("ListObjectsV2", S3Address{.bucket = "dst"},
                              Request("GET",
                                      "/dst?list-type=2&prefix=logs%2F&delimiter=%2F"
                                      "&max-keys=10"));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(ValuesOf(requests[0], "s3:prefix"), std::vector<std::string>{"logs/"});
  EXPECT_EQ(ValuesOf(requests[0], "s3:delimiter"), std::vector<std::string>{"/"});
  EXPECT_EQ(ValuesOf(requests[0], "s3:max-keys"), std::vector<std::string>{"10"});
  requests = RequestsFor("ListObjects", S3Address{.bucket = "dst"}, Request("GET", "/dst"));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].context.empty());
}

TEST(S3Access, AVersionIdAsksForTheVersionAction) {
  const S3Address object{.bucket = "dst", .key = "k"};
  const http::Request versioned = Request("GET", "/dst/k?versionId=v1");
  EXPECT_EQ(OnlyRequest("GetObject", object, versioned).first, "s3:GetObjectVersion");
  EXPECT_EQ(OnlyRequest("HeadObject", object, versioned).first, "s3:GetObjectVersion");
  EXPECT_EQ(OnlyRequest("DeleteObject", object, versioned).first, "s3:DeleteObjectVersion");
  EXPECT_EQ(OnlyRequest("GetObjectTagging", object, versioned).first, "s3:GetObjectVersionTagging");
  EXPECT_EQ(ValuesOf(RequestsFor("GetObject", object, versioned)[0], "s3:versionid"),
            std::vector<std::string>{"v1"});
  // PutObject has no version action: a versionId changes nothing.
  EXPECT_EQ(OnlyRequest("PutObject", object, versioned).first, "s3:PutObject");
}

TEST(S3Access, CopyObjectReadsTheSourceAndWritesTheDestination) {
  http::Request copy = Request("PUT", "/dst/new");
  copy.headers.emplace_back("x-amz-copy-source", "/src/dir/old%20name");
  auto requests = RequestsFor("PutObject", S3Address{.bucket = "dst", .key = "new"}, copy);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].action, "s3:GetObject");
  EXPECT_EQ(requests[0].resource, "arn:aws:s3:::src/dir/old name");
  EXPECT_EQ(requests[0].resource_policy, kSourcePolicy);
  EXPECT_EQ(requests[1].action, "s3:PutObject");
  EXPECT_EQ(requests[1].resource, "arn:aws:s3:::dst/new");
  EXPECT_EQ(requests[1].resource_policy, kTargetPolicy);
  EXPECT_EQ(ValuesOf(requests[1], "s3:x-amz-copy-source"),
            std::vector<std::string>{"/src/dir/old%20name"});
}

TEST(S3Access, UploadPartCopyOfAVersionReadsThatVersion) {
  http::Request copy = Request("PUT", "/dst/new?partNumber=1&uploadId=u");
  copy.headers.emplace_back("x-amz-copy-source", "src/old?versionId=v7");
  auto requests = RequestsFor("UploadPart", S3Address{.bucket = "dst", .key = "new"}, copy);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].action, "s3:GetObjectVersion");
  EXPECT_EQ(requests[0].resource, "arn:aws:s3:::src/old");
  EXPECT_EQ(ValuesOf(requests[0], "s3:versionid"), std::vector<std::string>{"v7"});
  EXPECT_EQ(requests[1].action, "s3:PutObject");
  // A copy source naming no key asks only about the destination (the copy fails on its own).
  copy.headers.back().second = "/src";
  EXPECT_EQ(RequestsFor("UploadPart", S3Address{.bucket = "dst", .key = "new"}, copy).size(), 1u);
}

TEST(S3Access, DeleteObjectsAsksAboutEachKey) {
  const iam::AccessRequest plain = DeleteObjectRequest("dst", "a", "", kTargetPolicy);
  EXPECT_EQ(plain.action, "s3:DeleteObject");
  EXPECT_EQ(plain.resource, "arn:aws:s3:::dst/a");
  EXPECT_EQ(plain.resource_policy, kTargetPolicy);
  const iam::AccessRequest versioned = DeleteObjectRequest("dst", "b/c", "v2", nullptr);
  EXPECT_EQ(versioned.action, "s3:DeleteObjectVersion");
  EXPECT_EQ(versioned.resource, "arn:aws:s3:::dst/b/c");
  EXPECT_EQ(ValuesOf(versioned, "s3:versionid"), std::vector<std::string>{"v2"});
}

}  // namespace
}  // namespace serval::s3
