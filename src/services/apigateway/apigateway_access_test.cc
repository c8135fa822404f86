#include "services/apigateway/apigateway_access.h"

#include <gtest/gtest.h>

#include "common/aws_error.h"

namespace serval::apigateway {
namespace {

const AccountContext kAccount{.region = "eu-west-1", .account_id = "123456789012"};

TEST(ApiGatewayAccess, TheControlPlaneAsksForTheMethodOnThePath) {
  iam::AccessRequest request = ManageRequest("PATCH", "/restapis/a1/resources/r2", kAccount);
  EXPECT_EQ(request.action, "apigateway:PATCH");
  EXPECT_EQ(request.resource, "arn:aws:apigateway:eu-west-1::/restapis/a1/resources/r2");
  for (std::string_view method : {"GET", "POST", "PUT", "DELETE"}) {
    EXPECT_EQ(ManageRequest(method, "/apis", kAccount).action, "apigateway:" + std::string(method));
  }
  EXPECT_EQ(ManageRequest("GET", "/apis/x/routes", kAccount).resource,
            "arn:aws:apigateway:eu-west-1::/apis/x/routes");
}

TEST(ApiGatewayAccess, AnInvocationNamesApiStageMethodAndPath) {
  iam::AccessRequest request = InvokeRequest(kAccount, "a1b2", "prod", "GET", "/pets/7");
  EXPECT_EQ(request.action, "execute-api:Invoke");
  EXPECT_EQ(request.resource, "arn:aws:execute-api:eu-west-1:123456789012:a1b2/prod/GET/pets/7");
  EXPECT_EQ(InvokeRequest(kAccount, "a", "$default", "POST", "/").resource,
            "arn:aws:execute-api:eu-west-1:123456789012:a/$default/POST/");
  EXPECT_EQ(InvokeRequest(kAccount, "a", "s", "GET", "").resource,
            "arn:aws:execute-api:eu-west-1:123456789012:a/s/GET/");
}

TEST(ApiGatewayAccess, ADeniedInvocationIs403WithTheDenialAsMessage) {
  const http::Response response = InvokeDenied(AwsError(
      absl::StatusCode::kPermissionDenied, "AccessDeniedException",
      "User: arn:aws:iam::123456789012:user/u is not authorized to perform: execute-api:Invoke"));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.body,
            R"({"Message":"User: arn:aws:iam::123456789012:user/u is not authorized to perform: )"
            R"(execute-api:Invoke"})");
}

}  // namespace
}  // namespace serval::apigateway
