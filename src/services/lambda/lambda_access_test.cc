#include "services/lambda/lambda_access.h"

#include <gtest/gtest.h>

namespace serval::lambda {
namespace {

const iam::PolicyDocument* const kPolicy = reinterpret_cast<const iam::PolicyDocument*>(0x10);
const AccountContext kAccount;

TEST(LambdaAccess, AFunctionOperationIsOnTheFunctionAsTheRequestQualifiesIt) {
  const iam::AccessRequest unqualified = AccessRequestFor(
      {.action = "lambda:GetFunction"}, kAccount, {.function = "f", .policy = kPolicy});
  EXPECT_EQ(unqualified.action, "lambda:GetFunction");
  EXPECT_EQ(unqualified.resource, "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(unqualified.resource_policy, kPolicy);
  EXPECT_TRUE(unqualified.context.empty());
  const iam::AccessRequest invoke = AccessRequestFor({.action = "lambda:InvokeFunction"}, kAccount,
                                                     {.function = "f", .qualifier = "prod"});
  EXPECT_EQ(invoke.resource, "arn:aws:lambda:us-east-1:000000000000:function:f:prod");
  EXPECT_EQ(invoke.resource_policy, nullptr);
}

TEST(LambdaAccess, ListingsAreOnEverything) {
  const iam::AccessRequest list = AccessRequestFor(
      {.action = "lambda:ListFunctions", .target = AccessTarget::kAccount}, kAccount, {});
  EXPECT_EQ(list.resource, "*");
  EXPECT_EQ(list.resource_policy, nullptr);
}

TEST(LambdaAccess, AMappingOperationIsOnTheMappingWithItsFunction) {
  const iam::AccessRequest get = AccessRequestFor(
      {.action = "lambda:GetEventSourceMapping", .target = AccessTarget::kMapping}, kAccount,
      {.mapping = "1234",
       .mapping_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f"});
  EXPECT_EQ(get.resource, "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:1234");
  ASSERT_EQ(get.context.size(), 1u);
  EXPECT_EQ(get.context[0].key, "lambda:FunctionArn");
  EXPECT_EQ(get.context[0].values,
            std::vector<std::string>{"arn:aws:lambda:us-east-1:000000000000:function:f"});
  const iam::AccessRequest create =
      CreateEventSourceMappingRequest("arn:aws:lambda:us-east-1:000000000000:function:f:1");
  EXPECT_EQ(create.action, "lambda:CreateEventSourceMapping");
  EXPECT_EQ(create.resource, "*");
  ASSERT_EQ(create.context.size(), 1u);
  EXPECT_EQ(create.context[0].values,
            std::vector<std::string>{"arn:aws:lambda:us-east-1:000000000000:function:f:1"});
}

TEST(LambdaAccess, CreateFunctionAlsoPassesTheRole) {
  const std::vector<iam::AccessRequest> requests =
      CreateFunctionRequests(kAccount, "f", "arn:aws:iam::000000000000:role/r");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].action, "lambda:CreateFunction");
  EXPECT_EQ(requests[0].resource, "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(requests[1].action, "iam:PassRole");
  EXPECT_EQ(requests[1].resource, "arn:aws:iam::000000000000:role/r");
  ASSERT_EQ(requests[1].context.size(), 1u);
  EXPECT_EQ(requests[1].context[0].key, "iam:PassedToService");
  EXPECT_EQ(requests[1].context[0].values, std::vector<std::string>{"lambda.amazonaws.com"});
}

TEST(LambdaAccess, AFunctionUrlInvocationCarriesItsAuthType) {
  const iam::AccessRequest request =
      InvokeFunctionUrlRequest(kAccount, "f", "live", "AWS_IAM", kPolicy);
  EXPECT_EQ(request.action, "lambda:InvokeFunctionUrl");
  EXPECT_EQ(request.resource, "arn:aws:lambda:us-east-1:000000000000:function:f:live");
  EXPECT_EQ(request.resource_policy, kPolicy);
  ASSERT_EQ(request.context.size(), 1u);
  EXPECT_EQ(request.context[0].key, "lambda:FunctionUrlAuthType");
  EXPECT_EQ(request.context[0].values, std::vector<std::string>{"AWS_IAM"});
}

}  // namespace
}  // namespace serval::lambda
