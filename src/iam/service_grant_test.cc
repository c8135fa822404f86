#include "iam/service_grant.h"

#include <gtest/gtest.h>

#include <string>

namespace serval::iam {
namespace {

constexpr ServiceRequest kS3Publish{.service = "s3.amazonaws.com",
                                    .action = "SNS:Publish",
                                    .resource = "arn:aws:sns:us-east-1:000000000000:t",
                                    .source_arn = "arn:aws:s3:::photos",
                                    .source_account = "000000000000"};

struct Case {
  std::string policy;
  bool allowed;
};

TEST(PolicyAllowsService, Table) {
  const Case cases[] = {
      // The service by name, any action pattern that covers it.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Resource":"arn:aws:sns:*:*:t"}]})",
       true},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":["x.amazonaws.com","s3.amazonaws.com"]},"Action":["sns:*"],"Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       true},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       true},
      // A single statement rather than a list.
      {R"({"Statement":{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sns:publish","Resource":"arn:aws:sns:us-east-1:000000000000:t"}})",
       true},
      // SNS's default policy: S3 does not carry AWS:SourceOwner, so its condition fails.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Publish","Condition":{"StringEquals":{"AWS:SourceOwner":"000000000000"}},"Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       false},
      // The content replication post's policy: anyone, for the bucket.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:Publish"],"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:*:*:photos"}},"Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       true},
      // Another service, another action.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"sqs.amazonaws.com"},"Action":"SNS:Publish","Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       false},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Subscribe","Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       false},
      // Conditions on the source.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::pho*"},"StringEquals":{"aws:SourceAccount":"000000000000"}},"Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       true},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::other"}},"Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       false},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}},"Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       false},
      // A matching Deny wins.
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:sns:us-east-1:000000000000:t"},{"Effect":"Deny","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Resource":"arn:aws:sns:us-east-1:000000000000:t"}]})",
       false},
      // Another resource.
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:sns:us-east-1:000000000000:other"}]})",
       false},
      // Not a policy (or not a valid one: a resource policy's statements name their resources).
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]})", false},
      {"not json", false},
      {"[]", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PolicyAllowsService(c.policy, kS3Publish), c.allowed) << c.policy;
  }
}

}  // namespace
}  // namespace serval::iam
