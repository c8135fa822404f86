#include "services/apigatewayv2/cors.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

std::string HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

http::Request Preflight(std::string origin) {
  return http::Request{.method = "OPTIONS",
                       .target = "/x",
                       .headers = {{"Origin", std::move(origin)},
                                   {"Access-Control-Request-Method", "PUT"},
                                   {"Access-Control-Request-Headers", "x-one,x-two"}}};
}

TEST(CorsTest, ParsesBothNamingsAndWritesWhatWasSet) {
  auto pascal = ParseCors(json::parse(R"({"AllowOrigins":["https://a.example"],"MaxAge":60})"),
                          CorsNaming::kPascal, 0);
  ASSERT_TRUE(pascal.ok());
  EXPECT_EQ(json::serialize(CorsToJson(*pascal, CorsNaming::kPascal)),
            R"({"AllowOrigins":["https://a.example"],"MaxAge":60})");
  auto camel = ParseCors(json::parse(R"({"allowMethods":["GET"],"allowCredentials":true})"),
                         CorsNaming::kCamel, -1);
  ASSERT_TRUE(camel.ok());
  EXPECT_EQ(json::serialize(CorsToJson(*camel, CorsNaming::kCamel)),
            R"({"allowCredentials":true,"allowMethods":["GET"]})");
}

TEST(CorsTest, RefusesWrongTypesAndRanges) {
  EXPECT_FALSE(ParseCors(json::parse(R"({"AllowOrigins":"*"})"), CorsNaming::kPascal, 0).ok());
  EXPECT_FALSE(ParseCors(json::parse(R"({"MaxAge":86401})"), CorsNaming::kPascal, 0).ok());
  EXPECT_FALSE(ParseCors(json::parse(R"({"MaxAge":-1})"), CorsNaming::kPascal, 0).ok());
  EXPECT_TRUE(ParseCors(json::parse(R"({"maxAge":-1})"), CorsNaming::kCamel, -1).ok());
  EXPECT_FALSE(ParseCors(json::parse("[]"), CorsNaming::kCamel, -1).ok());
}

TEST(CorsTest, AnswersPreflightForAllowedOriginsOnly) {
  CorsConfig cors{.allow_headers = {"*"},
                  .allow_methods = {"GET", "PUT"},
                  .allow_origins = {"https://a.example"},
                  .max_age = 300};
  ASSERT_TRUE(IsPreflight(Preflight("https://a.example")));
  http::Response allowed = PreflightResponse(cors, Preflight("https://a.example"));
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(HeaderOf(allowed, "Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_EQ(HeaderOf(allowed, "Access-Control-Allow-Methods"), "GET,PUT");
  EXPECT_EQ(HeaderOf(allowed, "Access-Control-Allow-Headers"), "x-one,x-two");
  EXPECT_EQ(HeaderOf(allowed, "Access-Control-Max-Age"), "300");
  http::Response refused = PreflightResponse(cors, Preflight("https://evil.example"));
  EXPECT_EQ(refused.status, 204);
  EXPECT_EQ(HeaderOf(refused, "Access-Control-Allow-Origin"), "<none>");
  EXPECT_FALSE(IsPreflight(http::Request{.method = "OPTIONS", .target = "/"}));
}

TEST(CorsTest, ReplacesTheFunctionsOwnAllowOrigin) {
  CorsConfig cors{.allow_origins = {"*"}, .expose_headers = {"x-result"}};
  http::Request request{
      .method = "GET", .target = "/", .headers = {{"Origin", "https://b.example"}}};
  http::Response response;
  response.SetHeader("access-control-allow-origin", "https://forged.example");
  AddCorsHeaders(cors, request, response);
  ASSERT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Expose-Headers"), "x-result");
}

}  // namespace
}  // namespace serval::apigatewayv2
