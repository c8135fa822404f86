#include "http/sigv2.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/aws_error.h"

namespace serval::http {
namespace {

// Signatures made by botocore 1.43 (boto3 client with Config(signature_version="s3"),
// endpoint http://127.0.0.1:4566, key AKIDV2 / secretv2, time.time() pinned to 1700000000 and
// the Date header to "Tue, 14 Nov 2023 22:13:20 GMT").
constexpr int64_t kNow = 1700000000000;
constexpr char kDate[] = "Tue, 14 Nov 2023 22:13:20 GMT";

CredentialStore Credentials() {
  CredentialStore store;
  store.Add("AKIDV2", "secretv2");
  return store;
}

Request Make(std::string method, std::string target,
             std::vector<std::pair<std::string, std::string>> headers) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers = std::move(headers);
  return request;
}

// generate_presigned_url("get_object", Bucket="bkt", Key="dir/a b+c.txt",
// ResponseContentType="text/plain", VersionId="v1", ExpiresIn=600).
Request PresignedGet() {
  return Make(
      "GET",
      "/bkt/dir/a%20b%2Bc.txt?response-content-type=text%2Fplain&versionId=v1&"
      "AWSAccessKeyId=AKIDV2&Signature=zGcODEO8uPkjs%2Bq%2BWQPQ3GyGSfY%3D&Expires=1700000600",
      {{"Host", "127.0.0.1:4566"}});
}

// put_object(Bucket="bkt", Key="x/y.txt", Body=b"hello", Metadata={"Color": "blue"},
// ContentType="text/plain", ACL="private").
Request HeaderPut() {
  return Make("PUT", "/bkt/x/y.txt",
              {{"x-amz-meta-Color", "blue"},
               {"Content-Type", "text/plain"},
               {"x-amz-acl", "private"},
               {"User-Agent", "Boto3/1.43.11"},
               {"Expect", "100-continue"},
               {"x-amz-checksum-crc32", "NhCmhg=="},
               {"x-amz-sdk-checksum-algorithm", "CRC32"},
               {"Date", kDate},
               {"Authorization", "AWS AKIDV2:fNgLwRhd5okUhkwD1oMk2ac+WVc="},
               {"Content-Length", "5"}});
}

// put_object_acl(Bucket="bkt", Key="x/y.txt", ACL="public-read"): "?acl" is signed.
Request AclPut(std::string target = "/bkt/x/y.txt?acl") {
  return Make("PUT", std::move(target),
              {{"x-amz-acl", "public-read"},
               {"x-amz-checksum-crc32", "AAAAAA=="},
               {"x-amz-sdk-checksum-algorithm", "CRC32"},
               {"Date", kDate},
               {"Authorization", "AWS AKIDV2:r1QB+rYbr4e9ZllwOd9IsdHjSFc="},
               {"Content-Length", "0"}});
}

std::map<std::string, std::string> Fields(const absl::Status& status) {
  std::map<std::string, std::string> fields;
  for (auto& [name, value] : ErrorFields(status)) fields[name] = value;
  return fields;
}

TEST(SigV2, BotocorePresignedUrlsVerify) {
  VerifiedCaller caller;
  ASSERT_TRUE(HasSigV2(PresignedGet()));
  ASSERT_TRUE(VerifySigV2(PresignedGet(), Credentials(), kNow, &caller).ok());
  EXPECT_EQ(caller.scope.access_key, "AKIDV2");
  EXPECT_EQ(caller.scope.service, "s3");
  EXPECT_EQ(caller.form, SigV4Form::kSigV2PresignedQuery);
  EXPECT_EQ(caller.payload, PayloadSigning::kUnsigned);
  EXPECT_EQ(caller.request_time_millis, 1700000600000);

  // generate_presigned_url("put_object", Bucket="bkt", Key="k", ContentType="text/plain",
  // ExpiresIn=3600): the content type is signed, and travels as a header.
  Request put = Make("PUT",
                     "/bkt/k?AWSAccessKeyId=AKIDV2&Signature=OenNGrRfnsxLMZcyP0VtbzQnqw0%3D&"
                     "content-type=text%2Fplain&Expires=1700003600",
                     {{"Content-Type", "text/plain"}});
  EXPECT_TRUE(VerifySigV2(put, Credentials(), kNow, &caller).ok());
  put.headers = {{"Content-Type", "image/png"}};
  EXPECT_EQ(AwsErrorCode(VerifySigV2(put, Credentials(), kNow, &caller)), "SignatureDoesNotMatch");
}

TEST(SigV2, BotocoreHeaderFormVerifies) {
  VerifiedCaller caller;
  ASSERT_TRUE(HasSigV2(HeaderPut()));
  ASSERT_TRUE(VerifySigV2(HeaderPut(), Credentials(), kNow, &caller).ok());
  EXPECT_EQ(caller.form, SigV4Form::kSigV2AuthorizationHeader);
  EXPECT_EQ(caller.request_time_millis, kNow);
  EXPECT_TRUE(VerifySigV2(AclPut(), Credentials(), kNow + 60000, &caller).ok());
  // Virtual-hosted style: the bucket comes from the Host header.
  EXPECT_TRUE(VerifySigV2(AclPut("/x/y.txt?acl"), Credentials(), kNow, &caller,
                          {.virtual_host_bucket = "bkt"})
                  .ok());
  EXPECT_FALSE(VerifySigV2(AclPut("/x/y.txt?acl"), Credentials(), kNow, &caller).ok());
  // Non-signed query parameters do not matter; sub-resources do.
  EXPECT_TRUE(VerifySigV2(AclPut("/bkt/x/y.txt?acl&foo=bar"), Credentials(), kNow, nullptr).ok());
  EXPECT_FALSE(VerifySigV2(AclPut("/bkt/x/y.txt?acl&tagging"), Credentials(), kNow, nullptr).ok());
}

TEST(SigV2, TamperingIsSignatureDoesNotMatchWithDetails) {
  Request request = HeaderPut();
  request.headers[0].second = "red";  // x-amz-meta-color is signed
  const absl::Status status = VerifySigV2(request, Credentials(), kNow, nullptr);
  EXPECT_EQ(AwsErrorCode(status), "SignatureDoesNotMatch");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  std::map<std::string, std::string> fields = Fields(status);
  EXPECT_EQ(fields["AWSAccessKeyId"], "AKIDV2");
  EXPECT_EQ(fields["SignatureProvided"], "fNgLwRhd5okUhkwD1oMk2ac+WVc=");
  EXPECT_EQ(fields["StringToSign"],
            "PUT\n\ntext/plain\nTue, 14 Nov 2023 22:13:20 GMT\nx-amz-acl:private\n"
            "x-amz-checksum-crc32:NhCmhg==\nx-amz-meta-color:red\n"
            "x-amz-sdk-checksum-algorithm:CRC32\n/bkt/x/y.txt");
  EXPECT_EQ(fields["StringToSignBytes"].substr(0, 9), "50 55 54 ");
  EXPECT_EQ(fields.count("CanonicalRequest"), 0u);

  // Unsigned headers may change.
  request = HeaderPut();
  request.headers[3].second = "curl";
  EXPECT_TRUE(VerifySigV2(request, Credentials(), kNow, nullptr).ok());
  // Wrong secret, path, method.
  CredentialStore other;
  other.Add("AKIDV2", "other");
  EXPECT_FALSE(VerifySigV2(HeaderPut(), other, kNow, nullptr).ok());
  request = HeaderPut();
  request.target = "/bkt/x/z.txt";
  EXPECT_FALSE(VerifySigV2(request, Credentials(), kNow, nullptr).ok());
  request = PresignedGet();
  request.method = "DELETE";
  EXPECT_FALSE(VerifySigV2(request, Credentials(), kNow, nullptr).ok());
}

TEST(SigV2, ExpiryUnknownKeyAndMalformed) {
  const absl::Status expired = VerifySigV2(PresignedGet(), Credentials(), kNow + 601000, nullptr);
  EXPECT_EQ(AwsErrorCode(expired), "AccessDenied");
  EXPECT_EQ(expired.message(), "Request has expired");
  std::map<std::string, std::string> fields = Fields(expired);
  EXPECT_EQ(fields["Expires"], "2023-11-14T22:23:20Z");
  EXPECT_EQ(fields["ServerTime"], "2023-11-14T22:23:21Z");

  const absl::Status unknown = VerifySigV2(HeaderPut(), CredentialStore(), kNow, nullptr);
  EXPECT_EQ(AwsErrorCode(unknown), "InvalidAccessKeyId");
  EXPECT_EQ(unknown.message(), "The AWS Access Key Id you provided does not exist in our records.");

  EXPECT_EQ(AwsErrorCode(VerifySigV2(HeaderPut(), Credentials(), kNow + 16 * 60000, nullptr)),
            "RequestTimeTooSkewed");
  Request bad = HeaderPut();
  bad.headers[8].second = "AWS AKIDV2";
  EXPECT_EQ(AwsErrorCode(VerifySigV2(bad, Credentials(), kNow, nullptr)), "InvalidArgument");
  bad = HeaderPut();
  bad.headers[7].second = "yesterday";
  EXPECT_EQ(AwsErrorCode(VerifySigV2(bad, Credentials(), kNow, nullptr)), "AccessDenied");
  Request no_expires = Make("GET", "/bkt/k?AWSAccessKeyId=AKIDV2&Signature=x", {});
  EXPECT_TRUE(HasSigV2(no_expires));
  EXPECT_EQ(AwsErrorCode(VerifySigV2(no_expires, Credentials(), kNow, nullptr)), "AccessDenied");
}

TEST(SigV2, HasSigV2OnlyForSigV2) {
  EXPECT_FALSE(HasSigV2(Make("GET", "/bkt/k", {})));
  EXPECT_FALSE(HasSigV2(Make("GET", "/bkt/k?X-Amz-Signature=a&X-Amz-Credential=b", {})));
  EXPECT_FALSE(HasSigV2(
      Make("GET", "/", {{"Authorization", "AWS4-HMAC-SHA256 Credential=a/b/c/s3/aws4_request"}})));
}

TEST(SigV2, TemporaryKeysNeedTheirToken) {
  CredentialStore store;
  store.AddIdentity("AKIDV2", {.secret = "secretv2", .session_token = "tok", .principal_arn = "p"});
  EXPECT_EQ(AwsErrorCode(VerifySigV2(HeaderPut(), store, kNow, nullptr)), "InvalidToken");
}

}  // namespace
}  // namespace serval::http
