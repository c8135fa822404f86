#include "http/sigv4.h"

#include <gtest/gtest.h>
#include <strings.h>

#include <string>
#include <utility>
#include <vector>

#include "common/aws_error.h"

namespace serval::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

Request MakeRequest(std::string method, std::string target, Headers headers,
                    std::string body = "") {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers = std::move(headers);
  request.body = std::move(body);
  return request;
}

void SetHeader(Request& request, std::string_view name, std::string value) {
  for (auto& [key, current] : request.headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      current = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(std::string(name), std::move(value));
}

void RemoveHeader(Request& request, std::string_view name) {
  std::erase_if(request.headers, [name](const auto& header) {
    return header.first.size() == name.size() &&
           strncasecmp(header.first.data(), name.data(), name.size()) == 0;
  });
}

// ---------------------------------------------------------------------------------------------
// The official AWS SigV4 test suite (aws-sig-v4-test-suite): AKIDEXAMPLE, service "service",
// us-east-1, 20150830T123600Z. Each signature below is the suite's published value; botocore
// 1.43 reproduces every one of them.

constexpr int64_t kSuiteNow = 1440938160000;  // 2015-08-30T12:36:00Z
constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

CredentialStore SuiteCredentials() {
  CredentialStore store;
  store.Add("AKIDEXAMPLE", kSuiteSecret);
  return store;
}

struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;  // as it would arrive on the request line
  Headers extra_headers;
  const char* body;
  const char* signed_headers;
  const char* signature;
};

Request SuiteRequest(const SuiteCase& c) {
  Headers headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  headers.insert(headers.end(), c.extra_headers.begin(), c.extra_headers.end());
  headers.emplace_back("Authorization",
                       std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                   "service/aws4_request, SignedHeaders=") +
                           c.signed_headers + ", Signature=" + c.signature);
  return MakeRequest(c.method, c.target, std::move(headers), c.body);
}

const std::vector<SuiteCase>& SuiteCases() {
  static const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       "GET",
       "/",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/?Param2=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-key",
       "GET",
       "/?Param1=value2&Param1=Value1",
       {},
       "",
       "host;x-amz-date",
       "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/\xE1\x88\xB4",
       {},
       "",
       "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-space-normalized",
       "GET",
       "/example space/",
       {},
       "",
       "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-slashes",
       "GET",
       "//example//",
       {},
       "",
       "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-relative-relative",
       "GET",
       "/example1/example2/../..",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-header-value-trim",
       "GET",
       "/",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
  };
  return cases;
}

TEST(SigV4Suite, OfficialVectorsVerify) {
  const CredentialStore store = SuiteCredentials();
  for (const SuiteCase& c : SuiteCases()) {
    VerifiedCaller caller;
    EXPECT_TRUE(VerifySigV4(SuiteRequest(c), store, kSuiteNow, &caller).ok()) << c.name;
    EXPECT_EQ(caller.scope.access_key, "AKIDEXAMPLE") << c.name;
    EXPECT_EQ(caller.scope.region, "us-east-1") << c.name;
    EXPECT_EQ(caller.scope.service, "service") << c.name;
    EXPECT_EQ(caller.request_time_millis, kSuiteNow) << c.name;
  }
}

TEST(SigV4Suite, EveryVectorFailsWithAnotherSecret) {
  CredentialStore store;
  store.Add("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ");
  for (const SuiteCase& c : SuiteCases()) {
    const absl::Status status = VerifySigV4(SuiteRequest(c), store, kSuiteNow, nullptr);
    EXPECT_EQ(AwsErrorCode(status), "InvalidSignatureException") << c.name;
  }
}

TEST(SigV4Suite, QueryOrderOnTheWireDoesNotMatter) {
  SuiteCase c = SuiteCases()[1];
  c.target = "/?Param1=value1&Param2=value2";
  EXPECT_TRUE(VerifySigV4(SuiteRequest(c), SuiteCredentials(), kSuiteNow, nullptr).ok());
}

// ---------------------------------------------------------------------------------------------
// Requests signed by real clients, captured off the wire with the signer's clock frozen at
// 2026-01-15T10:30:00Z (botocore 1.43.11 / boto3, @aws-sdk/client-lambda 3.1163.0).

constexpr int64_t kNow = 1768473000000;  // 2026-01-15T10:30:00Z
constexpr char kBotoUserAgent[] =
    "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v657 md/arch#x86_64 "
    "lang/python#3.11.7 md/pyimpl#CPython m/b,e,D,Z,N cfg/retry-mode#legacy Botocore/1.43.11";

