#include "server/blueprint_manifest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/manifest_files.h"
#include "server/template_string.h"

namespace serval::server {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

// EXPECT_CONTAINS(text, part) without gmock.
#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

std::optional<std::string> Vars(std::string_view name) {
  if (name == "Source") return "src";
  if (name == "Fanout.Arn") return "arn:aws:sns:us-east-1:000000000000:src-fanout";
  return std::nullopt;
}

TEST(TemplateString, SubstitutesVariablesAndKeepsEscapes) {
  EXPECT_EQ(*SubstituteTemplate("${Source}-fanout", Vars), "src-fanout");
  EXPECT_EQ(*SubstituteTemplate("to ${Fanout.Arn}!", Vars),
            "to arn:aws:sns:us-east-1:000000000000:src-fanout!");
  EXPECT_EQ(*SubstituteTemplate("no variables $ here {}", Vars), "no variables $ here {}");
  EXPECT_EQ(*SubstituteTemplate("${!aws:username} ${Source}", Vars), "${aws:username} src");
  EXPECT_EQ(*TemplateReferences("${A}/${B.Arn}/${!C}/${AWS::Region}"),
            (Strings{"A", "B.Arn", "AWS::Region"}));
}

TEST(TemplateString, RefusesMalformedAndUnknownReferences) {
  EXPECT_CONTAINS(SubstituteTemplate("${Source", Vars).status().message(), "unclosed");
  EXPECT_CONTAINS(SubstituteTemplate("${}", Vars).status().message(), "not a variable");
  EXPECT_CONTAINS(SubstituteTemplate("${a b}", Vars).status().message(), "not a variable");
  EXPECT_CONTAINS(SubstituteTemplate("${Missing}", Vars).status().message(),
                  "unknown '${Missing}'");
}

constexpr std::string_view kManifest = R"({
  "Description": "test",
  "Parameters": {
    "SourceBucket": {"Type": "String", "Default": "src", "AllowedPattern": "[a-z0-9-]{3,63}",
                     "ConstraintDescription": "must be a bucket name"},
    "Destinations": {"Type": "CommaDelimitedList", "Default": ["d1", "d2"]}
  },
  "Resources": [
    {"Type": "Bucket", "Properties": {"BucketName": "${SourceBucket}"}},
    {"Id": "Fanout", "Type": "Topic",
     "Properties": {"Name": "${SourceBucket}-fanout",
                    "Policy": {"Resource": "${Fanout.Arn}", "Where": "${AWS::Region}"}}},
    {"ForEach": "Destinations", "As": "Destination", "Resources": [
      {"Id": "Copier", "Type": "Function",
       "Properties": {"FunctionName": "${Destination}", "Timeout": 300,
                      "Role": "arn:aws:iam::000000000000:role/copier",
                      "Code": {"Files": ["lambda_function.py"]}}},
      {"Type": "Subscription",
       "Properties": {"TopicArn": "${Fanout.Arn}", "Protocol": "lambda",
                      "Endpoint": "${Copier.Arn}"}}
    ]},
    {"Type": "BucketNotification",
     "Properties": {"Bucket": "${SourceBucket}", "NotificationConfiguration": {}}}
  ]
})";

absl::StatusOr<std::vector<PlannedResource>> PlanText(std::string_view text,
                                                      std::vector<std::string> overrides = {}) {
  auto manifest = ParseManifest(text);
  if (!manifest.ok()) return manifest.status();
  auto values = ResolveParameters(*manifest, overrides);
  if (!values.ok()) return values.status();
  return PlanResources(*manifest, *values, "us-east-1");
}

// A manifest with one resource list, for the error cases.
std::string WithResources(std::string_view resources) {
  return fmt::format(R"({{"Parameters": {{"P": {{"Default": "p"}},
                         "L": {{"Type": "CommaDelimitedList", "Default": "a,b"}}}},
                         "Resources": {}}})",
                     resources);
}

