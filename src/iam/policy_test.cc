#include "iam/policy.h"

#include <gtest/gtest.h>

#include <string>

#include "iam/statement.h"

namespace serval::iam {
namespace {

// The seed applications' policies and AWS's own, all of which must parse.
TEST(ParsePolicy, AcceptsTheSeedApplicationsPolicies) {
  const std::string identity[] = {
      // The EC2 scheduler's role.
      R"({"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:*"},
          {"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:StartInstances","ec2:StopInstances"],"Resource":"*"}]})",
      // Content replication: read the source, write the destination.
      R"({"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::source-bucket/*"]},
          {"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::destination-bucket/*"]}]})",
      // The video function.
      R"({"Version":"2012-10-17","Statement":{"Sid":"Videos","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Videos"}})",
      // AWSLambdaBasicExecutionRole.
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})",
  };
  for (const std::string& text : identity) {
    absl::StatusOr<PolicyDocument> policy = ParsePolicy(text, PolicyKind::kIdentity);
    ASSERT_TRUE(policy.ok()) << policy.status() << "\n" << text;
    EXPECT_EQ(policy->text(), text);
  }
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  EXPECT_TRUE(ParsePolicy(trust, PolicyKind::kTrust).ok());
  // Lambda's trust policy in its 2008 spelling.
  EXPECT_TRUE(ParsePolicy(R"({"Version":"2008-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"],"AWS":["arn:aws:iam::000000000000:root","123456789012"]},"Action":"sts:AssumeRole"}]})",
                          PolicyKind::kTrust)
                  .ok());
  const std::string bucket =
      R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}]})";
  absl::StatusOr<PolicyDocument> policy = ParsePolicy(bucket, PolicyKind::kResource);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ(policy->statements().size(), 1u);
  EXPECT_EQ(policy->statements()[0].conditions.size(), 3u);
}

struct Bad {
  PolicyKind kind;
  std::string text;
  std::string message;
};

TEST(ParsePolicy, RefusesBadDocumentsWithAwsMessages) {
  constexpr PolicyKind kId = PolicyKind::kIdentity;
  constexpr PolicyKind kRes = PolicyKind::kResource;
  constexpr PolicyKind kTr = PolicyKind::kTrust;
  const std::string syntax(kSyntaxErrors);
  const Bad cases[] = {
      {kId, "not json", syntax},
      {kId, "[]", syntax},
      {kId, R"({"Version":"2012-10-17"})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":[]})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":"x"})", syntax},
      {kId, R"({"Version":"2012-10-17","Extra":1,"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})", syntax},
      {kId, R"({"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Bogus":1}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Action":"s3:*","Resource":"*"}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Maybe","Action":"s3:*","Resource":"*"}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:x","Resource":"*"}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*",1],"Resource":"*"}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringFancy":{"aws:x":"y"}}}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"y"}}})", syntax},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}})",
       "Policy document should not specify a principal."},
      {kId, R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
       "Policy document must be version 2012-10-17 or greater."},
      {kId, R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
       "Policy document must be version 2012-10-17 or greater."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}})",
       std::string(kLegacyParsingFailed)},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}})",
       std::string(kLegacyParsingFailed)},
      {kId, R"({"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]})",
       "Statement IDs (SID) in a single policy must be unique."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}})",
       "Policy statement must contain actions."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}})",
       "Policy statement must contain actions."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}})",
       "Policy statement must contain resources."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}})",
       "Resource bucket must be in ARN format or \"*\"."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-east-1::b"}})",
       "Resource arn:aws:s3:us-east-1::b can not contain region information."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::000000000000:bogus/x"}})",
       "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:*:::b"}})",
       "Resource vendor must be fully qualified and cannot contain regexes."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}})",
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}})",
       "Actions/Condition can contain only one colon."},
      {kId, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s 3:GetObject","Resource":"*"}})",
       "Vendor s 3 is not valid"},
      {kRes, R"({"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}})",
       "Missing required field Principal"},
      {kRes, R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}})",
       "Missing required field Resource"},
      {kRes, R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:GetObject","Resource":"*"}})",
       "Invalid principal in policy: \"AWS\":\"bob\""},
      {kRes, R"({"Statement":{"Effect":"Allow","Principal":{"Someone":"x"},"Action":"s3:GetObject","Resource":"*"}})",
       syntax},
      {kTr, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}})",
       "Has prohibited field Resource"},
      {kTr, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:GetObject"}})",
       "AssumeRole policy may only specify STS AssumeRole actions."},
      {kTr, R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}})",
       "Missing required field Principal"},
  };
  for (const Bad& c : cases) {
    absl::StatusOr<PolicyDocument> policy = ParsePolicy(c.text, c.kind);
    ASSERT_FALSE(policy.ok()) << c.text;
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(policy.status().message(), c.message) << c.text;
  }
}

TEST(ParsePolicy, CountsCharactersWithoutWhitespace) {
  EXPECT_EQ(NonWhitespaceLength("{ \"a\" :\n\t\"b\" }\r\n"), 9u);
  EXPECT_EQ(NonWhitespaceLength(""), 0u);
}

}  // namespace
}  // namespace serval::iam