// boto3 lambda.invoke(FunctionName=<ARN>, Payload=...). botocore signs only host and
// x-amz-date here and sends no X-Amz-Content-SHA256, so the body is hashed by the verifier.
Request BotoInvoke() {
  return MakeRequest(
      "POST",
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/"
      "invocations",
      {{"Host", "127.0.0.1:58991"},
       {"Accept-Encoding", "identity"},
       {"User-Agent", kBotoUserAgent},
       {"X-Amz-Date", "20260115T103000Z"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=40ff0be4b8d9e8756fb67a1c7994020bfb08b5425931b767a95deed30ea2406f"},
       {"amz-sdk-invocation-id", "0dd0982f-52c9-42b0-9a82-ed2c328c8606"},
       {"amz-sdk-request", "attempt=1"},
       {"Content-Length", "18"}},
      R"({"hello": "world"})");
}

// botocore.auth.SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth() on an
// AWSRequest: POST .../functions/arn%3A...%3Af/invocations with a JSON body.
Request SigV4AuthInvoke() {
  return MakeRequest(
      "POST",
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/"
      "invocations",
      {{"Host", "localhost:4566"},
       {"X-Amz-Invocation-Type", "RequestResponse"},
       {"Content-Type", "application/json"},
       {"X-Amz-Date", "20260115T103000Z"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type, "
        "Signature=feadb39f9280873154d61c1c978417fa7f3cb8be1df1945e6014ec3491eaa9d3"}},
      R"({"key": "value"})");
}

// The JS SDK v3 signs nearly every header it sends and adds x-amz-content-sha256.
Request JsInvoke() {
  return MakeRequest(
      "POST",
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/"
      "invocations",
      {{"x-amz-invocation-type", "RequestResponse"},
       {"content-type", "application/octet-stream"},
       {"content-length", "14"},
       {"x-amz-user-agent", "aws-sdk-js/3.1163.0"},
       {"user-agent",
        "aws-sdk-js/3.1163.0 ua/2.1 os/linux#6.18.44-fc-v657 lang/js md/nodejs#20.20.2 "
        "api/lambda#3.1163.0 m/N,E,e"},
       {"host", "127.0.0.1:38117"},
       {"amz-sdk-invocation-id", "cd4fec33-624e-4609-8599-bf1355234c1a"},
       {"amz-sdk-request", "attempt=1; max=1"},
       {"x-amz-date", "20260115T103000Z"},
       {"x-amz-content-sha256", "786224223656026d1a7127ab92bc34f72d42124b54061e6898e0f252a6e78835"},
       {"authorization",
        "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
        "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;"
        "x-amz-content-sha256;x-amz-date;x-amz-invocation-type;x-amz-user-agent, "
        "Signature=4164faa8502b1d4457535e9fa99166d7c6468c3acb29c1440729dcad29221be0"},
       {"Connection", "keep-alive"}},
      R"({"hello":"js"})");
}

// boto3 s3.put_object(Bucket="bkt", Key="dir/a b+c:d~e.txt"), path-style, signature v4. S3 signs
// the wire path as is, so "%20" stays "%20" (a Lambda path would be signed as "%2520").
Request BotoPutObject() {
  return MakeRequest(
      "PUT", "/bkt/dir/a%20b%2Bc%3Ad~e.txt",
      {{"Host", "127.0.0.1:58991"},
       {"Accept-Encoding", "identity"},
       {"User-Agent", kBotoUserAgent},
       {"Expect", "100-continue"},
       {"x-amz-checksum-crc32", "fJy43g=="},
       {"x-amz-sdk-checksum-algorithm", "CRC32"},
       {"X-Amz-Date", "20260115T103000Z"},
       {"X-Amz-Content-SHA256", "f2ff189a4ef686231302becc266e6c8d5eee814b868d11631f7660073fc9b613"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;"
        "x-amz-sdk-checksum-algorithm, "
        "Signature=50edd89cda4d0255f011513972727a9bf0c5f2b083a9bd7327ed227fb5dbdc85"},
       {"amz-sdk-invocation-id", "09aacde1-7556-468f-a250-b23dce4f7432"},
       {"amz-sdk-request", "attempt=1"},
       {"Content-Length", "8"}},
      "hello s3");
}

// boto3 s3.generate_presigned_url("get_object", Key="dir/a b+c.txt", ExpiresIn=600) with
// signature_version="s3v4".
Request BotoPresignedGet() {
  return MakeRequest(
      "GET",
      "/bkt/dir/a%20b%2Bc.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260115%"
      "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T103000Z&X-Amz-Expires=600&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature="
      "a0f918d8317427698fe29f5d97271b341de8d06103afef094a746777e669bd53",
      {{"Host", "127.0.0.1:58991"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}});
}

TEST(SigV4Clients, BotoLambdaInvoke) {
  VerifiedCaller caller;
  const absl::Status status =
      VerifySigV4(BotoInvoke(), CredentialStore::WithDefaultKey(), kNow, &caller);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(caller.scope.access_key, "test");
  EXPECT_EQ(caller.scope.date, "20260115");
  EXPECT_EQ(caller.scope.region, "us-east-1");
  EXPECT_EQ(caller.scope.service, "lambda");
  EXPECT_EQ(caller.form, SigV4Form::kAuthorizationHeader);
  EXPECT_EQ(caller.payload, PayloadSigning::kVerified);
  EXPECT_EQ(caller.request_time_millis, kNow);
  EXPECT_TRUE(caller.signing_key.empty());
}

TEST(SigV4Clients, BotocoreSigV4AuthInvoke) {
  EXPECT_TRUE(
      VerifySigV4(SigV4AuthInvoke(), CredentialStore::WithDefaultKey(), kNow, nullptr).ok());
}

TEST(SigV4Clients, JsSdkV3LambdaInvoke) {
  VerifiedCaller caller;
  const absl::Status status =
      VerifySigV4(JsInvoke(), CredentialStore::WithDefaultKey(), kNow, &caller);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(caller.payload, PayloadSigning::kVerified);
}

TEST(SigV4Clients, NonS3PathsAreEncodedTwice) {
  // SigV4Auth on POST /2015-03-31/functions/my%20fn/invocations: signed as "my%2520fn".
  const Request request =
      MakeRequest("POST", "/2015-03-31/functions/my%20fn/invocations",
                  {{"Host", "localhost:4566"},
                   {"X-Amz-Date", "20260115T103000Z"},
                   {"Authorization",
                    "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
                    "SignedHeaders=host;x-amz-date, "
                    "Signature=ce7c5f4c5ff9a5f130c3404e555289d4f1af72194ec5025a0c6ce5f57a74778e"}},
                  "{}");
  EXPECT_TRUE(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr).ok());
}