TEST(BlueprintManifest, ParsesParametersInOrderWithDefaults) {
  auto manifest = ParseManifest(kManifest);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  ASSERT_EQ(manifest->parameters.size(), 2u);
  EXPECT_EQ(manifest->parameters[0].name, "SourceBucket");
  EXPECT_FALSE(manifest->parameters[0].is_list);
  EXPECT_TRUE(manifest->parameters[1].is_list);
  EXPECT_EQ(*manifest->parameters[1].default_value, (Strings{"d1", "d2"}));
  auto values = ResolveParameters(*manifest, {});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->at("SourceBucket"), (Strings{"src"}));
}

TEST(BlueprintManifest, ExpandsForEachWithTheLoopVariable) {
  auto plan = PlanText(kManifest, {"Destinations=x1, x2,x3"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->size(), 9u);  // bucket, topic, 3 x (function, subscription), notification
  EXPECT_EQ((*plan)[0].type, ResourceType::kBucket);
  EXPECT_EQ((*plan)[1].id, "Fanout");
  EXPECT_EQ((*plan)[4].type, ResourceType::kFunction);
  EXPECT_EQ((*plan)[4].variables.at("Destination"), "x2");
  EXPECT_EQ((*plan)[4].variables.at("SourceBucket"), "src");
  EXPECT_EQ((*plan)[4].variables.at("AWS::Region"), "us-east-1");
  EXPECT_EQ((*plan)[4].where, "Resources[2].Resources[0] (Destination=x2) (Function)");
  EXPECT_EQ((*plan)[8].type, ResourceType::kBucketNotification);
}

TEST(BlueprintManifest, SubstitutesJsonStringsOnly) {
  json::value input = json::parse(R"({"a": "${Source}", "n": 300, "l": ["${Fanout.Arn}", true],
                                      "${Source}": "key untouched"})");
  auto out = SubstituteJson(input, Vars);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, json::parse(R"({"a": "src", "n": 300,
                                  "l": ["arn:aws:sns:us-east-1:000000000000:src-fanout", true],
                                  "${Source}": "key untouched"})"));
  EXPECT_FALSE(SubstituteJson(json::parse(R"({"a": ["${Nope}"]})"), Vars).ok());
}

TEST(BlueprintManifest, RefusesBadParameters) {
  EXPECT_CONTAINS(PlanText(kManifest, {"Nope=1"}).status().message(),
                  "unknown parameter Nope (this blueprint has: SourceBucket, Destinations)");
  EXPECT_CONTAINS(PlanText(kManifest, {"SourceBucket"}).status().message(), "NAME=VALUE");
  EXPECT_CONTAINS(PlanText(kManifest, {"SourceBucket=Bad_Name"}).status().message(),
                  "parameter SourceBucket: \"Bad_Name\" must be a bucket name");
  EXPECT_CONTAINS(PlanText(kManifest, {"Destinations=a,,b"}).status().message(), "empty item");
  EXPECT_CONTAINS(PlanText(kManifest, {"Destinations="}).status().message(), "empty item");
  EXPECT_CONTAINS(PlanText(R"({"Parameters": {"X": {}}, "Resources": [
                            {"Type": "Bucket", "Properties": {"BucketName": "${X}"}}]})")
                      .status()
                      .message(),
                  "parameter X has no default: pass --parameter X=VALUE");
  EXPECT_CONTAINS(ParseManifest(R"({"Parameters": {"X": {"Type": "Number"}}, "Resources": [{}]})")
                      .status()
                      .message(),
                  "Parameters.X: Type Number is not String or CommaDelimitedList");
}

TEST(BlueprintManifest, RefusesBadDocuments) {
  EXPECT_CONTAINS(ParseManifest("{").status().message(), "not JSON");
  EXPECT_CONTAINS(ParseManifest("[]").status().message(), "not a JSON object");
  EXPECT_CONTAINS(ParseManifest(R"({"Resources": []})").status().message(),
                  "Resources: a non-empty list is required");
  EXPECT_CONTAINS(ParseManifest(R"({"Resource": [{}]})").status().message(),
                  "unknown field Resource");
}

