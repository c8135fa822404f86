#include "services/apigatewayv2/proxy_payload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

std::vector<std::string> HeadersNamed(const http::Response& response, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : response.headers) {
    if (key == name) values.push_back(value);
  }
  return values;
}

ProxyRequest UrlRequest(const http::Request& request) {
  return ProxyRequest{.request = &request,
                      .path = std::string(request.RawPath()),
                      .full_path = std::string(request.RawPath()),
                      .route_key = "$default",
                      .stage = "$default",
                      .api_id = "abc",
                      .domain_name = "abc.lambda-url.us-east-1.localhost",
                      .account_id = "anonymous",
                      .request_id = "req-1",
                      .source_ip = "127.0.0.1",
                      .time_millis = 1583348638390};
}

TEST(ProxyPayloadTest, EventV2JoinsRepeatsAndSplitsCookies) {
  http::Request request{.method = "POST",
                        .target = "/my/path?a=1&a=2&b=x%20y",
                        .headers = {{"Host", "abc.lambda-url.us-east-1.localhost:4566"},
                                    {"X-Multi", "one"},
                                    {"x-multi", "two"},
                                    {"Cookie", "c1=v1; c2=v2"},
                                    {"Content-Type", "application/json"},
                                    {"User-Agent", "test/1"}},
                        .body = R"({"k":"v"})"};
  const json::object event =
      json::parse(BuildProxyEvent(UrlRequest(request), PayloadFormat::kV2)).as_object();
  EXPECT_EQ(event.at("version"), "2.0");
  EXPECT_EQ(event.at("rawPath"), "/my/path");
  EXPECT_EQ(event.at("rawQueryString"), "a=1&a=2&b=x%20y");
  EXPECT_EQ(json::serialize(event.at("cookies")), R"(["c1=v1","c2=v2"])");
  const json::object& headers = event.at("headers").as_object();
  EXPECT_EQ(headers.at("x-multi"), "one,two");
  EXPECT_FALSE(headers.contains("cookie"));
  EXPECT_EQ(headers.at("x-forwarded-port"), "4566");
  EXPECT_EQ(json::serialize(event.at("queryStringParameters")), R"({"a":"1,2","b":"x y"})");
  const json::object& context = event.at("requestContext").as_object();
  EXPECT_EQ(context.at("accountId"), "anonymous");
  EXPECT_EQ(context.at("time"), "04/Mar/2020:19:03:58 +0000");
  EXPECT_EQ(context.at("timeEpoch"), 1583348638390);
  EXPECT_EQ(context.at("http").at("method"), "POST");
  EXPECT_EQ(context.at("http").at("userAgent"), "test/1");
  EXPECT_EQ(event.at("body"), R"({"k":"v"})");
  EXPECT_EQ(event.at("isBase64Encoded"), false);
  EXPECT_FALSE(event.contains("pathParameters"));
  EXPECT_FALSE(event.contains("stageVariables"));
}

TEST(ProxyPayloadTest, BinaryBodiesAreBase64AndEmptyOnesAbsent) {
  http::Request binary{.method = "PUT",
                       .target = "/",
                       .headers = {{"Content-Type", "application/octet-stream"}},
                       .body = std::string("\x00\xff", 2)};
  json::object event =
      json::parse(BuildProxyEvent(UrlRequest(binary), PayloadFormat::kV2)).as_object();
  EXPECT_EQ(event.at("body"), "AP8=");
  EXPECT_EQ(event.at("isBase64Encoded"), true);
  http::Request empty{.method = "GET", .target = "/"};
  event = json::parse(BuildProxyEvent(UrlRequest(empty), PayloadFormat::kV2)).as_object();
  EXPECT_FALSE(event.contains("body"));
  EXPECT_FALSE(event.contains("queryStringParameters"));
}

