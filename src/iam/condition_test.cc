#include "iam/condition.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iam/evaluator.h"
#include "iam/policy.h"

namespace serval::iam {
namespace {

// 2024-05-01T12:00:00Z
constexpr int64_t kNow = 1714564800000;

struct Case {
  std::string condition;  // a Condition block
  std::vector<ContextValue> context;
  bool allowed;
};

// Whether an identity policy allowing everything under `condition` allows a role session's
// request carrying `context`.
bool Allows(const std::string& condition, const std::vector<ContextValue>& context) {
  const std::string text =
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":)" +
      condition + "}}";
  absl::StatusOr<PolicyDocument> policy = ParsePolicy(text, PolicyKind::kIdentity);
  EXPECT_TRUE(policy.ok()) << policy.status() << " " << text;
  if (!policy.ok()) return false;
  const Principal role{.kind = Principal::Kind::kAssumedRole,
                       .arn = "arn:aws:sts::000000000000:assumed-role/worker/session",
                       .account_id = "000000000000",
                       .role_arn = "arn:aws:iam::000000000000:role/worker",
                       .user_id = "AROAEXAMPLE:session"};
  const AccessQuery query{.principal = &role,
                          .action = "s3:GetObject",
                          .resource = "arn:aws:s3:::b/k",
                          .context = context,
                          .now_millis = kNow};
  return Evaluate(query, std::span(&*policy, 1), nullptr).decision == Decision::kAllow;
}

// The operators and rules of the IAM User Guide's condition operator page and its page on
// multivalued context keys.
TEST(Condition, OperatorsAsAwsDocumentsThem) {
  const std::vector<ContextValue> source = {{"aws:SourceArn", {"arn:aws:s3:::photos"}}};
  const std::vector<ContextValue> tags = {{"aws:TagKeys", {"env", "team"}}};
  const std::vector<ContextValue> ip4 = {{"aws:SourceIp", {"10.1.2.3"}}};
  const std::vector<ContextValue> ip6 = {{"aws:SourceIp", {"2001:db8::1"}}};
  const std::vector<ContextValue> keys10 = {{"s3:max-keys", {"10"}}};
  const std::vector<ContextValue> secure = {{"aws:SecureTransport", {"true"}}};
  const Case cases[] = {
      // Strings: exact, negated, case-folded, wildcards; several values OR'd.
      {R"({"StringEquals":{"aws:SourceArn":"arn:aws:s3:::photos"}})", source, true},
      {R"({"StringEquals":{"aws:sourcearn":"arn:aws:s3:::photos"}})", source, true},
      {R"({"StringEquals":{"aws:SourceArn":"arn:aws:s3:::PHOTOS"}})", source, false},
      {R"({"StringEquals":{"aws:SourceArn":["x","arn:aws:s3:::photos"]}})", source, true},
      {R"({"StringEquals":{"aws:SourceArn":"arn:aws:s3:::*"}})", source, false},
      {R"({"StringNotEquals":{"aws:SourceArn":"arn:aws:s3:::photos"}})", source, false},
      {R"({"StringNotEquals":{"aws:SourceArn":"arn:aws:s3:::other"}})", source, true},
      {R"({"StringEqualsIgnoreCase":{"aws:SourceArn":"ARN:AWS:S3:::PHOTOS"}})", source, true},
      {R"({"StringNotEqualsIgnoreCase":{"aws:SourceArn":"ARN:AWS:S3:::PHOTOS"}})", source, false},
      {R"({"StringLike":{"aws:SourceArn":"arn:aws:s3:::ph*"}})", source, true},
      {R"({"StringLike":{"aws:SourceArn":"arn:aws:s3:::Ph*"}})", source, false},
      {R"({"StringNotLike":{"aws:SourceArn":"arn:aws:s3:::ph*"}})", source, false},
      // ARNs, segment by segment; ArnEquals takes wildcards too.
      {R"({"ArnLike":{"aws:SourceArn":"arn:aws:s3:*:*:photos"}})", source, true},
      {R"({"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::photo?"}})", source, true},
      {R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::photos"}})", source, false},
      {R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::other"}})", source, true},
      {R"({"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}})", source, false},
      // A key the request lacks: positive operators fail, negated ones hold, IfExists passes.
      {R"({"StringEquals":{"aws:SourceAccount":"000000000000"}})", source, false},
      {R"({"StringNotEquals":{"aws:SourceAccount":"000000000000"}})", source, true},
      {R"({"StringEqualsIfExists":{"aws:SourceAccount":"000000000000"}})", source, true},
      {R"({"StringEqualsIfExists":{"aws:SourceArn":"arn:aws:s3:::other"}})", source, false},
      {R"({"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::photos"}})", source, true},
      // Several keys and operators are AND'd.
      {R"({"StringLike":{"aws:SourceArn":"arn:aws:s3:::*"},"StringEquals":{"aws:SourceAccount":"1"}})",
       source, false},
      {R"({"StringLike":{"aws:SourceArn":"arn:aws:s3:::*","aws:PrincipalAccount":"000000000000"}})",
       source, true},
      // Numbers.
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", keys10, true},
      {R"({"NumericEquals":{"s3:max-keys":10.0}})", keys10, true},
      {R"({"NumericNotEquals":{"s3:max-keys":"10"}})", keys10, false},
      {R"({"NumericLessThan":{"s3:max-keys":"10"}})", keys10, false},
      {R"({"NumericLessThanEquals":{"s3:max-keys":"10"}})", keys10, true},
      {R"({"NumericGreaterThan":{"s3:max-keys":"9.5"}})", keys10, true},
      {R"({"NumericGreaterThanEquals":{"s3:max-keys":"11"}})", keys10, false},
      {R"({"NumericLessThan":{"s3:max-keys":"100"}})", {{"s3:max-keys", {"lots"}}}, false},
      // Unless the service says otherwise, a request reached Serval over plain HTTP.
      {R"({"Bool":{"aws:SecureTransport":"true"}})", {}, false},
      // Dates: aws:CurrentTime and aws:EpochTime come from the clock; ISO 8601 or epoch seconds.
      {R"({"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})", {}, true},
      {R"({"DateLessThan":{"aws:CurrentTime":"2024-05-01T11:59:59Z"}})", {}, false},
      {R"({"DateLessThan":{"aws:CurrentTime":"2024-05-01T13:00:00+02:00"}})", {}, false},
      {R"({"DateLessThanEquals":{"aws:CurrentTime":"2024-05-01T12:00:00Z"}})", {}, true},
      {R"({"DateEquals":{"aws:CurrentTime":"1714564800"}})", {}, true},
      {R"({"DateNotEquals":{"aws:EpochTime":"1714564800"}})", {}, false},
      {R"({"DateGreaterThanEquals":{"aws:EpochTime":"2024-05-02"}})", {}, false},
      {R"({"DateLessThan":{"aws:TokenIssueTime":"2024-05-01"}})",
       {{"aws:TokenIssueTime", {"2024-04-30T08:00:00Z"}}},
       true},
      {R"({"StringLike":{"aws:CurrentTime":"2024-05-01T*"}})", {}, true},
      {R"({"NumericGreaterThan":{"aws:EpochTime":"1714564799"}})", {}, true},
      // Bool and binary.
      {R"({"Bool":{"aws:SecureTransport":"true"}})", secure, true},
      {R"({"Bool":{"aws:SecureTransport":true}})", secure, true},
      {R"({"Bool":{"aws:SecureTransport":"false"}})", secure, false},
      {R"({"Bool":{"aws:SecureTransport":"false"}})", {}, true},
      {R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})", {}, true},
      {R"({"BinaryEquals":{"s3:x":"QmluYXJ5"}})", {{"s3:x", {"QmluYXJ5"}}}, true},
      {R"({"BinaryEquals":{"s3:x":"QmluYXJ5"}})", {{"s3:x", {"qmluyxj5"}}}, false},
      // Addresses: CIDRs and single addresses, v4 and v6.
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", ip4, true},
      {R"({"IpAddress":{"aws:SourceIp":"10.1.2.3"}})", ip4, true},
      {R"({"IpAddress":{"aws:SourceIp":["192.168.0.0/16","10.1.2.0/31"]}})", ip4, false},
      {R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", ip4, false},
      {R"({"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}})", ip4, true},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", ip6, true},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db9::/32"}})", ip6, false},
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", ip6, false},
      {R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", ip4, true},
      // Null: true wants the key absent, false wants it present.
      {R"({"Null":{"aws:SourceArn":"true"}})", source, false},
      {R"({"Null":{"aws:SourceArn":"false"}})", source, true},
      {R"({"Null":{"aws:SourceAccount":"true"}})", source, true},
      {R"({"Null":{"aws:username":"true"}})", {}, true},
      // Set operators over multivalued keys.
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","owner"]}})", tags, true},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", tags, false},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", {}, true},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", {{"aws:TagKeys", {}}}, true},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}})", tags, true},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}})", tags, false},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}})", {}, false},
      {R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner"]}})", tags, true},
      {R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}})", tags, true},
      {R"({"ForAnyValue:StringLike":{"aws:TagKeys":["te*"]}})", tags, true},
      // Keys derived from the principal.
      {R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:role/worker"}})", {}, true},
      {R"({"StringEquals":{"aws:PrincipalType":"AssumedRole"}})", {}, true},
      {R"({"StringEquals":{"aws:userid":"AROAEXAMPLE:session"}})", {}, true},
      {R"({"StringLike":{"aws:userid":"AROAEXAMPLE:*"}})", {}, true},
      // Variables in condition values.
      {R"({"StringEquals":{"s3:prefix":"home/${aws:PrincipalAccount}/"}})",
       {{"s3:prefix", {"home/000000000000/"}}},
       true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Allows(c.condition, c.context), c.allowed) << c.condition;
  }
}