TEST(BlueprintManifest, RefusesBadResources) {
  auto error = [](std::string_view resources) {
    return std::string(PlanText(WithResources(resources)).status().message());
  };
  EXPECT_CONTAINS(error(R"([{"Type": "Queue", "Properties": {}}])"),
                  "Resources[0]: Type \"Queue\" is not one of Bucket, Topic, Function");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Properties": {}}])"),
                  "Resources[0]: a Bucket needs BucketName");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Properties": {"BucketName": "b", "Acl": "x"}}])"),
                  "a Bucket has no property Acl");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket"}])"), "a Bucket needs Properties");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Name": "b", "Properties": {"BucketName": "b"}}])"),
                  "unknown field Name");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Properties": {"BucketName": "${Q}"}}])"),
                  "Resources[0]: unknown '${Q}'");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Properties": {"BucketName": "${L}"}}])"),
                  "'${L}' is a list parameter: use it in a ForEach");
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Properties": {"BucketName": "${P"}}])"),
                  "unclosed");
  EXPECT_CONTAINS(error(R"([{"ForEach": "P", "As": "X", "Resources": [
                         {"Type": "Bucket", "Properties": {"BucketName": "${X}"}}]}])"),
                  "ForEach must name a CommaDelimitedList parameter, not \"P\"");
  EXPECT_CONTAINS(error(R"([{"ForEach": "L", "As": "P", "Resources": [
                         {"Type": "Bucket", "Properties": {"BucketName": "${P}"}}]}])"),
                  "As P hides a variable");
  EXPECT_CONTAINS(error(R"([{"ForEach": "L", "As": "X", "Resources": []}])"),
                  "a ForEach needs a non-empty Resources list");
}

TEST(BlueprintManifest, RestApiTakesBodyOrBodyFile) {
  auto error = [](std::string_view resources) {
    return std::string(PlanText(WithResources(resources)).status().message());
  };
  EXPECT_CONTAINS(error(R"([{"Type": "RestApi", "Properties": {"Name": "a", "StageName": "s"}}])"),
                  "a RestApi takes exactly one of Body, BodyFile");
  EXPECT_CONTAINS(error(R"([{"Type": "RestApi", "Properties": {"Name": "a", "StageName": "s",
                                                 "Body": {}, "BodyFile": "b.json"}}])"),
                  "a RestApi takes exactly one of Body, BodyFile");
  // `${...}` inside the document is checked like any property's.
  EXPECT_CONTAINS(error(R"([{"Type": "RestApi", "Properties": {"Name": "a", "StageName": "s",
                                "Body": {"paths": {"/x": {"get": {"uri": "${F.Arn}"}}}}}}])"),
                  "'${F.Arn}' names no resource before it");
}

// A blueprint directory of its own, removed when the test ends.
class ManifestFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(testing::TempDir()) /
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, std::string_view text) { std::ofstream(dir_ / name) << text; }
  absl::StatusOr<Manifest> Inlined(std::string_view resources) {
    auto manifest = ParseManifest(WithResources(resources));
    if (!manifest.ok()) return manifest.status();
    if (auto status = InlinePropertyFiles(*manifest, dir_); !status.ok()) return status;
    return manifest;
  }

  std::filesystem::path dir_;
};

TEST_F(ManifestFilesTest, BodyFileInYamlBecomesBody) {
  Write("api.yaml",
        "swagger: '2.0'\ninfo:\n  title: t\npaths:\n  /x:\n    get:\n"
        "      x-uri: ${F.Arn}\n");
  auto manifest = Inlined(R"([{"ForEach": "L", "As": "X", "Resources": [
      {"Id": "F", "Type": "Function", "Properties": {"FunctionName": "${X}", "Code": {},
                                                           "Role": "r"}},
      {"Type": "RestApi", "Properties": {"Name": "a", "StageName": "s",
                                         "BodyFile": "api.yaml"}}]}])");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const json::object& properties =
      manifest->resources[0].at("Resources").get_array()[1].at("Properties").get_object();
  EXPECT_FALSE(properties.contains("BodyFile"));
  EXPECT_EQ(properties.at("Body").at("paths").at("/x").at("get").at("x-uri"), "${F.Arn}");
  auto values = ResolveParameters(*manifest, {});
  ASSERT_TRUE(values.ok());
  EXPECT_TRUE(PlanResources(*manifest, *values, "us-east-1").ok());
}

