#include <gtest/gtest.h>

#include "common/aws_error.h"
#include "services/s3/bucket_name.h"
#include "services/s3/bucket_policy.h"
#include "services/s3/catalog.h"
#include "services/s3/conditions.h"
#include "services/s3/cors.h"
#include "services/s3/multipart_checksums.h"
#include "services/s3/object_parts.h"
#include "services/s3/object_record.h"
#include "services/s3/s3_address.h"
#include "services/s3/tags.h"

namespace serval::s3 {
namespace {

http::Request RequestTo(std::string host, std::string target) {
  http::Request request{.method = "GET", .target = std::move(target)};
  request.headers.emplace_back("Host", std::move(host));
  return request;
}

TEST(S3Address, PathStyleKeepsEveryByteOfTheKey) {
  S3Address address = AddressOf(RequestTo("127.0.0.1:4566", "/b/dir//my%20file+%25x/"));
  EXPECT_EQ(address.bucket, "b");
  EXPECT_EQ(address.key, "dir//my file+%x/");
  EXPECT_FALSE(address.virtual_host);
  EXPECT_EQ(AddressOf(RequestTo("127.0.0.1:4566", "/b")).key, "");
  EXPECT_EQ(AddressOf(RequestTo("127.0.0.1:4566", "/b/")).key, "");
  EXPECT_EQ(AddressOf(RequestTo("127.0.0.1:4566", "/")).bucket, "");
}

TEST(S3Address, VirtualHostTakesTheBucketFromHost) {
  S3Address address = AddressOf(RequestTo("my.bucket.s3.localhost:4566", "/a/b?x=1"));
  EXPECT_EQ(address.bucket, "my.bucket");
  EXPECT_EQ(address.key, "a/b");
  EXPECT_TRUE(address.virtual_host);
  EXPECT_EQ(AddressOf(RequestTo("bucket.localhost:4566", "/k")).bucket, "bucket");
  EXPECT_EQ(AddressOf(RequestTo("s3.localhost:4566", "/b/k")).bucket, "b");
  S3Address website = AddressOf(RequestTo("site.s3-website.localhost:4566", "/index.html"));
  EXPECT_TRUE(website.website);
  EXPECT_EQ(website.bucket, "site");
}

TEST(BucketName, FollowsS3Rules) {
  for (std::string_view good :
       {std::string_view("abc"), std::string_view("my-bucket.v2"),
        std::string_view("a23456789012345678901234567890123456789012345678901234567890123")}) {
    EXPECT_TRUE(IsValidBucketName(good)) << good;
  }
  for (std::string_view bad : {"ab", "Abc", "a..b", "-abc", "abc-", "192.168.1.1", "a_b", "xn--abc",
                               "bucket-s3alias", "a/b"}) {
    EXPECT_FALSE(IsValidBucketName(bad)) << bad;
  }
}

TEST(Range, ParsesTheFormsS3Accepts) {
  auto range = [](std::string_view header, uint64_t size) { return RangeOf(header, size); };
  EXPECT_EQ((*range("bytes=0-4", 10))->last, 4u);
  EXPECT_EQ((*range("bytes=5-", 10))->first, 5u);
  EXPECT_EQ((*range("bytes=5-", 10))->last, 9u);
  EXPECT_EQ((*range("bytes=-3", 10))->first, 7u);
  EXPECT_EQ((*range("bytes=-30", 10))->first, 0u);
  EXPECT_EQ((*range("bytes=8-100", 10))->last, 9u);
  EXPECT_FALSE(range("bytes=0-1,3-4", 10)->has_value());  // several ranges: the whole object
  EXPECT_FALSE(range("items=0-1", 10)->has_value());
  EXPECT_FALSE(range("bytes=5-2", 10)->has_value());
  EXPECT_EQ(AwsErrorCode(range("bytes=10-", 10).status()), "InvalidRange");
  EXPECT_EQ(AwsErrorCode(range("bytes=0-", 0).status()), "InvalidRange");
}

TEST(Conditions, FollowS3Precedence) {
  http::Request request;
  const int64_t modified = 1'255'369'800'000;  // Mon, 12 Oct 2009 17:50:00 GMT
  request.headers = {{"If-Match", "\"abc\""},
                     {"If-Unmodified-Since", "Sun, 11 Oct 2009 00:00:00 GMT"}};
  EXPECT_EQ(*EvaluateReadConditions(request, "abc", modified), Condition::kProceed);
  request.headers = {{"If-Match", "\"other\""}};
  EXPECT_EQ(AwsErrorCode(EvaluateReadConditions(request, "abc", modified).status()),
            "PreconditionFailed");
  request.headers = {{"If-None-Match", "\"abc\""}};
  EXPECT_EQ(*EvaluateReadConditions(request, "abc", modified), Condition::kNotModified);
  request.headers = {{"If-Modified-Since", "Mon, 12 Oct 2009 17:50:00 GMT"}};
  EXPECT_EQ(*EvaluateReadConditions(request, "abc", modified), Condition::kNotModified);
  request.headers = {{"If-Modified-Since", "Mon, 12 Oct 2009 17:49:59 GMT"}};
  EXPECT_EQ(*EvaluateReadConditions(request, "abc", modified), Condition::kProceed);
  EXPECT_TRUE(EtagListMatches("\"x\", \"abc\"", "abc"));
  EXPECT_TRUE(EtagListMatches("*", "abc"));
  EXPECT_FALSE(EtagListMatches("\"abcd\"", "abc"));
}

TEST(BucketPolicy, GrantsAnonymousReadsOnlyAsWritten) {
  const std::string policy = R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"},
    {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::b/public/secret*"}]})";
  EXPECT_TRUE(ValidateBucketPolicy(policy).ok());
  EXPECT_TRUE(AllowsAnonymous(policy, "s3:GetObject", "arn:aws:s3:::b/public/a.html", ""));
  EXPECT_FALSE(AllowsAnonymous(policy, "s3:GetObject", "arn:aws:s3:::b/private/a.html", ""));
  EXPECT_FALSE(AllowsAnonymous(policy, "s3:GetObject", "arn:aws:s3:::b/public/secret.txt", ""));
  EXPECT_FALSE(AllowsAnonymous(policy, "s3:PutObject", "arn:aws:s3:::b/public/a.html", ""));
  // The common "public from our network only" policy sees the caller's address.
  const std::string from_network = R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
     "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})";
  EXPECT_TRUE(AllowsAnonymous(from_network, "s3:GetObject", "arn:aws:s3:::b/a", "10.1.2.3"));
  EXPECT_FALSE(AllowsAnonymous(from_network, "s3:GetObject", "arn:aws:s3:::b/a", "127.0.0.1"));
  EXPECT_FALSE(AllowsAnonymous(from_network, "s3:GetObject", "arn:aws:s3:::b/a", ""));
  EXPECT_EQ(AwsErrorCode(ValidateBucketPolicy("nope")), "MalformedPolicy");
  EXPECT_EQ(AwsErrorCode(ValidateBucketPolicy(R"({"Statement":[{"Effect":"Maybe"}]})")),
            "MalformedPolicy");
}

TEST(Cors, AnswersMatchingPreflights) {
  auto rules = ParseCorsXml(
      "<CORSConfiguration><CORSRule><AllowedOrigin>http://*.example.com</AllowedOrigin>"
      "<AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader>"
      "<MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>");
  ASSERT_TRUE(rules.ok()) << rules.status();
  auto headers = CorsHeaders(*rules, "http://app.example.com", "PUT", "content-type");
  ASSERT_TRUE(headers.has_value());
  EXPECT_EQ((*headers)[0].second, "http://app.example.com");
  EXPECT_FALSE(CorsHeaders(*rules, "http://evil.com", "PUT", "").has_value());
  EXPECT_FALSE(CorsHeaders(*rules, "http://app.example.com", "DELETE", "").has_value());
  EXPECT_EQ(AwsErrorCode(ParseCorsXml("<CORSConfiguration/>").status()), "MalformedXML");
  EXPECT_EQ(AwsErrorCode(ParseCorsXml("<CORSConfiguration><CORSRule><AllowedOrigin>*"
                                      "</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"
                                      "</CORSRule></CORSConfiguration>")
                             .status()),
            "InvalidRequest");
  // Stored as written back: it parses again to the same rules.
  auto again = ParseCorsXml(CorsXml(*rules).Take());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->at(0).allowed_origins, rules->at(0).allowed_origins);
}

TEST(Tags, ParseFromXmlAndHeaderWithinLimits) {
  auto tags = ParseTaggingXml(
      "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>", 10);
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (Pairs{{"a", "1"}}));
  EXPECT_EQ(*ParseTaggingHeader("k%201=v+1&k2="), (Pairs{{"k 1", "v 1"}, {"k2", ""}}));
  EXPECT_EQ(AwsErrorCode(ParseTaggingHeader("a=1&a=2").status()), "InvalidArgument");
  EXPECT_EQ(AwsErrorCode(ParseTaggingHeader("a=1,b=2").status()), "InvalidArgument");
  EXPECT_EQ(AwsErrorCode(ParseTaggingHeader("aws:x=1").status()), "InvalidTag");
  EXPECT_EQ(
      AwsErrorCode(
          ParseTaggingXml(
              "<Tagging><TagSet><Tag><Key>a,b</Key><Value>1</Value></Tag></TagSet></Tagging>", 10)
              .status()),
      "InvalidTag");
  EXPECT_EQ(AwsErrorCode(ParseTaggingXml("<Tagging>", 10).status()), "MalformedXML");
}

TEST(Records, RoundTrip) {
  ObjectRecord record;
  record.size = 42;
  record.etag = "abc-2";
  record.last_modified_millis = 7;
  record.headers.content_type = "text/plain";
  record.headers.user_metadata = {{"a", "b"}};
  record.tags = {{"t", "v"}};
  record.segments = {{"s3/1", 20}, {"s3/2", 22}};
  record.parts_count = 2;
  record.checksums = {{"CRC32", "AAAAAA==-2"}};
  record.checksum_type = "COMPOSITE";
  record.part_checksums = {"AAAAAA==", "AAAAAB=="};
  EXPECT_EQ(*DecodeObjectRecord(EncodeObjectRecord(record)), record);
  EXPECT_FALSE(DecodeObjectRecord("{").ok());
  UploadRecord upload{.bucket = "b",
                      .key = "k",
                      .initiated_millis = 3,
                      .object = record,
                      .checksum_algorithm = "CRC32",
                      .checksum_type = "FULL_OBJECT"};
  auto decoded = DecodeUploadRecord(EncodeUploadRecord(upload));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->object, record);
  EXPECT_EQ(decoded->key, "k");
  EXPECT_EQ(decoded->checksum_type, "FULL_OBJECT");
}