// boto3's invoke(FunctionName="my-function", Qualifier="$LATEST", InvocationType="Event") with
// a session token (access key AKIDSESSION, secret "s3cr3t/with+chars", token
// "FwoGZXIvYXdzEJr//token+/="): X-Amz-Security-Token is a signed header, and "$" travels as
// "%24".
Request BotoSessionInvoke() {
  return MakeRequest(
      "POST", "/2015-03-31/functions/my-function/invocations?Qualifier=%24LATEST",
      {{"Host", "127.0.0.1:44375"},
       {"Accept-Encoding", "identity"},
       {"X-Amz-Invocation-Type", "Event"},
       {"X-Amz-Log-Type", "None"},
       {"X-Amz-Date", "20260115T103000Z"},
       {"X-Amz-Security-Token", "FwoGZXIvYXdzEJr//token+/="},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDSESSION/20260115/eu-west-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-invocation-type;x-amz-log-type;"
        "x-amz-security-token, "
        "Signature=664cff95eb4efa3839d5a22d6e51a3e6d70f49054441839bbc79017e1c10553e"},
       {"Content-Length", "2"}},
      "{}");
}

TEST(SigV4Clients, BotoSessionTokenAndEncodedQuery) {
  CredentialStore store;
  store.Add("AKIDSESSION", "s3cr3t/with+chars");
  const Request invoke = BotoSessionInvoke();
  VerifiedCaller caller;
  ASSERT_TRUE(VerifySigV4(invoke, store, kNow, &caller).ok());
  EXPECT_EQ(caller.scope.region, "eu-west-1");

  // list_functions(MaxItems=5, Marker="a b/c+d"): botocore sends the pairs unsorted.
  const Request list = MakeRequest(
      "GET", "/2015-03-31/functions?MaxItems=5&Marker=a%20b%2Fc%2Bd",
      {{"Host", "127.0.0.1:44375"},
       {"X-Amz-Date", "20260115T103000Z"},
       {"X-Amz-Security-Token", "FwoGZXIvYXdzEJr//token+/="},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDSESSION/20260115/eu-west-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature=3cb34e5a4f6c97bd99aa722049f78043843faf714b22fbf4a84bcc63a573e387"}});
  EXPECT_TRUE(VerifySigV4(list, store, kNow, nullptr).ok());

  // The same query with lower-case escapes, and '/' unescaped, canonicalises the same way.
  Request relaxed = list;
  relaxed.target = "/2015-03-31/functions?Marker=a%20b/c%2bd&MaxItems=5";
  EXPECT_TRUE(VerifySigV4(relaxed, store, kNow, nullptr).ok());
}

TEST(SigV4Clients, TemporaryKeysNeedTheirTokenAndExpire) {
  const Request invoke = BotoSessionInvoke();
  const std::string role_session = "arn:aws:sts::000000000000:assumed-role/r/s";
  CredentialStore store;
  store.AddIdentity("AKIDSESSION", {.secret = "s3cr3t/with+chars",
                                    .session_token = "FwoGZXIvYXdzEJr//token+/=",
                                    .principal_arn = role_session,
                                    .expires_millis = kNow + 1});
  VerifiedCaller caller;
  ASSERT_TRUE(VerifySigV4(invoke, store, kNow, &caller).ok());
  EXPECT_EQ(caller.principal_arn, role_session);
  const absl::Status expired = VerifySigV4(invoke, store, kNow + 1, nullptr);
  EXPECT_EQ(AwsErrorCode(expired), "ExpiredTokenException");
  EXPECT_EQ(expired.message(), "The security token included in the request is expired");

  // Another token, or none, is refused as an unknown key is; a key that was removed is unknown.
  store.AddIdentity("AKIDSESSION", {.secret = "s3cr3t/with+chars",
                                    .session_token = "FwoGZXIvYXdzEJr//token+/X",
                                    .principal_arn = role_session});
  EXPECT_EQ(AwsErrorCode(VerifySigV4(invoke, store, kNow, nullptr)), "UnrecognizedClientException");
  store.Remove("AKIDSESSION");
  EXPECT_EQ(store.Find("AKIDSESSION"), nullptr);
  EXPECT_FALSE(store.AnyKey().has_value());
}

TEST(SigV4Clients, BotoS3PutObject) {
  VerifiedCaller caller;
  const absl::Status status =
      VerifySigV4(BotoPutObject(), CredentialStore::WithDefaultKey(), kNow, &caller);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(caller.scope.service, "s3");
  EXPECT_EQ(caller.payload, PayloadSigning::kVerified);
}

TEST(SigV4Clients, BotoS3PresignedGet) {
  VerifiedCaller caller;
  const absl::Status status =
      VerifySigV4(BotoPresignedGet(), CredentialStore::WithDefaultKey(), kNow + 1000, &caller);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(caller.form, SigV4Form::kPresignedQuery);
  EXPECT_EQ(caller.payload, PayloadSigning::kUnsigned);
  EXPECT_EQ(caller.scope.service, "s3");
  EXPECT_EQ(caller.request_time_millis, kNow);
}

TEST(SigV4Clients, S3SigV4QueryAuth) {
  // botocore.auth.S3SigV4QueryAuth(..., expires=300) on GET /bkt/photos/a%20b.jpg.
  const Request request = MakeRequest(
      "GET",
      "/bkt/photos/a%20b.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260115%"
      "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T103000Z&X-Amz-Expires=300&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature="
      "02f74658d5d44d9859eb90a879cedf13b16c95597295d2c130fc5f3221c62517",
      {{"Host", "localhost:4566"}});
  EXPECT_TRUE(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr).ok());
}

TEST(SigV4Clients, JsStylePresignWithContentShaInQuery) {
  // The JS v3 presigner hoists X-Amz-Content-Sha256=UNSIGNED-PAYLOAD and keeps x-id in the
  // query; both are signed query parameters.
  const Request request = MakeRequest(
      "GET",
      "/bkt/k%20ey.txt?x-id=GetObject&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Algorithm="
      "AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-"
      "Date=20260115T103000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature="
      "0bf58c207f2c2d21ddb3953e88ead25fc168964815f564a6581f0e13b7f3c273",
      {{"Host", "127.0.0.1:4566"}});
  VerifiedCaller caller;
  ASSERT_TRUE(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, &caller).ok());
  EXPECT_EQ(caller.payload, PayloadSigning::kUnsigned);
}