TEST(Condition, ReadsDates) {
  int64_t millis = 0;
  ASSERT_TRUE(ParseConditionDate("2024-05-01T12:00:00Z", &millis));
  EXPECT_EQ(millis, kNow);
  ASSERT_TRUE(ParseConditionDate("2024-05-01T12:00:00.500Z", &millis));
  EXPECT_EQ(millis, kNow + 500);
  ASSERT_TRUE(ParseConditionDate("2024-05-01T14:00:00+02:00", &millis));
  EXPECT_EQ(millis, kNow);
  ASSERT_TRUE(ParseConditionDate("2024-05-01", &millis));
  EXPECT_EQ(millis, kNow - 12 * 3600 * 1000);
  ASSERT_TRUE(ParseConditionDate("1714564800", &millis));
  EXPECT_EQ(millis, kNow);
  EXPECT_FALSE(ParseConditionDate("May 1st", &millis));
  EXPECT_FALSE(ParseConditionDate("", &millis));
}

TEST(Condition, RefusesValuesItsOperatorCannotRead) {
  EXPECT_FALSE(Condition::Compile("IpAddress", "aws:SourceIp", {"10.0.0.0/33"}, true).ok());
  EXPECT_FALSE(Condition::Compile("IpAddress", "aws:SourceIp", {"ten"}, true).ok());
  EXPECT_FALSE(Condition::Compile("NumericEquals", "s3:max-keys", {"ten"}, true).ok());
  EXPECT_FALSE(Condition::Compile("DateEquals", "aws:CurrentTime", {"noon"}, true).ok());
  EXPECT_FALSE(Condition::Compile("StringMatches", "aws:x", {"a"}, true).ok());
  EXPECT_TRUE(Condition::KnownOperator("ForAnyValue:StringNotLikeIfExists"));
  EXPECT_FALSE(Condition::KnownOperator("stringequals"));
}

}  // namespace
}  // namespace serval::iam