// A part of `data` as UploadPart stores it, with its checksum of `algorithm`.
PartRecord PartOf(uint32_t number, std::string_view data, ChecksumAlgorithm algorithm) {
  std::unique_ptr<Checksum> checksum = Checksum::Create(algorithm);
  checksum->Update(data);
  return PartRecord{
      .number = number,
      .segment = {"s3/p", data.size()},
      .checksums = {{std::string(ChecksumAlgorithmName(algorithm)), checksum->Base64()}}};
}

TEST(MultipartChecksums, FullObjectIsTheWholeCrcAndCompositeTheChecksumOfChecksums) {
  const std::string pieces[] = {std::string(1000, 'a'), "bcd", std::string(70000, 'e')};
  for (ChecksumAlgorithm algorithm : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                      ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha256}) {
    SCOPED_TRACE(ChecksumAlgorithmName(algorithm));
    std::vector<PartRecord> parts;
    std::unique_ptr<Checksum> whole = Checksum::Create(algorithm);
    std::unique_ptr<Checksum> of_checksums = Checksum::Create(algorithm);
    for (uint32_t i = 0; i < 3; ++i) {
      parts.push_back(PartOf(i + 1, pieces[i], algorithm));
      whole->Update(pieces[i]);
      std::unique_ptr<Checksum> one = Checksum::Create(algorithm);
      one->Update(pieces[i]);
      of_checksums->Update(one->Digest());
    }
    const std::vector<const PartRecord*> listed = {&parts[0], &parts[1], &parts[2]};
    if (algorithm != ChecksumAlgorithm::kSha256) {
      EXPECT_EQ(*ObjectChecksumOf({algorithm, /*full_object=*/true}, listed), whole->Base64());
    }
    if (algorithm != ChecksumAlgorithm::kCrc64Nvme) {
      EXPECT_EQ(*ObjectChecksumOf({algorithm, /*full_object=*/false}, listed),
                of_checksums->Base64() + "-3");
    }
  }
  // A part stored without the upload's checksum is not papered over.
  PartRecord bare{.number = 1, .segment = {"s3/p", 1}};
  EXPECT_FALSE(ObjectChecksumOf({ChecksumAlgorithm::kCrc32, true}, {&bare}).ok());
}