// S3 PUT /bkt/big.bin signed with each special X-Amz-Content-SHA256 value (botocore SigV4Auth,
// which uses the header verbatim).
Request StreamingPut(const char* content_sha256, const char* signature) {
  return MakeRequest(
      "PUT", "/bkt/big.bin",
      {{"Host", "127.0.0.1:4566"},
       {"X-Amz-Content-SHA256", content_sha256},
       {"Content-Encoding", "aws-chunked"},
       {"X-Amz-Decoded-Content-Length", "66560"},
       {"X-Amz-Date", "20260115T103000Z"},
       {"Authorization",
        std::string("AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/s3/aws4_request, "
                    "SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;"
                    "x-amz-decoded-content-length, Signature=") +
            signature}},
      "10000;chunk-signature=...\r\n(chunk data is not looked at)");
}

TEST(SigV4Clients, StreamingSignedVerifiesOnlyTheSeed) {
  VerifiedCaller caller;
  const absl::Status status =
      VerifySigV4(StreamingPut("STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                               "0740d4f9377f4d2c0cef933317239eb9938b1578c096e777f204023cf03634d8"),
                  CredentialStore::WithDefaultKey(), kNow, &caller);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(caller.payload, PayloadSigning::kStreamingSigned);
  EXPECT_EQ(caller.seed_signature,
            "0740d4f9377f4d2c0cef933317239eb9938b1578c096e777f204023cf03634d8");
  EXPECT_EQ(caller.amz_date, "20260115T103000Z");
  EXPECT_EQ(caller.signing_key.size(), 32u);
}

TEST(SigV4Clients, UnsignedAndStreamingUnsignedPayloads) {
  VerifiedCaller caller;
  ASSERT_TRUE(
      VerifySigV4(StreamingPut("UNSIGNED-PAYLOAD",
                               "7dbfdc1f249bee48517ae20f9b5e4a3ca0c50cabe34a17fe0f982f21f04be97a"),
                  CredentialStore::WithDefaultKey(), kNow, &caller)
          .ok());
  EXPECT_EQ(caller.payload, PayloadSigning::kUnsigned);
  ASSERT_TRUE(
      VerifySigV4(StreamingPut("STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                               "e6497b64894d96ede8de997613746efebfd2f60ea56744e6cea6221a7994f458"),
                  CredentialStore::WithDefaultKey(), kNow, &caller)
          .ok());
  EXPECT_EQ(caller.payload, PayloadSigning::kStreamingUnsigned);
}

TEST(SigV4Clients, DateHeaderInsteadOfXAmzDate) {
  // botocore keeps a caller's Date header (rewritten as "... -0000") and signs it instead of
  // adding X-Amz-Date; the string to sign still uses the basic ISO form.
  const Request request =
      MakeRequest("GET", "/2015-03-31/functions",
                  {{"Date", "Thu, 15 Jan 2026 10:30:00 -0000"},
                   {"Host", "127.0.0.1:4566"},
                   {"Authorization",
                    "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
                    "SignedHeaders=date;host, "
                    "Signature=e8eed0afe3606df9bbaa378ca89cdf5ead6eebd9b292fff984855eac0b398de2"}});
  EXPECT_TRUE(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr).ok());
}

TEST(SigV4Clients, UnsignedHeadersMayChangeAndHeaderNamesAnyCase) {
  Request request = BotoInvoke();
  SetHeader(request, "User-Agent", "something else");
  SetHeader(request, "amz-sdk-request", "attempt=2");
  for (auto& [name, value] : request.headers) {
    if (name == "Host") name = "HOST";
  }
  EXPECT_TRUE(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr).ok());
}

// ---------------------------------------------------------------------------------------------
// Error paths.

void ExpectError(const absl::Status& status, std::string_view aws_code, int http_status) {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(AwsErrorCode(status), aws_code) << status;
  EXPECT_EQ(SigV4HttpStatus(status), http_status) << status;
}

