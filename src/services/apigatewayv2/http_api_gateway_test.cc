#include "services/apigatewayv2/http_api_gateway.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "storage/memory_metadata_store.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

// The gateway's own answers, which it gives before invoking anything (the invocations are
// covered end to end by tests/e2e/test_http_apis.py).
class HttpApiGatewayTest : public testing::Test {
 protected:
  void SetUp() override {
    apis_ = *HttpApiStore::Open(&metadata_);
    HttpApi api;
    api.api = json::object{
        {"apiId", "api1"},
        {"corsConfiguration", json::object{{"allowOrigins", json::array{"https://a.example"}},
                                           {"allowMethods", json::array{"GET"}}}}};
    api.children["stages"]["prod"] = json::object{{"stageName", "prod"}};
    api.children["routes"]["r1"] =
        json::object{{"routeKey", "GET /iam"}, {"authorizationType", "AWS_IAM"}};
    api.children["routes"]["r2"] =
        json::object{{"routeKey", "GET /jwt"}, {"authorizationType", "JWT"}};
    api.children["routes"]["r3"] =
        json::object{{"routeKey", "GET /dangling"}, {"target", "integrations/gone"}};
    apis_->Put(std::move(api));  // served from memory at once; the test never commits it
    gateway_ = std::make_unique<HttpApiGateway>(
        HttpApiGateway::Dependencies{.clock = &clock_, .io = &io_}, apis_.get());
  }

  // Serves one request and returns the answer (the gateway answers these at once).
  http::Response Serve(std::string path, std::string method = "GET",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::optional<http::Response> answer;
    protocol::RequestContext context{.request = http::Request{.method = std::move(method),
                                                              .target = path,
                                                              .headers = std::move(headers)},
                                     .request_id = "req"};
    gateway_->Handle("api1", path, std::move(context),
                     [&](http::Response response) { answer = std::move(response); });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(http::Response{});
  }

  storage::MemoryMetadataStore metadata_;
  ManualClock clock_{0};
  boost::asio::io_context io_;
  std::unique_ptr<HttpApiStore> apis_;
  std::unique_ptr<HttpApiGateway> gateway_;
};

TEST_F(HttpApiGatewayTest, ServesOnlyItsApis) {
  EXPECT_TRUE(gateway_->Serves("api1"));
  EXPECT_FALSE(gateway_->Serves("api2"));
}

TEST_F(HttpApiGatewayTest, UnknownStagesAndRoutesAreNotFound) {
  for (const char* path : {"", "/", "/dev/iam", "/iam", "/prod/nothing"}) {
    http::Response response = Serve(path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body, R"({"message":"Not Found"})") << path;
  }
}

TEST_F(HttpApiGatewayTest, AuthorizationFailsClosed) {
  EXPECT_EQ(Serve("/prod/iam").status, 403);
  EXPECT_EQ(Serve("/prod/iam").body, R"({"message":"Forbidden"})");
  // A JWT route without its authorizer.
  EXPECT_EQ(Serve("/prod/jwt").status, 500);
  EXPECT_EQ(Serve("/prod/dangling").status, 500);
}

TEST_F(HttpApiGatewayTest, AnswersPreflightsItself) {
  http::Response response =
      Serve("/prod/anything", "OPTIONS",
            {{"Origin", "https://a.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(response.status, 204);
  ASSERT_FALSE(response.headers.empty());
  EXPECT_EQ(response.headers.front().second, "https://a.example");
}

}  // namespace
}  // namespace serval::apigatewayv2
