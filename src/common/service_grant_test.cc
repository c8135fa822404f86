#include "common/service_grant.h"

#include <gtest/gtest.h>

#include <string>

namespace serval {
namespace {

constexpr ServiceRequest kS3Publish{.service = "s3.amazonaws.com",
                                    .action = "SNS:Publish",
                                    .source_arn = "arn:aws:s3:::photos",
                                    .source_account = "000000000000"};

struct Case {
  std::string policy;
  bool allowed;
};

TEST(PolicyAllowsService, Table) {
  const Case cases[] = {
      // The service by name, any action pattern that covers it.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Resource":"*"}]})",
       true},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":["x.amazonaws.com","s3.amazonaws.com"]},"Action":["sns:*"]}]})",
       true},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]})", true},
      // A single statement without a Statement list.
      {R"({"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sns:publish"})",
       true},
      // SNS's default policy: S3 does not carry AWS:SourceOwner, so its condition fails.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Publish","Condition":{"StringEquals":{"AWS:SourceOwner":"000000000000"}}}]})",
       false},
      // The content replication post's policy: anyone, for the bucket.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:Publish"],"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:*:*:photos"}}}]})",
       true},
      // Another service, another action.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"sqs.amazonaws.com"},"Action":"SNS:Publish"}]})",
       false},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Subscribe"}]})",
       false},
      // Conditions on the source.
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::pho*"},"StringEquals":{"aws:SourceAccount":"000000000000"}}}]})",
       true},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::other"}}}]})",
       false},
      {R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})",
       false},
      // A matching Deny wins.
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"Service":"s3.amazonaws.com"},"Action":"SNS:Publish"}]})",
       false},
      // Not a policy.
      {"not json", false},
      {"[]", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PolicyAllowsService(c.policy, kS3Publish), c.allowed) << c.policy;
  }
}

}  // namespace
}  // namespace serval
