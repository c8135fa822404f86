#include "services/apigatewayv2/route_match.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

HttpApi ApiWithRoutes(std::initializer_list<std::string_view> keys) {
  HttpApi api;
  int id = 0;
  for (std::string_view key : keys) {
    api.children["routes"]["r" + std::to_string(id++)] = json::object{{"routeKey", key}};
  }
  return api;
}

std::string KeyFor(const HttpApi& api, std::string_view method, std::string_view path) {
  auto match = MatchRoute(api, method, path);
  return match ? match->route_key : "<none>";
}

TEST(RouteMatchTest, MostSpecificRouteWins) {
  const HttpApi api = ApiWithRoutes({"GET /pets/{id}", "GET /pets/dog", "ANY /{proxy+}",
                                     "ANY /pets/{id}", "$default", "POST /pets"});
  EXPECT_EQ(KeyFor(api, "GET", "/pets/dog"), "GET /pets/dog");
  EXPECT_EQ(KeyFor(api, "GET", "/pets/7"), "GET /pets/{id}");
  EXPECT_EQ(KeyFor(api, "DELETE", "/pets/7"), "ANY /pets/{id}");
  EXPECT_EQ(KeyFor(api, "POST", "/pets"), "POST /pets");
  EXPECT_EQ(KeyFor(api, "GET", "/pets"), "ANY /{proxy+}");
  EXPECT_EQ(KeyFor(api, "GET", "/a/b/c"), "ANY /{proxy+}");
  EXPECT_EQ(KeyFor(api, "GET", "/"), "$default");
}

TEST(RouteMatchTest, CapturesPathParameters) {
  const HttpApi api = ApiWithRoutes({"GET /users/{user}/files/{path+}"});
  auto match = MatchRoute(api, "GET", "/users/ann/files/a/b%2Fc.txt");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->resource_path, "/users/{user}/files/{path+}");
  EXPECT_EQ(match->path_parameters.at("user"), "ann");
  EXPECT_EQ(match->path_parameters.at("path"), "a/b%2Fc.txt");
  EXPECT_FALSE(MatchRoute(api, "GET", "/users/ann/files/"));
  EXPECT_FALSE(MatchRoute(api, "GET", "/users//files/x"));
}

TEST(RouteMatchTest, NothingMatchesWithoutDefault) {
  const HttpApi api = ApiWithRoutes({"GET /pets"});
  EXPECT_EQ(KeyFor(api, "GET", "/pets/1"), "<none>");
  EXPECT_EQ(KeyFor(api, "POST", "/pets"), "<none>");
  EXPECT_EQ(KeyFor(HttpApi(), "GET", "/"), "<none>");
}

TEST(RouteMatchTest, ValidatesRouteKeys) {
  for (std::string_view good : {"$default", "GET /", "ANY /{proxy+}", "PATCH /a/{b}/c"}) {
    EXPECT_TRUE(ValidateRouteKey(good).ok()) << good;
  }
  for (std::string_view bad : {"", "GET", "FETCH /a", "GET a", "GET /{proxy+}/x", "GET /a{b}"}) {
    EXPECT_FALSE(ValidateRouteKey(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace serval::apigatewayv2