TEST_F(ManifestFilesTest, RefusesMissingOutsideAndMalformedFiles) {
  Write("bad.json", "[1, 2]");
  const auto error = [this](std::string_view file) {
    return std::string(
        Inlined(fmt::format(R"([{{"Type": "Bucket", "Properties": {{"BucketName": "b"}}}},
                               {{"Type": "RestApi", "Properties": {{"Name": "a", "StageName": "s",
                                                                     "BodyFile": "{}"}}}}])",
                            file))
            .status()
            .message());
  };
  EXPECT_CONTAINS(error("missing.json"), "cannot read");
  EXPECT_CONTAINS(error("../outside.json"),
                  "Resources[1]: BodyFile: \"../outside.json\" must be a path inside");
  EXPECT_CONTAINS(error("bad.json"),
                  "Resources[1]: BodyFile: bad.json is not a JSON or YAML object");
}

TEST(BlueprintManifest, ArnReferencesFollowOrderAndScope) {
  auto error = [](std::string_view resources) {
    return std::string(PlanText(WithResources(resources)).status().message());
  };
  // A later resource's ARN is not known yet.
  EXPECT_CONTAINS(error(R"([{"Type": "Bucket", "Properties": {"BucketName": "${T.Arn}"}},
                        {"Id": "T", "Type": "Topic", "Properties": {"Name": "t"}}])"),
                  "Resources[0]: '${T.Arn}' names no resource before it");
  // Ids inside a ForEach iteration are not visible after it.
  EXPECT_CONTAINS(error(R"([{"ForEach": "L", "As": "X", "Resources": [
                          {"Id": "T", "Type": "Topic", "Properties": {"Name": "${X}"}}]},
                        {"Type": "Bucket", "Properties": {"BucketName": "${T.Arn}"}}])"),
                  "Resources[1]: '${T.Arn}' names no resource before it");
  EXPECT_CONTAINS(error(R"([{"Id": "T", "Type": "Topic", "Properties": {"Name": "a"}},
                        {"Id": "T", "Type": "Topic", "Properties": {"Name": "b"}}])"),
                  "Resources[1]: Id T is used twice");
  // Within an iteration, and from the resource itself, they are.
  EXPECT_TRUE(PlanText(WithResources(R"([
      {"Id": "T", "Type": "Topic", "Properties": {"Name": "t", "Policy": "${T.Arn}"}},
      {"ForEach": "L", "As": "X", "Resources": [
        {"Id": "F", "Type": "Function", "Properties": {"FunctionName": "${X}", "Code": {},
                                                           "Role": "r"}},
        {"Type": "Subscription", "Properties": {"TopicArn": "${T.Arn}", "Protocol": "lambda",
                                                "Endpoint": "${F.Arn}"}}]}])"))
                  .ok());
}