TEST(ProxyPayloadTest, EventV1LowerCasesNamesAndListsRepeats) {
  http::Request request{.method = "GET",
                        .target = "/stage/pets/7?q=1&q=2",
                        .headers = {{"X-Case", "a"}, {"X-Case", "b"}}};
  ProxyRequest proxy = UrlRequest(request);
  proxy.path = "/pets/7";
  proxy.full_path = "/stage/pets/7";
  proxy.resource_path = "/pets/{id}";
  proxy.route_key = "GET /pets/{id}";
  proxy.stage = "stage";
  proxy.path_parameters = {{"id", "7"}};
  const json::object event = json::parse(BuildProxyEvent(proxy, PayloadFormat::kV1)).as_object();
  EXPECT_EQ(event.at("version"), "1.0");
  EXPECT_EQ(event.at("resource"), "/pets/{id}");
  // A named stage's segment stays in the path the function sees, as AWS sends it.
  EXPECT_EQ(event.at("path"), "/stage/pets/7");
  EXPECT_EQ(event.at("headers").at("x-case"), "b");
  EXPECT_EQ(json::serialize(event.at("multiValueHeaders").at("x-case")), R"(["a","b"])");
  EXPECT_EQ(event.at("queryStringParameters").at("q"), "2");
  EXPECT_EQ(json::serialize(event.at("multiValueQueryStringParameters")), R"({"q":["1","2"]})");
  EXPECT_EQ(event.at("pathParameters").at("id"), "7");
  EXPECT_TRUE(event.at("stageVariables").is_null());
  EXPECT_TRUE(event.at("body").is_null());
  EXPECT_EQ(event.at("requestContext").at("path"), "/stage/pets/7");
  EXPECT_EQ(event.at("requestContext").at("stage"), "stage");
}

TEST(ProxyPayloadTest, MapsResponseObjects) {
  auto response = MapProxyResponse(
      R"({"statusCode":"201","headers":{"X-A":"1","X-B":true,"Content-Length":"9"},
          "cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true})",
      PayloadFormat::kV2);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "hi");
  EXPECT_EQ(HeadersNamed(*response, "X-B"), std::vector<std::string>{"true"});
  EXPECT_TRUE(HeadersNamed(*response, "Content-Length").empty());
  EXPECT_EQ(HeadersNamed(*response, "Set-Cookie"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(HeadersNamed(*response, "Content-Type"), std::vector<std::string>{"application/json"});
}

TEST(ProxyPayloadTest, MapsOtherResultsToBodiesInV2Only) {
  auto text = MapProxyResponse(R"("hello")", PayloadFormat::kV2);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->status, 200);
  EXPECT_EQ(text->body, "hello");
  auto object = MapProxyResponse(R"({"hello": "world"})", PayloadFormat::kV2);
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(object->body, R"({"hello": "world"})");
  EXPECT_FALSE(MapProxyResponse(R"("hello")", PayloadFormat::kV1).ok());
  EXPECT_FALSE(MapProxyResponse(R"({"body":"no status"})", PayloadFormat::kV1).ok());
  auto v1 = MapProxyResponse(R"({"statusCode":200,"multiValueHeaders":{"X":["a","b"]}})",
                             PayloadFormat::kV1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(HeadersNamed(*v1, "X"), (std::vector<std::string>{"a", "b"}));
}

TEST(ProxyPayloadTest, RefusesResponsesThatCouldSplitTheAnswer) {
  for (std::string_view bad :
       {R"({"statusCode":200,"headers":{"X":"a\r\nSet-Cookie: evil=1"}})",
        R"({"statusCode":200,"headers":{"X":"a\nb"}})",
        R"({"statusCode":200,"headers":{"Bad Name":"a"}})",
        R"({"statusCode":200,"cookies":["a=1\r\nX: y"]})", R"({"statusCode":"teapot"})",
        R"({"statusCode":99})", R"({"statusCode":200,"headers":{"X":{"a":1}}})",
        R"({"statusCode":200,"body":"!!","isBase64Encoded":true})", "not json"}) {
    EXPECT_FALSE(MapProxyResponse(bad, PayloadFormat::kV2).ok()) << bad;
  }
}

}  // namespace
}  // namespace serval::apigatewayv2