constexpr char kBadSignatureMessage[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

TEST(SigV4Errors, WrongSecret) {
  CredentialStore store;
  store.Add("test", "not-test");
  const absl::Status lambda = VerifySigV4(BotoInvoke(), store, kNow, nullptr);
  ExpectError(lambda, "InvalidSignatureException", 403);
  EXPECT_EQ(lambda.message(), kBadSignatureMessage);
  EXPECT_EQ(lambda.code(), absl::StatusCode::kUnauthenticated);
  ExpectError(VerifySigV4(BotoPutObject(), store, kNow, nullptr), "SignatureDoesNotMatch", 403);
  ExpectError(VerifySigV4(BotoPresignedGet(), store, kNow, nullptr), "SignatureDoesNotMatch", 403);
}

TEST(SigV4Errors, ChangedSecretIsNeverServedFromTheKeyCache) {
  CredentialStore good = CredentialStore::WithDefaultKey();
  CredentialStore rotated;
  rotated.Add("test", "rotated");
  EXPECT_TRUE(VerifySigV4(BotoInvoke(), good, kNow, nullptr).ok());
  ExpectError(VerifySigV4(BotoInvoke(), rotated, kNow, nullptr), "InvalidSignatureException", 403);
  EXPECT_TRUE(VerifySigV4(BotoInvoke(), good, kNow, nullptr).ok());
}

TEST(SigV4Errors, UnknownAccessKey) {
  CredentialStore store;
  store.Add("someone-else", "test");
  const absl::Status lambda = VerifySigV4(BotoInvoke(), store, kNow, nullptr);
  ExpectError(lambda, "UnrecognizedClientException", 403);
  EXPECT_EQ(lambda.message(), "The security token included in the request is invalid.");
  const absl::Status s3 = VerifySigV4(BotoPutObject(), store, kNow, nullptr);
  ExpectError(s3, "InvalidAccessKeyId", 403);
  EXPECT_EQ(s3.message(), "The AWS Access Key Id you provided does not exist in our records.");
  ExpectError(VerifySigV4(BotoInvoke(), CredentialStore(), kNow, nullptr),
              "UnrecognizedClientException", 403);
}

TEST(SigV4Errors, MissingAuthentication) {
  Request request = BotoInvoke();
  RemoveHeader(request, "Authorization");
  const absl::Status status =
      VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr);
  ExpectError(status, "MissingAuthenticationTokenException", 403);
  EXPECT_EQ(status.message(), "Missing Authentication Token");
  EXPECT_TRUE(IsMissingAuthentication(status));
  EXPECT_FALSE(
      IsMissingAuthentication(VerifySigV4(BotoInvoke(), CredentialStore(), kNow, nullptr)));
  // An ordinary query string is not a presigned URL.
  const Request plain = MakeRequest("GET", "/2015-03-31/functions?MaxItems=5", {});
  EXPECT_TRUE(IsMissingAuthentication(
      VerifySigV4(plain, CredentialStore::WithDefaultKey(), kNow, nullptr)));
}

TEST(SigV4Errors, MalformedAuthorizationHeader) {
  Request request = BotoInvoke();
  SetHeader(request, "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
            "SignedHeaders=host;x-amz-date");
  absl::Status status = VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr);
  ExpectError(status, "IncompleteSignatureException", 400);
  EXPECT_EQ(status.message(), "Authorization header requires 'Signature' parameter.");

  SetHeader(request, "Authorization", "Bearer abc");
  ExpectError(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr),
              "IncompleteSignatureException", 400);

  SetHeader(request, "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_requestX, "
            "SignedHeaders=host;x-amz-date, Signature=00");
  ExpectError(VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow, nullptr),
              "IncompleteSignatureException", 400);

  Request s3 = BotoPutObject();
  SetHeader(s3, "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/s3/aws4_request");
  ExpectError(VerifySigV4(s3, CredentialStore::WithDefaultKey(), kNow, nullptr),
              "AuthorizationHeaderMalformed", 400);

  Request no_date = BotoInvoke();
  RemoveHeader(no_date, "X-Amz-Date");
  ExpectError(VerifySigV4(no_date, CredentialStore::WithDefaultKey(), kNow, nullptr),
              "IncompleteSignatureException", 400);
}

TEST(SigV4Errors, CredentialDateMustMatchRequestDate) {
  Request request = BotoInvoke();
  SetHeader(request, "X-Amz-Date", "20260116T000100Z");
  const absl::Status status =
      VerifySigV4(request, CredentialStore::WithDefaultKey(), kNow + 13 * 60 * 1000, nullptr);
  ExpectError(status, "InvalidSignatureException", 403);
  EXPECT_EQ(status.message(),
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            "from HTTP: '20260115' != '20260116', from '20260116T000100Z'.");
}

TEST(SigV4Errors, ClockSkew) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  const int64_t minute = 60 * 1000;
  // Exactly at the edge of the window is still fine.
  EXPECT_TRUE(VerifySigV4(BotoInvoke(), store, kNow + 15 * minute, nullptr).ok());
  EXPECT_TRUE(VerifySigV4(BotoInvoke(), store, kNow - 15 * minute, nullptr).ok());

  const absl::Status late = VerifySigV4(BotoInvoke(), store, kNow + 16 * minute, nullptr);
  ExpectError(late, "InvalidSignatureException", 403);
  EXPECT_EQ(late.message(),
            "Signature expired: 20260115T103000Z is now earlier than 20260115T103100Z "
            "(20260115T104600Z - 15 min.)");

  const absl::Status early = VerifySigV4(BotoInvoke(), store, kNow - 16 * minute, nullptr);
  ExpectError(early, "InvalidSignatureException", 403);
  EXPECT_EQ(early.message(),
            "Signature not yet current: 20260115T103000Z is still later than 20260115T102900Z "
            "(20260115T101400Z + 15 min.)");

  const absl::Status s3 = VerifySigV4(BotoPutObject(), store, kNow + 16 * minute, nullptr);
  ExpectError(s3, "RequestTimeTooSkewed", 403);

  // The window is configurable (Lambda itself uses 5 minutes).
  SigV4Options strict;
  strict.max_clock_skew_millis = 5 * minute;
  const absl::Status five = VerifySigV4(BotoInvoke(), store, kNow + 6 * minute, nullptr, strict);
  EXPECT_EQ(five.message(),
            "Signature expired: 20260115T103000Z is now earlier than 20260115T103100Z "
            "(20260115T103600Z - 5 min.)");
}