// The blueprints the repository ships plan as their READMEs say.
std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(SERVAL_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The blueprint's manifest with its files read in, planned with its defaults.
absl::StatusOr<std::vector<PlannedResource>> PlanShipped(const std::string& name,
                                                         std::vector<std::string> overrides = {}) {
  auto manifest = ParseManifest(ReadSource("blueprints/" + name + "/serval-blueprint.json"));
  if (!manifest.ok()) return manifest.status();
  if (auto status =
          InlinePropertyFiles(*manifest, std::string(SERVAL_SOURCE_DIR) + "/blueprints/" + name);
      !status.ok()) {
    return status;
  }
  auto values = ResolveParameters(*manifest, overrides);
  if (!values.ok()) return values.status();
  return PlanResources(*manifest, *values, "us-east-1");
}

TEST(BlueprintManifest, ShippedBlueprintsPlan) {
  auto survival = PlanShipped("survival");
  ASSERT_TRUE(survival.ok()) << survival.status();
  // The function's role, the function, its API (POST /survival) and the API's permission.
  ASSERT_EQ(survival->size(), 4u);
  EXPECT_EQ((*survival)[0].type, ResourceType::kRole);
  EXPECT_EQ((*survival)[2].type, ResourceType::kRestApi);
  EXPECT_EQ((*survival)[0].variables.at("PValueFormula"), "legacy");
  EXPECT_FALSE(PlanShipped("survival", {"PValueFormula=new"}).ok());
  auto errors = PlanShipped("error-handling");
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(errors->size(), 4u);
  // The post's Swagger, read from swagger.json: its [MY_FUNCTION_ARN] is still there, for
  // Placeholders to replace when the function's ARN is known.
  EXPECT_NE(json::serialize((*errors)[2].properties.at("Body")).find("[MY_FUNCTION_ARN]"),
            std::string::npos);
  auto replication = PlanShipped(
      "replication", {"SourceBucket=photos", "DestinationBuckets=copy-a,copy-b,copy-c"});
  ASSERT_TRUE(replication.ok()) << replication.status();
  // Source bucket, topic, 3 x (bucket, role, function, permission, subscription), notification.
  EXPECT_EQ(replication->size(), 18u);
  EXPECT_EQ((*replication)[3].type, ResourceType::kRole);
  EXPECT_EQ((*replication)[3].variables.at("Destination"), "copy-a");
  // Each destination's role names it, within IAM's 64 characters: the list's items are capped.
  EXPECT_FALSE(PlanShipped("replication", {"DestinationBuckets=" + std::string(31, 'a')}).ok());
  EXPECT_EQ(replication->back().type, ResourceType::kBucketNotification);
  auto video = PlanShipped("video-metadata", {"BucketName=videos"});
  ASSERT_TRUE(video.ok()) << video.status();
  // Bucket, table, the post's access policy and role, function, its permission for S3, the
  // bucket's notification.
  ASSERT_EQ(video->size(), 7u);
  EXPECT_EQ((*video)[2].type, ResourceType::kManagedPolicy);
  EXPECT_EQ((*video)[3].type, ResourceType::kRole);
  EXPECT_EQ((*video)[1].type, ResourceType::kTable);
  EXPECT_EQ((*video)[1].variables.at("TableName"), "TechnicalMetadata");
  EXPECT_EQ(video->back().type, ResourceType::kBucketNotification);
  EXPECT_FALSE(PlanShipped("video-metadata", {"TableName=no spaces"}).ok());
  auto logs =
      PlanShipped("log-analytics", {"CollectorUrl=https://127.0.0.1:4443/receiver/v1/http/t",
                                    "LogGroups=/aws/lambda/a,/custom/b"});
  ASSERT_TRUE(logs.ok()) << logs.status();
  // The forwarder and the demo function with their roles, a subscription per group.
  ASSERT_EQ(logs->size(), 6u);
  EXPECT_EQ(logs->back().type, ResourceType::kLogSubscription);
  EXPECT_EQ(logs->back().variables.at("Group"), "/custom/b");
  EXPECT_FALSE(PlanShipped("log-analytics").ok());  // the collector's URL has no default
  EXPECT_FALSE(PlanShipped("log-analytics", {"CollectorUrl=http://127.0.0.1/"}).ok());
  auto scheduler = PlanShipped("scheduler", {"TimeZone=Europe/Berlin"});
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  // Each scheduler's role, function, rule and the rule's permission to invoke it.
  ASSERT_EQ(scheduler->size(), 8u);
  EXPECT_EQ((*scheduler)[2].type, ResourceType::kRule);
  EXPECT_EQ((*scheduler)[6].type, ResourceType::kRule);
  EXPECT_EQ((*scheduler)[7].type, ResourceType::kPermission);
  EXPECT_FALSE(PlanShipped("scheduler", {"PostSchedulerState=OFF"}).ok());
  EXPECT_FALSE(PlanShipped("scheduler", {"DryRun=yes"}).ok());
}

TEST(BlueprintManifest, RuleHasAScheduleOrAPattern) {
  const auto rule = [](std::string_view properties) {
    return PlanText(
        WithResources(R"([{"Type": "Rule", "Properties": )" + std::string(properties) + "}]"));
  };
  const std::string name = R"("Name": "r", )";
  const std::string schedule = R"json("ScheduleExpression": "rate(1 minute)")json";
  EXPECT_TRUE(rule("{" + name + schedule + R"(, "Targets": [{"Id": "f", "Arn": "a"}]})").ok());
  EXPECT_TRUE(rule("{" + name + R"("EventPattern": {"source": ["app"]}})").ok());
  EXPECT_FALSE(rule(R"({"Name": "r"})").ok());
  EXPECT_FALSE(rule("{" + name + schedule + R"(, "EventPattern": {}})").ok());
  // Input belongs to a target.
  EXPECT_FALSE(rule("{" + name + schedule + R"(, "Input": "{}"})").ok());
}

TEST(BlueprintManifest, FunctionsNameTheirRoleAndRolesTheirPolicies) {
  auto error = [](std::string_view resources) {
    return std::string(PlanText(WithResources(resources)).status().message());
  };
  EXPECT_CONTAINS(error(R"([{"Type": "Function", "Properties": {"FunctionName": "f",
                                                                 "Code": {}}}])"),
                  "Resources[0]: a Function needs Role");
  EXPECT_CONTAINS(error(R"([{"Type": "Role", "Properties": {"AssumeRolePolicyDocument": {}}}])"),
                  "Resources[0]: a Role needs RoleName");
  EXPECT_CONTAINS(error(R"([{"Type": "Role", "Properties": {"RoleName": "r"}}])"),
                  "Resources[0]: a Role needs AssumeRolePolicyDocument");
  EXPECT_CONTAINS(error(R"([{"Type": "Role", "Properties": {"RoleName": "r",
                          "AssumeRolePolicyDocument": {}, "Policy": {}}}])"),
                  "a Role has no property Policy");
  EXPECT_CONTAINS(error(R"([{"Type": "ManagedPolicy", "Properties": {"PolicyName": "p"}}])"),
                  "Resources[0]: a ManagedPolicy needs PolicyDocument");
  // A policy's ARN names it in a role, a role's in a function; `${!aws:username}` is the policy
  // variable, left for IAM.
  auto plan = PlanText(WithResources(R"([
      {"Id": "P", "Type": "ManagedPolicy", "Properties": {"PolicyName": "p", "PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::b/${!aws:username}/*"}]}}},
      {"Id": "R", "Type": "Role", "Properties": {"RoleName": "${P}-role", "Path": "/app/",
        "AssumeRolePolicyDocument": {}, "ManagedPolicyArns": ["${P.Arn}"],
        "Policies": [{"PolicyName": "logs", "PolicyDocument": {}}]}},
      {"Type": "Function", "Properties": {"FunctionName": "f", "Code": {}, "Role": "${R.Arn}"}}
  ])"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(ResourceTypeName((*plan)[0].type), "ManagedPolicy");
  EXPECT_EQ(ResourceTypeName((*plan)[1].type), "Role");
}

TEST(BlueprintManifest, TableTakesCreateTableMembers) {
  auto plan = PlanText(R"({"Resources": [{"Type": "Table", "Properties": {
      "TableName": "t", "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
      "BillingMode": "PAY_PER_REQUEST",
      "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}}]})");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(ResourceTypeName((*plan)[0].type), "Table");
  // A key schema is required; a misspelt member is refused rather than ignored.
  EXPECT_FALSE(PlanText(R"({"Resources": [{"Type": "Table", "Properties": {
      "TableName": "t", "AttributeDefinitions": []}}]})")
                   .ok());
  EXPECT_FALSE(PlanText(R"({"Resources": [{"Type": "Table", "Properties": {
      "TableName": "t", "KeySchema": [], "AttributeDefinitions": [],
      "ProvisionedThroughPut": {}}}]})")
                   .ok());
}

}  // namespace
}  // namespace serval::server
