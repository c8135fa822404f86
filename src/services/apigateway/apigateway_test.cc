#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/apigateway/compiled_api.h"
#include "services/apigateway/proxy_event.h"
#include "services/apigateway/rest_api_json.h"
#include "services/apigateway/selection_pattern.h"
#include "services/apigateway/stage_variables.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

TEST(SelectionPattern, MatchesTheWholeMessageAsJavaDoes) {
  auto pattern = SelectionPattern::Compile(".*httpStatus\\\":404.*");
  ASSERT_TRUE(pattern.ok());
  EXPECT_TRUE(pattern->Matches(R"({"errorType":"NotFound","httpStatus":404,"message":"x"})"));
  EXPECT_FALSE(pattern->Matches(R"({"httpStatus":400})"));
  // Whole-string semantics: a pattern matching only a part does not select.
  auto prefix = SelectionPattern::Compile("\\[BadRequest\\]");
  ASSERT_TRUE(prefix.ok());
  EXPECT_FALSE(prefix->Matches("[BadRequest] Validation error"));
  EXPECT_TRUE(SelectionPattern::Compile("\\[BadRequest\\].*")->Matches("[BadRequest] x"));
  // "." does not match a line break, so ".+" fails on a multi-line message (AWS's docs warn).
  EXPECT_FALSE(SelectionPattern::Compile(".+")->Matches("line one\nline two"));
  EXPECT_TRUE(SelectionPattern::Compile("(?s).+")->Matches("line one\nline two"));
  EXPECT_TRUE(SelectionPattern::Compile(".*")->Matches(""));
  EXPECT_FALSE(SelectionPattern::Compile("a(").ok());
}

// An API with GET /pets, GET /pets/{id}, ANY /pets/{id}/toys/{proxy+}, GET /files/special.
RestApi PetsApi() {
  RestApi api{.id = "api1", .root_resource_id = "root"};
  auto add = [&](std::string id, std::string parent, std::string part, std::string path,
                 std::vector<std::string> verbs) {
    Resource resource{.id = id, .parent_id = parent, .path_part = part, .path = path};
    for (const std::string& verb : verbs) {
      resource.methods[verb] =
          Method{.http_method = verb, .integration = Integration{.type = "MOCK"}};
    }
    api.resources[id] = std::move(resource);
  };
  add("root", "", "", "/", {});
  add("pets", "root", "pets", "/pets", {"GET"});
  add("pet", "pets", "{id}", "/pets/{id}", {"GET"});
  add("toys", "pet", "toys", "/pets/{id}/toys", {});
  add("rest", "toys", "{proxy+}", "/pets/{id}/toys/{proxy+}", {"ANY"});
  add("special", "pets", "special", "/pets/special", {"POST"});
  return api;
}

TEST(CompiledApi, PicksTheMostSpecificResourceThatHasTheMethod) {
  auto api = CompiledApi::Build(PetsApi());
  ASSERT_TRUE(api.ok()) << api.status();
  auto match = (*api)->Find("/pets/7", "GET");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->method->resource->id, "pet");
  EXPECT_EQ(match->path_parameters, (std::map<std::string, std::string>{{"id", "7"}}));
  // "special" is a literal sibling with POST only: GET falls to {id}.
  match = (*api)->Find("/pets/special", "GET");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->method->resource->id, "pet");
  EXPECT_EQ((*api)->Find("/pets/special", "POST")->method->resource->id, "special");
  match = (*api)->Find("/pets/7/toys/a/b%20c", "DELETE");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->method->resource->id, "rest");
  EXPECT_EQ(match->path_parameters,
            (std::map<std::string, std::string>{{"id", "7"}, {"proxy", "a/b%20c"}}));
  EXPECT_EQ((*api)->Find("/pets/", "GET")->method->resource->id, "pets");
  EXPECT_FALSE((*api)->Find("/pets/7/toys", "GET"));  // the greedy part needs a segment
  EXPECT_FALSE((*api)->Find("/", "GET"));
  EXPECT_FALSE((*api)->Find("/cats", "GET"));
  EXPECT_FALSE((*api)->Find("/pets", "PUT"));
}

TEST(CompiledApi, RefusesWhatCannotBeDeployed) {
  RestApi empty{.id = "a", .root_resource_id = "r"};
  empty.resources["r"] = Resource{.id = "r", .path = "/"};
  EXPECT_EQ(CompiledApi::Build(empty).status().message(),
            "The REST API doesn't contain any methods");
  RestApi bad_template = PetsApi();
  bad_template.resources["pets"].methods["GET"].integration->request_templates["application/json"] =
      "#if(";
  EXPECT_FALSE(CompiledApi::Build(bad_template).ok());
  RestApi bad_pattern = PetsApi();
  bad_pattern.resources["pets"].methods["GET"].integration->integration_responses["400"] =
      IntegrationResponse{.status_code = "400", .selection_pattern = "a("};
  EXPECT_FALSE(CompiledApi::Build(bad_pattern).ok());
}