TEST(SigV4Errors, TamperedBody) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  // botocore: no content hash header, the verifier hashes the body.
  Request boto = BotoInvoke();
  boto.body = R"({"hello": "World"})";
  ExpectError(VerifySigV4(boto, store, kNow, nullptr), "InvalidSignatureException", 403);
  // JS v3: the (signed) content hash no longer matches the body.
  Request js = JsInvoke();
  js.body = R"({"hello":"JS"})";
  ExpectError(VerifySigV4(js, store, kNow, nullptr), "InvalidSignatureException", 403);
  // S3 answers that case with its own code.
  Request s3 = BotoPutObject();
  s3.body = "hello S3";
  const absl::Status status = VerifySigV4(s3, store, kNow, nullptr);
  ExpectError(status, "XAmzContentSHA256Mismatch", 400);
  // And a content hash that is not a hash at all.
  Request bogus = BotoPutObject();
  SetHeader(bogus, "X-Amz-Content-SHA256", "STREAMING-SOMETHING-NEW");
  ExpectError(VerifySigV4(bogus, store, kNow, nullptr), "InvalidArgument", 400);
}

TEST(SigV4Errors, TamperedSignedParts) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  Request header = SigV4AuthInvoke();
  SetHeader(header, "X-Amz-Invocation-Type", "Event");
  ExpectError(VerifySigV4(header, store, kNow, nullptr), "InvalidSignatureException", 403);

  Request dropped = SigV4AuthInvoke();
  RemoveHeader(dropped, "Content-Type");
  ExpectError(VerifySigV4(dropped, store, kNow, nullptr), "InvalidSignatureException", 403);

  Request host = BotoInvoke();
  SetHeader(host, "Host", "127.0.0.1:4566");
  ExpectError(VerifySigV4(host, store, kNow, nullptr), "InvalidSignatureException", 403);

  Request path = BotoInvoke();
  path.target =
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction"
      "%3Ag/invocations";
  ExpectError(VerifySigV4(path, store, kNow, nullptr), "InvalidSignatureException", 403);

  Request query = BotoInvoke();
  query.target += "?Qualifier=1";
  ExpectError(VerifySigV4(query, store, kNow, nullptr), "InvalidSignatureException", 403);

  Request method = BotoInvoke();
  method.method = "PUT";
  ExpectError(VerifySigV4(method, store, kNow, nullptr), "InvalidSignatureException", 403);

  // A signature that is not even hex.
  Request garbage = BotoInvoke();
  SetHeader(garbage, "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260115/us-east-1/lambda/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=zz");
  ExpectError(VerifySigV4(garbage, store, kNow, nullptr), "InvalidSignatureException", 403);

  // S3 signs the path exactly as sent: a differently-escaped but equivalent path is different.
  Request s3 = BotoPutObject();
  s3.target = "/bkt/dir/a%20b%2bc%3ad~e.txt";
  ExpectError(VerifySigV4(s3, store, kNow, nullptr), "SignatureDoesNotMatch", 403);
}

TEST(SigV4Errors, PresignedExpiry) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  // X-Amz-Expires=600: valid through the last second, refused after it.
  EXPECT_TRUE(VerifySigV4(BotoPresignedGet(), store, kNow + 600 * 1000, nullptr).ok());
  const absl::Status expired = VerifySigV4(BotoPresignedGet(), store, kNow + 601 * 1000, nullptr);
  ExpectError(expired, "AccessDenied", 403);
  EXPECT_EQ(expired.message(), "Request has expired");
  EXPECT_EQ(expired.code(), absl::StatusCode::kPermissionDenied);

  const absl::Status early = VerifySigV4(BotoPresignedGet(), store, kNow - 16 * 60 * 1000, nullptr);
  ExpectError(early, "AccessDenied", 403);
  EXPECT_EQ(early.message(), "Request is not yet valid");
}

TEST(SigV4Errors, PresignedTamperingAndMissingParameters) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  Request longer = BotoPresignedGet();
  longer.target.replace(longer.target.find("X-Amz-Expires=600"), 17, "X-Amz-Expires=6000");
  ExpectError(VerifySigV4(longer, store, kNow, nullptr), "SignatureDoesNotMatch", 403);

  Request other_key = BotoPresignedGet();
  other_key.target.replace(other_key.target.find("a%20b"), 5, "a%20c");
  ExpectError(VerifySigV4(other_key, store, kNow, nullptr), "SignatureDoesNotMatch", 403);

  Request too_long = BotoPresignedGet();
  too_long.target.replace(too_long.target.find("X-Amz-Expires=600"), 17, "X-Amz-Expires=604801");
  const absl::Status week = VerifySigV4(too_long, store, kNow, nullptr);
  ExpectError(week, "AuthorizationQueryParametersError", 400);
  EXPECT_EQ(week.message(), "X-Amz-Expires must be less than a week (in seconds) that is; 604800");

  Request unsigned_url = BotoPresignedGet();
  unsigned_url.target.resize(unsigned_url.target.find("&X-Amz-Signature"));
  ExpectError(VerifySigV4(unsigned_url, store, kNow, nullptr), "AuthorizationQueryParametersError",
              400);
}

