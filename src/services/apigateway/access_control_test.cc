// Unit tests of the execute-api endpoint's access control: authorizer policies, the JSON Schema
// subset of request validators, token buckets and quota periods on a simulated clock.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/apigateway/authorizer_cache.h"
#include "services/apigateway/authorizer_policy.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/quota_meter.h"
#include "services/apigateway/token_bucket.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kArn =
    "arn:aws:execute-api:us-east-1:000000000000:abc123/test/GET/pets/7";

AuthorizerOutput Parsed(std::string_view text) {
  absl::StatusOr<AuthorizerOutput> output = ParseAuthorizerOutput(text);
  EXPECT_TRUE(output.ok()) << output.status();
  return output.ok() ? *output : AuthorizerOutput{};
}

std::string Policy(std::string_view statements) {
  return std::string(
             R"({"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":)") +
         std::string(statements) + "}}";
}

TEST(AuthorizerPolicyTest, AllowMatchesTheMethodArnAndWildcards) {
  const auto exact = Parsed(Policy(
      R"([{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:000000000000:abc123/test/GET/pets/7"}])"));
  EXPECT_EQ(EvaluatePolicy(exact, kArn), PolicyDecision::kAllow);
  EXPECT_EQ(
      EvaluatePolicy(exact, "arn:aws:execute-api:us-east-1:000000000000:abc123/test/POST/pets/7"),
      PolicyDecision::kImplicitDeny);
  const auto wildcard = Parsed(Policy(
      R"({"Action":["execute-api:*"],"Effect":"Allow","Resource":["arn:aws:execute-api:*:*:abc123/*/GET/*"]})"));
  EXPECT_EQ(EvaluatePolicy(wildcard, kArn), PolicyDecision::kAllow);
  EXPECT_EQ(
      EvaluatePolicy(wildcard, "arn:aws:execute-api:us-east-1:000000000000:other/test/GET/pets"),
      PolicyDecision::kImplicitDeny);
}

TEST(AuthorizerPolicyTest, ExplicitDenyWinsAndOtherActionsDoNotCount) {
  const auto both = Parsed(Policy(
      R"([{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},
          {"Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:*:*:abc123/test/GET/pets/*"}])"));
  EXPECT_EQ(EvaluatePolicy(both, kArn), PolicyDecision::kExplicitDeny);
  const auto other_action =
      Parsed(Policy(R"([{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}])"));
  EXPECT_EQ(EvaluatePolicy(other_action, kArn), PolicyDecision::kImplicitDeny);
}

TEST(AuthorizerPolicyTest, ContextIsStringifiedAndMalformedAnswersAreRefused) {
  const auto output = Parsed(
      R"({"principalId":"u1","policyDocument":{"Statement":[]},"context":{"s":"x","n":12,"b":true},"usageIdentifierKey":"k"})");
  EXPECT_EQ(output.context.at("s"), "x");
  EXPECT_EQ(output.context.at("n"), "12");
  EXPECT_EQ(output.context.at("b"), "true");
  EXPECT_EQ(output.usage_identifier_key, "k");
  for (std::string_view bad :
       {R"(not json)", R"({"principalId":"u"})",
        R"({"policyDocument":{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}})",
        R"({"policyDocument":{"Statement":[]},"context":{"o":{"x":1}}})"}) {
    EXPECT_FALSE(ParseAuthorizerOutput(bad).ok()) << bad;
  }
}

absl::Status Validate(std::string_view instance, std::string_view schema,
                      const SchemaResolver& resolve = nullptr) {
  return ValidateJson(json::parse(instance), json::parse(schema), resolve);
}

TEST(JsonSchemaTest, TypesRequiredAndProperties) {
  constexpr std::string_view kSchema = R"({"type":"object","required":["name","age"],
      "properties":{"name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
                    "age":{"type":"integer","minimum":0,"maximum":150,"exclusiveMaximum":true},
                    "kind":{"enum":["cat","dog"]}},
      "additionalProperties":false})";
  EXPECT_TRUE(Validate(R"({"name":"tom","age":3,"kind":"cat"})", kSchema).ok());
  EXPECT_TRUE(Validate(R"({"name":"tom","age":3.0})", kSchema).ok());
  for (std::string_view bad :
       {R"({"name":"tom"})", R"({"name":"t","age":3})", R"({"name":"Tom","age":3})",
        R"({"name":"tom","age":3.5})", R"({"name":"tom","age":150})", R"({"name":"tom","age":-1})",
        R"({"name":"tom","age":3,"kind":"cow"})", R"({"name":"tom","age":3,"extra":1})", R"([1])",
        R"({"name":"tomtomtom","age":3})"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(Validate(bad, kSchema))) << bad;
  }
}

TEST(JsonSchemaTest, ItemsCombinatorsAndReferences) {
  constexpr std::string_view kSchema =
      R"({"definitions":{"pet":{"type":"object","required":["id"]}},
      "type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/definitions/pet"}})";
  EXPECT_TRUE(Validate(R"([{"id":1},{"id":2}])", kSchema).ok());
  EXPECT_FALSE(Validate(R"([])", kSchema).ok());
  EXPECT_FALSE(Validate(R"([{"id":1},{"id":1}])", kSchema).ok());
  EXPECT_FALSE(Validate(R"([{"name":1}])", kSchema).ok());
  EXPECT_TRUE(Validate(R"(5)", R"({"oneOf":[{"type":"string"},{"type":"integer"}]})").ok());
  EXPECT_FALSE(Validate(R"(5)", R"({"oneOf":[{"type":"number"},{"type":"integer"}]})").ok());
  EXPECT_FALSE(Validate(R"("x")", R"({"not":{"type":"string"}})").ok());
  // Another model, as API Gateway's model URLs name them.
  const json::value other = json::parse(R"({"type":"string"})");
  const SchemaResolver resolve = [&](std::string_view ref) -> const json::value* {
    return ref == "https://apigateway.amazonaws.com/restapis/a/models/Name" ? &other : nullptr;
  };
  constexpr std::string_view kUses =
      R"({"properties":{"n":{"$ref":"https://apigateway.amazonaws.com/restapis/a/models/Name"}}})";
  EXPECT_TRUE(Validate(R"({"n":"x"})", kUses, resolve).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(Validate(R"({"n":1})", kUses, resolve)));
  EXPECT_TRUE(absl::IsFailedPrecondition(
      Validate(R"({"n":1})", R"({"properties":{"n":{"$ref":"#/nowhere"}}})")));
  // A schema that refers to itself without end is refused, not followed forever.
  EXPECT_TRUE(absl::IsFailedPrecondition(Validate(R"(1)", R"({"$ref":"#"})")));
}

TEST(TokenBucketTest, BurstThenRateOnASimulatedClock) {
  RateLimiter limiter;
  int64_t now = 1'000'000;
  EXPECT_TRUE(limiter.Admit("k", 1, 2, now));
  EXPECT_TRUE(limiter.Admit("k", 1, 2, now));
  EXPECT_FALSE(limiter.Admit("k", 1, 2, now));
  EXPECT_TRUE(limiter.Admit("other", 1, 2, now));
  now += 999;
  EXPECT_FALSE(limiter.Admit("k", 1, 2, now));
  now += 1;
  EXPECT_TRUE(limiter.Admit("k", 1, 2, now));
  now += 60'000;  // refills to the burst, not beyond
  EXPECT_TRUE(limiter.Admit("k", 1, 2, now));
  EXPECT_TRUE(limiter.Admit("k", 1, 2, now));
  EXPECT_FALSE(limiter.Admit("k", 1, 2, now));
  EXPECT_FALSE(limiter.Admit("none", 0, 0, now));
}

TEST(QuotaTest, PeriodsAndCounts) {
  // 2024-05-15 (a Wednesday) 13:00 UTC.
  const int64_t now = 1715778000000;
  EXPECT_EQ(QuotaPeriodStart("DAY", 0, now), 1715731200000);     // 2024-05-15
  EXPECT_EQ(QuotaPeriodStart("WEEK", 0, now), 1715472000000);    // Sunday 2024-05-12
  EXPECT_EQ(QuotaPeriodStart("WEEK", 3, now), 1715731200000);    // Wednesday: today
  EXPECT_EQ(QuotaPeriodStart("WEEK", 4, now), 1715212800000);    // Thursday 2024-05-09
  EXPECT_EQ(QuotaPeriodStart("MONTH", 0, now), 1714521600000);   // 2024-05-01
  EXPECT_EQ(QuotaPeriodStart("MONTH", 20, now), 1713657600000);  // 2024-04-21
  QuotaMeter meter;
  EXPECT_TRUE(meter.Consume("k", 2, "DAY", 0, now));
  EXPECT_TRUE(meter.Consume("k", 2, "DAY", 0, now + 1));
  EXPECT_FALSE(meter.Consume("k", 2, "DAY", 0, now + 2));
  EXPECT_TRUE(meter.Consume("k", 2, "DAY", 0, now + 24 * 3600 * 1000));  // the next day
}

TEST(AuthorizerCacheTest, EntriesExpire) {
  AuthorizerCache cache;
  cache.Put("a", AuthorizerOutput{.principal_id = "p"}, 2000);
  ASSERT_NE(cache.Find("a", 1999), nullptr);
  EXPECT_EQ(cache.Find("a", 1999)->principal_id, "p");
  EXPECT_EQ(cache.Find("b", 1000), nullptr);
  EXPECT_EQ(cache.Find("a", 2000), nullptr);
}

}  // namespace
}  // namespace serval::apigateway
