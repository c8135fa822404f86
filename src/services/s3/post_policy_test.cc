#include "services/s3/post_policy.h"

#include <gtest/gtest.h>

#include "common/aws_error.h"
#include "common/crypto.h"

namespace serval::s3 {
namespace {

constexpr int64_t kNow = 1451347200000;  // 2015-12-29T00:00:00Z

absl::StatusOr<PostPolicy> Parse(std::string_view json) {
  return ParsePostPolicy(Base64Encode(json));
}

std::string MessageOf(const absl::Status& status) { return std::string(status.message()); }

TEST(PostPolicyTest, BotocoreAndJsSdkPoliciesHold) {
  // botocore's (spaced JSON, lower-case names, starts-with for ${filename}) and the JS SDK's
  // (compact, capitalised names, a condition for every field).
  auto botocore = Parse(
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [{"success_action_status": "201"},)"
      R"( {"bucket": "b"}, ["starts-with", "$key", "uploads/"], {"x-amz-algorithm": "A"}]})");
  ASSERT_TRUE(botocore.ok()) << botocore.status();
  EXPECT_EQ(botocore->expiration_millis, kNow + 3600000);
  PostFields fields = {{"success_action_status", "201"},
                       {"key", "uploads/a.txt"},
                       {"x-amz-algorithm", "A"},
                       {"x-amz-signature", "sig"},
                       {"policy", "p"},
                       {"x-ignore-me", "1"}};
  EXPECT_TRUE(CheckPostPolicy(*botocore, fields, "b", kNow, {"x-amz-signature", "policy"}).ok());

  auto js = Parse(
      R"({"expiration":"2015-12-29T00:00:01.000Z","conditions":[{"bucket":"b"},)"
      R"({"X-Amz-Date":"D"},{"Content-Type":"image/png"},{"key":"k"}]})");
  ASSERT_TRUE(js.ok()) << js.status();
  EXPECT_EQ(js->expiration_millis, kNow + 1000);
  EXPECT_TRUE(CheckPostPolicy(*js,
                              {{"bucket", "b"}, {"x-amz-date", "D"}, {"content-type", "image/png"},
                               {"key", "k"}},
                              "b", kNow, {})
                  .ok());
}

TEST(PostPolicyTest, RefusalsInS3sWords) {
  auto policy = Parse(
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [{"bucket": "b"},)"
      R"( ["eq", "$key", "k"], ["starts-with", "$Content-Type", "image/"]]})");
  ASSERT_TRUE(policy.ok());
  PostFields fields = {{"key", "k"}, {"content-type", "image/png, image/gif"}};
  EXPECT_TRUE(CheckPostPolicy(*policy, fields, "b", kNow, {}).ok());

  absl::Status expired = CheckPostPolicy(*policy, fields, "b", kNow + 3600000, {});
  EXPECT_EQ(AwsErrorCode(expired), "AccessDenied");
  EXPECT_EQ(MessageOf(expired), "Invalid according to Policy: Policy expired.");

  EXPECT_EQ(MessageOf(CheckPostPolicy(*policy, fields, "other", kNow, {})),
            R"(Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"])");
  fields["key"] = "K";
  EXPECT_EQ(MessageOf(CheckPostPolicy(*policy, fields, "b", kNow, {})),
            R"(Invalid according to Policy: Policy Condition failed: ["eq", "$key", "k"])");
  fields["key"] = "k";
  fields["content-type"] = "image/png, text/html";
  EXPECT_EQ(
      MessageOf(CheckPostPolicy(*policy, fields, "b", kNow, {})),
      R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"])");
  fields["content-type"] = "image/png";
  fields["x-amz-meta-extra"] = "1";
  EXPECT_EQ(MessageOf(CheckPostPolicy(*policy, fields, "b", kNow, {})),
            "Invalid according to Policy: Extra input fields: x-amz-meta-extra");
  fields.erase("x-amz-meta-extra");
  fields.erase("content-type");  // a condition on an absent field fails, even starts-with
  EXPECT_EQ(AwsErrorCode(CheckPostPolicy(*policy, fields, "b", kNow, {})), "AccessDenied");
}

TEST(PostPolicyTest, ContentLengthRange) {
  auto policy = Parse(
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [["content-length-range", 5, "10"]]})");
  ASSERT_TRUE(policy.ok());
  EXPECT_TRUE(CheckPostContentLength(*policy, 5).ok());
  EXPECT_TRUE(CheckPostContentLength(*policy, 10).ok());
  EXPECT_EQ(AwsErrorCode(CheckPostContentLength(*policy, 11)), "EntityTooLarge");
  EXPECT_EQ(AwsErrorCode(CheckPostContentLength(*policy, 4)), "EntityTooSmall");
  auto bad = Parse(
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [["content-length-range", "a", 10]]})");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(MessageOf(CheckPostPolicy(*bad, {}, "b", kNow, {})),
            R"(Invalid according to Policy: Policy Condition failed: ["content-length-range", "a", 10])");
}

TEST(PostPolicyTest, MalformedDocuments) {
  const char* documents[] = {
      "not json",
      R"({"conditions": []})",
      R"({"expiration": "2015-12-29 01:00:00", "conditions": []})",
      R"({"expiration": "2015-12-29T01:00:00Z"})",
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [{"a": "1", "b": "2"}]})",
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [["in", "$a", "1"]]})",
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [["eq", "$a"]]})",
  };
  for (const char* document : documents) {
    SCOPED_TRACE(document);
    EXPECT_EQ(AwsErrorCode(Parse(document).status()), "InvalidPolicyDocument");
  }
  EXPECT_EQ(AwsErrorCode(ParsePostPolicy("%%%").status()), "InvalidPolicyDocument");
  // \u escapes (botocore's json.dumps writes non-ASCII so) are decoded.
  auto escaped = Parse(
      R"({"expiration": "2015-12-29T01:00:00Z", "conditions": [{"key": "caf\u00e9"}]})");
  ASSERT_TRUE(escaped.ok());
  EXPECT_TRUE(CheckPostPolicy(*escaped, {{"key", "caf\xc3\xa9"}}, "b", kNow, {}).ok());
}

}  // namespace
}  // namespace serval::s3