TEST(SigV4Errors, UnsupportedAlgorithms) {
  Request v4a = BotoInvoke();
  SetHeader(v4a, "Authorization",
            "AWS4-ECDSA-P256-SHA256 Credential=test/20260115/lambda/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=3045");
  ExpectError(VerifySigV4(v4a, CredentialStore::WithDefaultKey(), kNow, nullptr),
              "IncompleteSignatureException", 400);
  Request v2 = BotoPutObject();
  SetHeader(v2, "Authorization", "AWS test:frJIUN8DYpKDtOLCwo//yllqDzg=");
  ExpectError(VerifySigV4(v2, CredentialStore::WithDefaultKey(), kNow, nullptr),
              "IncompleteSignatureException", 400);
}

// ---------------------------------------------------------------------------------------------
// Scope peeking, the credential store and its file.

TEST(SigV4Scope, RegionAndServiceMustMatchWhenRequired) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  SigV4Options lambda_here{.region = "us-east-1", .service = "lambda"};
  EXPECT_TRUE(VerifySigV4(BotoInvoke(), store, kNow, nullptr, lambda_here).ok());

  SigV4Options elsewhere{.region = "eu-west-1", .service = "lambda"};
  const absl::Status region = VerifySigV4(BotoInvoke(), store, kNow, nullptr, elsewhere);
  ExpectError(region, "InvalidSignatureException", 403);
  EXPECT_EQ(region.message(), "Credential should be scoped to a valid region, not 'us-east-1'. ");

  SigV4Options events{.region = "us-east-1", .service = "events"};
  const absl::Status service = VerifySigV4(BotoInvoke(), store, kNow, nullptr, events);
  ExpectError(service, "InvalidSignatureException", 403);
  EXPECT_EQ(service.message(), "Credential should be scoped to correct service: 'events'. ");

  // S3 calls a wrong scope a malformed header or query.
  ExpectError(VerifySigV4(BotoPutObject(), store, kNow, nullptr, {.region = "eu-west-1"}),
              "AuthorizationHeaderMalformed", 400);
  ExpectError(VerifySigV4(BotoPresignedGet(), store, kNow, nullptr, {.region = "eu-west-1"}),
              "AuthorizationQueryParametersError", 400);
}

TEST(ScreenSigV4, RefusesWhatTheHeadersShowWithoutTheBody) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  const SigV4Options lambda_here{.region = "us-east-1", .service = "lambda"};
  auto headers_of = [](Request request) {
    request.body.clear();
    return request;
  };
  // Passes: botocore's Invoke signs a body hash that is not declared, so only the body can
  // settle the signature; JS v3 declares it, so the screen checks the signature itself.
  EXPECT_TRUE(ScreenSigV4(headers_of(BotoInvoke()), store, kNow, lambda_here).ok());
  EXPECT_TRUE(ScreenSigV4(headers_of(JsInvoke()), store, kNow, lambda_here).ok());
  EXPECT_TRUE(ScreenSigV4(headers_of(BotoPutObject()), store, kNow).ok());

  Request unsigned_request = headers_of(BotoInvoke());
  RemoveHeader(unsigned_request, "Authorization");
  ExpectError(ScreenSigV4(unsigned_request, store, kNow), "MissingAuthenticationTokenException",
              403);
  CredentialStore strangers;
  strangers.Add("someone-else", "test");
  ExpectError(ScreenSigV4(headers_of(BotoInvoke()), strangers, kNow), "UnrecognizedClientException",
              403);
  ExpectError(ScreenSigV4(headers_of(BotoInvoke()), store, kNow + 16 * 60 * 1000),
              "InvalidSignatureException", 403);
  ExpectError(ScreenSigV4(headers_of(BotoInvoke()), store, kNow, {.region = "eu-west-1"}),
              "InvalidSignatureException", 403);
  ExpectError(ScreenSigV4(headers_of(BotoInvoke()), store, kNow, {.service = "events"}),
              "InvalidSignatureException", 403);
  Request malformed = headers_of(BotoInvoke());
  SetHeader(malformed, "Authorization", "AWS4-HMAC-SHA256 Credential=test");
  ExpectError(ScreenSigV4(malformed, store, kNow), "IncompleteSignatureException", 400);

  // A declared hash makes the whole signature checkable from the headers.
  CredentialStore wrong_secret;
  wrong_secret.Add("test", "not-test");
  ExpectError(ScreenSigV4(headers_of(JsInvoke()), wrong_secret, kNow), "InvalidSignatureException",
              403);
  ExpectError(ScreenSigV4(headers_of(BotoPutObject()), wrong_secret, kNow), "SignatureDoesNotMatch",
              403);
  // ... and the body is still held to that hash once it has been read.
  Request js = JsInvoke();
  js.body = R"({"hello":"JS"})";
  EXPECT_TRUE(ScreenSigV4(js, store, kNow).ok());
  ExpectError(VerifySigV4(js, store, kNow, nullptr), "InvalidSignatureException", 403);
}

