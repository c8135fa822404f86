#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/aws_error.h"
#include "http/aws_chunked.h"
#include "http/sigv4.h"

// VerifySigV4Headers, PayloadHashCheck and S3's SignatureDoesNotMatch details, on the S3 API
// reference's examples: AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, us-east-1.

namespace serval::http {
namespace {

constexpr int64_t kExampleNow = 1369353600000;  // 2013-05-24T00:00:00Z

CredentialStore ExampleCredentials(
    std::string_view secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") {
  CredentialStore store;
  store.Add("AKIAIOSFODNN7EXAMPLE", secret);
  return store;
}

// "Transferring Payload in Multiple Chunks": the seed request of the chunked PUT.
Request ChunkedPut() {
  Request request;
  request.method = "PUT";
  request.target = "/examplebucket/chunkObject.txt";
  request.headers = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
       "x-amz-decoded-content-length;x-amz-storage-class,"
       "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"Content-Length", "66824"},
  };
  return request;
}

// "Transferring Payload in a Single Chunk", PUT Object: "Welcome to Amazon S3." with its hash
// declared.
Request SingleChunkPut() {
  Request request;
  request.method = "PUT";
  request.target = "/test%24file.text";
  request.headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
       "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
  };
  return request;
}

std::map<std::string, std::string> Fields(const absl::Status& status) {
  std::map<std::string, std::string> fields;
  for (auto& [name, value] : ErrorFields(status)) fields[name] = value;
  return fields;
}