// aws-wire-contracts 7.6, "Real outcomes".
TEST(ProxyResponse, AcceptsAndRefusesAsApiGatewayDoes) {
  const std::vector<std::string> binary = {"image/png"};
  auto parse = [&](std::string_view result, std::string_view accept = "") {
    return ParseProxyResponse(result, accept, binary);
  };
  auto ok = parse(R"({"statusCode":200})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "");
  EXPECT_EQ(ok->headers, (decltype(ok->headers){{"Content-Type", "application/json"}}));
  EXPECT_EQ(parse(R"({"headers":{"test-header":"value"}})")->status, 200);
  EXPECT_EQ(parse(R"({"statusCode":"201"})")->status, 201);
  for (std::string_view refused :
       {R"({"statusCode":"test"})", R"({"statusCode":200,"wrongValue":"v"})", R"("justAString")",
        R"({"multiValueHeaders":{"x":"notalist"}})", R"({"body":{"a":1}})", "not json",
        R"({"headers":{"x":"a\r\nb: c"}})"}) {
    EXPECT_FALSE(parse(refused).ok()) << refused;
  }
  EXPECT_TRUE(parse(R"({"statusCode":200,"headers":null,"body":null})").ok());
  auto both = parse(R"({"headers":{"X-Both":"value-solo","flag":true},)"
                    R"("multiValueHeaders":{"x-both":["value-multi"]}})");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->headers[0],
            (std::pair<std::string, std::string>{"x-both", "value-multi, value-solo"}));
  EXPECT_EQ(both->headers[1], (std::pair<std::string, std::string>{"flag", "true"}));
  EXPECT_EQ(parse(R"({"isBase64Encoded":true,"body":"dGVzdC1kYXRh"})")->body, "dGVzdC1kYXRh");
  EXPECT_EQ(parse(R"({"isBase64Encoded":true,"body":"dGVzdC1kYXRh"})", "image/png")->body,
            "test-data");
}

TEST(ProxyEvent, NullsWhereApiGatewayHasNone) {
  http::Request request{.method = "GET", .target = "/p"};
  RequestFacts facts{.api_id = "a", .stage = "s", .path = "/p", .request_time_epoch_ms = 0};
  const json::object event = json::parse(ProxyEvent(request, facts, {})).as_object();
  EXPECT_TRUE(event.at("queryStringParameters").is_null());
  EXPECT_TRUE(event.at("multiValueQueryStringParameters").is_null());
  EXPECT_TRUE(event.at("pathParameters").is_null());
  EXPECT_TRUE(event.at("stageVariables").is_null());
  EXPECT_TRUE(event.at("body").is_null());
  EXPECT_EQ(event.at("requestContext").at("path"), "/s/p");
  EXPECT_EQ(event.at("requestContext").at("requestTime"), "01/Jan/1970:00:00:00 +0000");
}

TEST(RestApiJson, StoredFormRoundTrips) {
  RestApi api = PetsApi();
  api.name = "pets";
  api.binary_media_types = {"image/png"};
  api.authorizers["au"] = Authorizer{
      .id = "au", .name = "auth", .type = "TOKEN", .authorizer_result_ttl_in_seconds = 60};
  api.request_validators["rv"] =
      RequestValidator{.id = "rv", .name = "all", .validate_request_body = true};
  api.models["Error"] = Model{.id = "m", .name = "Error", .schema = "{}"};
  Integration& integration = *api.resources["pet"].methods["GET"].integration;
  integration.request_templates["application/json"] = "{}";
  integration.integration_responses["200"] = IntegrationResponse{.status_code = "200"};
  integration.integration_responses["400"] =
      IntegrationResponse{.status_code = "400", .selection_pattern = ".*400.*"};
  auto read = RestApiFromStored(StoredJson(api));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, api);
}

TEST(RestApiJson, WrongTypesNameTheMember) {
  Integration integration;
  absl::Status status =
      FromJson(json::parse(R"({"timeoutInMillis": "soon"})").as_object(), integration);
  EXPECT_EQ(status.message(), "Invalid value for 'timeoutInMillis': expected an integer.");
}

TEST(StageVariables, SubstitutesKnownNamesAndDropsUnknownOnes) {
  EXPECT_EQ(SubstituteStageVariables("fn-${stageVariables.env}:${stageVariables.alias}x",
                                     {{"env", "prod"}, {"alias", "live"}}),
            "fn-prod:livex");
  EXPECT_EQ(SubstituteStageVariables("a${stageVariables.none}b", {}), "ab");
  EXPECT_EQ(SubstituteStageVariables("${stageVariables.open", {}), "${stageVariables.open");
}

}  // namespace
}  // namespace serval::apigateway