TEST(ScreenSigV4, GivesTheCallerWhenTheHeadersProveTheSignature) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  std::optional<VerifiedCaller> verified;
  // botocore's Invoke: only the body can settle it.
  ASSERT_TRUE(ScreenSigV4(BotoInvoke(), store, kNow, {}, &verified).ok());
  EXPECT_FALSE(verified.has_value());
  // JS v3 declares the hash: the caller, and the hash the body must have.
  const Request js = JsInvoke();
  ASSERT_TRUE(ScreenSigV4(js, store, kNow, {}, &verified).ok());
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->scope.access_key, "test");
  EXPECT_EQ(verified->payload, PayloadSigning::kVerified);
  EXPECT_EQ(verified->declared_payload_sha256.size(), 64u);
  EXPECT_TRUE(CheckDeclaredPayload(*verified, js.body).ok());
  ExpectError(CheckDeclaredPayload(*verified, R"({"hello":"JS"})"), "InvalidSignatureException",
              403);
  // S3 answers a changed body in its own words.
  const Request put = BotoPutObject();
  std::optional<VerifiedCaller> put_caller;
  ASSERT_TRUE(ScreenSigV4(put, store, kNow, {}, &put_caller).ok());
  ASSERT_TRUE(put_caller.has_value());
  EXPECT_TRUE(CheckDeclaredPayload(*put_caller, put.body).ok());
  ExpectError(CheckDeclaredPayload(*put_caller, put.body + "!"), "XAmzContentSHA256Mismatch", 400);
  // A refused screen gives no caller.
  std::optional<VerifiedCaller> refused;
  CredentialStore wrong_secret;
  wrong_secret.Add("test", "not-test");
  EXPECT_FALSE(ScreenSigV4(js, wrong_secret, kNow, {}, &refused).ok());
  EXPECT_FALSE(refused.has_value());
}

TEST(PeekCredentialScope, HeaderQueryAndNeither) {
  std::optional<CredentialScope> scope = PeekCredentialScope(JsInvoke());
  ASSERT_TRUE(scope.has_value());
  EXPECT_EQ(scope->access_key, "test");
  EXPECT_EQ(scope->date, "20260115");
  EXPECT_EQ(scope->region, "us-east-1");
  EXPECT_EQ(scope->service, "lambda");

  scope = PeekCredentialScope(BotoPresignedGet());
  ASSERT_TRUE(scope.has_value());
  EXPECT_EQ(scope->service, "s3");

  EXPECT_FALSE(PeekCredentialScope(MakeRequest("GET", "/health", {})).has_value());
  EXPECT_FALSE(
      PeekCredentialScope(MakeRequest("GET", "/", {{"Authorization", "Bearer x"}})).has_value());

  EXPECT_EQ(PeekSigningService(JsInvoke()), "lambda");
  EXPECT_EQ(PeekSigningService(BotoPresignedGet()), "s3");
  EXPECT_EQ(PeekSigningService(MakeRequest("GET", "/health", {})), "");
}

TEST(SignRequest, ProducesSignaturesTheVerifierAccepts) {
  const int64_t now = 1768473000000;  // 2026-01-15T10:30:00Z
  const CredentialStore store = CredentialStore::WithDefaultKey();
  for (const char* target : {"/2015-03-31/functions", "/2015-03-31/functions/a%3Ab/invocations",
                             "/2017-03-31/tags/arn%3Aaws%3Alambda?tagKeys=a&tagKeys=b"}) {
    Request request;
    request.method = "POST";
    request.target = target;
    request.headers = {{"Host", "127.0.0.1:4566"}, {"Content-Type", "application/json"}};
    request.body = R"({"FunctionName":"f"})";
    SignRequest(request, "test", "test", "us-east-1", "lambda", now);
    VerifiedCaller caller;
    EXPECT_TRUE(VerifySigV4(request, store, now + 1000, &caller).ok()) << target;
    EXPECT_EQ(caller.scope.service, "lambda");
    // Signing again (a retry) replaces the headers instead of adding a second set.
    SignRequest(request, "test", "test", "us-east-1", "lambda", now + 2000);
    EXPECT_TRUE(VerifySigV4(request, store, now + 2000, &caller).ok()) << target;
    request.body += " ";
    EXPECT_FALSE(VerifySigV4(request, store, now + 2000, &caller).ok()) << target;
  }
  Request request;
  request.method = "GET";
  request.target = "/";
  request.headers = {{"Host", "h"}};
  SignRequest(request, "test", "wrong", "us-east-1", "lambda", now);
  EXPECT_FALSE(VerifySigV4(request, store, now, nullptr).ok());
}

TEST(PresignTarget, TheVerifierAcceptsItUntilItExpires) {
  const int64_t now = 1768473000000;  // 2026-01-15T10:30:00Z
  const CredentialStore store = CredentialStore::WithDefaultKey();
  Request request;
  request.method = "GET";
  request.target = PresignTarget("GET", "127.0.0.1:4566", "/_serval/code/abc.zip", "test", "test",
                                 "us-east-1", "lambda", now, 600);
  request.headers = {{"Host", "127.0.0.1:4566"}};
  VerifiedCaller caller;
  EXPECT_TRUE(VerifySigV4(request, store, now + 1000, &caller).ok()) << request.target;
  EXPECT_EQ(caller.form, SigV4Form::kPresignedQuery);
  EXPECT_FALSE(VerifySigV4(request, store, now + 601'000, &caller).ok());  // expired
  Request other_path = request;
  other_path.target.replace(other_path.target.find("abc"), 3, "xyz");
  EXPECT_FALSE(VerifySigV4(other_path, store, now + 1000, &caller).ok());
}

}  // namespace
}  // namespace serval::http