TEST(VerifySigV4Headers, StreamingSeedThenChunksDecode) {
  const CredentialStore credentials = ExampleCredentials();
  const Request headers = ChunkedPut();
  VerifiedCaller caller;
  ASSERT_TRUE(VerifySigV4Headers(headers, credentials, kExampleNow, &caller).ok());
  EXPECT_EQ(caller.payload, PayloadSigning::kStreamingSigned);
  EXPECT_EQ(caller.scope.access_key, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(caller.declared_payload_sha256, "");
  absl::StatusOr<AwsChunkedOptions> options = AwsChunkedOptionsFor(headers, caller);
  ASSERT_TRUE(options.ok());
  AwsChunkedDecoder decoder(*options);
  const std::string raw =
      "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
      std::string(65536, 'a') +
      "\r\n400;chunk-signature="
      "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
      std::string(1024, 'a') +
      "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n"
      "\r\n";
  std::string payload;
  ASSERT_TRUE(decoder.Feed(raw, &payload).ok());
  EXPECT_TRUE(decoder.Finish().ok());
  EXPECT_EQ(payload.size(), 66560u);
}

TEST(VerifySigV4Headers, DeclaredHashIsLeftToPayloadHashCheck) {
  const CredentialStore credentials = ExampleCredentials();
  VerifiedCaller caller;
  ASSERT_TRUE(VerifySigV4Headers(SingleChunkPut(), credentials, kExampleNow, &caller).ok());
  EXPECT_EQ(caller.payload, PayloadSigning::kVerified);
  EXPECT_EQ(caller.declared_payload_sha256,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");

  PayloadHashCheck good(caller.declared_payload_sha256);
  good.Update("Welcome to ");
  good.Update("Amazon S3.");
  EXPECT_TRUE(good.Finish().ok());
  PayloadHashCheck bad(caller.declared_payload_sha256);
  bad.Update("Welcome to Amazon S4.");
  EXPECT_EQ(AwsErrorCode(bad.Finish()), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(bad.Finish().message(),
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
  PayloadHashCheck json(caller.declared_payload_sha256, "lambda");
  EXPECT_EQ(AwsErrorCode(json.Finish()), "InvalidSignatureException");

  // The buffered path agrees, and does not report a declared hash (it checked it).
  Request whole = SingleChunkPut();
  whole.body = "Welcome to Amazon S3.";
  ASSERT_TRUE(VerifySigV4(whole, credentials, kExampleNow, &caller).ok());
  EXPECT_EQ(caller.declared_payload_sha256, "");
}

TEST(VerifySigV4Headers, UndeclaredHashNeedsTheBody) {
  const CredentialStore credentials = ExampleCredentials();
  Request request;
  request.method = "POST";
  request.target = "/2015-03-31/functions/f/invocations";
  request.headers = {{"Host", "lambda.us-east-1.amazonaws.com"}};
  request.body = "{}";
  SignRequest(request, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
              "us-east-1", "lambda", kExampleNow);
  // Without x-amz-content-sha256 the signature covers a hash of the body only the body gives.
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Amz-Content-Sha256"; });
  VerifiedCaller caller;
  const absl::Status status = VerifySigV4Headers(request, credentials, kExampleNow, &caller);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(AwsErrorCode(status), "");
  // ScreenSigV4 lets it through to VerifySigV4 (which, the header gone, sees a changed request).
  EXPECT_TRUE(ScreenSigV4(request, credentials, kExampleNow).ok());
  // Other failures are the usual ones.
  EXPECT_EQ(AwsErrorCode(VerifySigV4Headers(SingleChunkPut(), ExampleCredentials("other"),
                                            kExampleNow, &caller)),
            "SignatureDoesNotMatch");
  EXPECT_EQ(
      AwsErrorCode(VerifySigV4Headers(SingleChunkPut(), CredentialStore(), kExampleNow, &caller)),
      "InvalidAccessKeyId");
}

TEST(S3SignatureDoesNotMatch, CarriesWhatS3Returns) {
  const absl::Status status =
      VerifySigV4Headers(ChunkedPut(), ExampleCredentials("wrong"), kExampleNow, nullptr);
  EXPECT_EQ(AwsErrorCode(status), "SignatureDoesNotMatch");
  std::map<std::string, std::string> fields = Fields(status);
  EXPECT_EQ(fields["AWSAccessKeyId"], "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(fields["SignatureProvided"],
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  // The example's published canonical request and string to sign.
  EXPECT_EQ(fields["CanonicalRequest"],
            "PUT\n/examplebucket/chunkObject.txt\n\ncontent-encoding:aws-chunked\n"
            "content-length:66824\nhost:s3.amazonaws.com\n"
            "x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nx-amz-date:20130524T000000Z\n"
            "x-amz-decoded-content-length:66560\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
            "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
            "x-amz-decoded-content-length;x-amz-storage-class\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  EXPECT_EQ(fields["StringToSign"],
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455");
  EXPECT_EQ(fields["StringToSignBytes"].substr(0, 20), "41 57 53 34 2d 48 4d");
  EXPECT_EQ(fields["StringToSignBytes"].size(), 3 * fields["StringToSign"].size() - 1);
  EXPECT_EQ(fields["CanonicalRequestBytes"].substr(0, 11), "50 55 54 0a");

  // The JSON services keep their plain error.
  Request lambda;
  lambda.method = "GET";
  lambda.target = "/";
  lambda.headers = {{"Host", "h"}};
  SignRequest(lambda, "AKIAIOSFODNN7EXAMPLE", "wrong", "us-east-1", "lambda", kExampleNow);
  const absl::Status json = VerifySigV4(lambda, ExampleCredentials(), kExampleNow, nullptr);
  EXPECT_EQ(AwsErrorCode(json), "InvalidSignatureException");
  EXPECT_TRUE(ErrorFields(json).empty());
}

TEST(S3SignatureDoesNotMatch, PresignedFormToo) {
  const std::string target =
      PresignTarget("GET", "s3.amazonaws.com", "/examplebucket/test.txt", "AKIAIOSFODNN7EXAMPLE",
                    "wrong", "us-east-1", "s3", kExampleNow, 86400);
  Request request;
  request.method = "GET";
  request.target = target;
  request.headers = {{"Host", "s3.amazonaws.com"}};
  const absl::Status status = VerifySigV4(request, ExampleCredentials(), kExampleNow, nullptr);
  std::map<std::string, std::string> fields = Fields(status);
  EXPECT_EQ(AwsErrorCode(status), "SignatureDoesNotMatch");
  EXPECT_EQ(fields["SignatureProvided"], target.substr(target.size() - 64));
  EXPECT_EQ(fields["CanonicalRequest"].substr(0, 28), "GET\n/examplebucket/test.txt\n");
  EXPECT_NE(fields["CanonicalRequest"].find("\nUNSIGNED-PAYLOAD"), std::string::npos);
}

}  // namespace
}  // namespace serval::http