TEST(MultipartChecksums, UploadsRecordedBeforeTheTypeHaveTheirAlgorithmsDefault) {
  UploadRecord upload{.checksum_algorithm = "CRC64NVME"};
  EXPECT_TRUE(UploadChecksumOf(upload)->full_object);
  upload.checksum_algorithm = "SHA1";
  EXPECT_FALSE(UploadChecksumOf(upload)->full_object);
  upload.checksum_algorithm = "";
  EXPECT_EQ(UploadChecksumOf(upload), std::nullopt);
}

TEST(ObjectParts, RangesOfPartsAndOfTheOnlyPart) {
  ObjectRecord multipart{.size = 13, .segments = {{"a", 10}, {"b", 3}, {"c", 0}}, .parts_count = 3};
  auto second = PartRangeOf(multipart, 2);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->first, 10u);
  EXPECT_EQ((*second)->last, 12u);
  EXPECT_EQ(*PartRangeOf(multipart, 3), std::nullopt);  // empty
  EXPECT_EQ(AwsErrorCode(PartRangeOf(multipart, 4).status()), "InvalidPartNumber");
  ObjectRecord single{.size = 8};
  auto only = PartRangeOf(single, 1);
  ASSERT_TRUE(only.ok() && only->has_value());
  EXPECT_EQ((*only)->last, 7u);
  EXPECT_EQ(AwsErrorCode(PartRangeOf(single, 2).status()), "InvalidPartNumber");
}

TEST(MultipartChecksums, TypesFollowTheAlgorithm) {
  auto request = [](std::string algorithm, std::string type) {
    http::Request made{.method = "POST", .target = "/b/k?uploads"};
    if (!algorithm.empty()) made.headers.emplace_back("x-amz-checksum-algorithm", algorithm);
    if (!type.empty()) made.headers.emplace_back("x-amz-checksum-type", type);
    return UploadChecksumOfRequest(made);
  };
  EXPECT_EQ(*request("", ""), std::nullopt);
  EXPECT_FALSE((*request("crc32", ""))->full_object);
  EXPECT_TRUE((*request("CRC64NVME", ""))->full_object);
  EXPECT_TRUE((*request("CRC32C", "FULL_OBJECT"))->full_object);
  const std::pair<std::string, std::string> refused_pairs[] = {{"SHA1", "FULL_OBJECT"},
                                                               {"CRC64NVME", "COMPOSITE"},
                                                               {"", "COMPOSITE"},
                                                               {"MD5", ""},
                                                               {"CRC32", "WHOLE"}};
  for (const auto& [algorithm, type] : refused_pairs) {
    auto refused = request(algorithm, type);
    EXPECT_FALSE(refused.ok()) << algorithm << " " << type;
    EXPECT_EQ(AwsErrorCode(refused.status()), "InvalidRequest");
  }
}

}  // namespace
}  // namespace serval::s3
