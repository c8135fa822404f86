#include "services/lambda/function_request.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "services/lambda/code_store.h"

namespace serval::lambda {
namespace {

boost::json::object Body(std::string_view text) {
  auto parsed = ParseBody(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

std::string CodeOf(const absl::Status& status) { return AwsErrorCode(status); }

constexpr char kValid[] =
    R"({"FunctionName":"f","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/r",)"
    R"("Handler":"app.handler","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})";

TEST(ParseFunctionReference, AcceptsNamesAndArns) {
  EXPECT_EQ(ParseFunctionReference("my-fn_1")->name, "my-fn_1");
  EXPECT_EQ(ParseFunctionReference("my-fn:$LATEST")->qualifier, "$LATEST");
  EXPECT_EQ(ParseFunctionReference("123456789012:function:f")->name, "f");
  auto full = ParseFunctionReference("arn:aws:lambda:us-east-1:123456789012:function:f:prod");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->name, "f");
  EXPECT_EQ(full->qualifier, "prod");
}

TEST(ParseFunctionReference, RejectsBadNames) {
  for (const std::string& bad :
       {std::string(""), std::string("bad name"), std::string("a/b"), std::string(65, 'a'),
        std::string("a:b:c:d"), std::string("arn:aws:lambda:us-east-1:1:function:")}) {
    auto parsed = ParseFunctionReference(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(CodeOf(parsed.status()), "ValidationException") << bad;
  }
  EXPECT_TRUE(ParseFunctionReference(std::string(64, 'a')).ok());
}

TEST(ParseCreateFunction, HoldsTheRoleToAnIamRoleArn) {
  auto with_role = [](std::string_view role) {
    std::string body = kValid;
    body.replace(body.find("arn:aws:iam::000000000000:role/r"), 32, role);
    CodePackage code;
    return ParseCreateFunction(Body(body), &code);
  };
  for (std::string_view good :
       {"arn:aws:iam::123456789012:role/service-role/app+x=1,y.z@w-v_u",
        "arn:aws-cn:iam::123456789012:role/r", "arn::iam::123456789012:role/r",
        "arn:aws:iam::123456789012:roler"}) {
    EXPECT_TRUE(with_role(good).ok()) << good;
  }
  for (std::string_view bad :
       {"not-an-arn", "arn:aws:iam::000000000000:user/bob", "arn:aws:iam::00000000000:role/r",
        "arn:aws:iam::000000000000:role/", "arn:aws:sts::000000000000:role/r",
        "arn:gcp:iam::000000000000:role/r", "arn:aws:iam::000000000000:role/a b"}) {
    auto parsed = with_role(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(CodeOf(parsed.status()), "ValidationException") << bad;
    EXPECT_NE(parsed.status().message().find("at 'role' failed to satisfy constraint"),
              std::string_view::npos)
        << parsed.status();
  }
}

TEST(ParseBody, RejectsMalformedJson) {
  for (const char* bad : {"{", "[]", "nope", ""}) {
    auto parsed = ParseBody(bad);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(CodeOf(parsed.status()), "InvalidRequestContentException");
  }
}

TEST(ParseCreateFunction, ReadsAValidRequest) {
  CodePackage code;
  auto config = ParseCreateFunction(Body(kValid), &code);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "f");
  EXPECT_EQ(config->memory_mb, 128);
  EXPECT_EQ(config->timeout_seconds, 3);
  EXPECT_EQ(code.zip.size(), 22u);
}

TEST(ParseCreateFunction, RejectsOutOfRangeAndWrongTypes) {
  struct Case {
    const char* field;
    const char* value;
    const char* code;
  };
  for (const Case& c :
       {Case{"MemorySize", "127", "ValidationException"},
        Case{"MemorySize", "10241", "ValidationException"},
        Case{"Timeout", "0", "ValidationException"}, Case{"Timeout", "901", "ValidationException"},
        Case{"Timeout", "\"ten\"", "InvalidRequestContentException"},
        Case{"Runtime", "\"python2.7\"", "InvalidParameterValueException"},
        Case{"Handler", "\"has space\"", "ValidationException"},
        Case{"Environment", R"({"Variables":{"AWS_REGION":"x"}})",
             "InvalidParameterValueException"},
        Case{"Environment", R"({"Variables":{"1BAD":"x"}})", "ValidationException"},
        Case{"Code", R"({"ZipFile":"***"})", "InvalidRequestContentException"},
        Case{"Code", R"({"S3Bucket":"b"})", "InvalidParameterValueException"},
        Case{"Code", R"({"ImageUri":"i"})", "InvalidParameterValueException"}}) {
    auto body = Body(kValid);
    body[c.field] = boost::json::parse(c.value);
    CodePackage code;
    auto config = ParseCreateFunction(body, &code);
    ASSERT_FALSE(config.ok()) << c.field << "=" << c.value;
    EXPECT_EQ(CodeOf(config.status()), c.code) << c.field << "=" << c.value;
  }
}

TEST(ParseCreateFunction, TakesCodeFromAnS3Object) {
  auto body = Body(kValid);
  body["Code"] = boost::json::parse(R"({"S3Bucket":"b","S3Key":"k/f.zip"})");
  CodePackage code;
  auto config = ParseCreateFunction(body, &code);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(code.s3_bucket, "b");
  EXPECT_EQ(code.s3_key, "k/f.zip");
  EXPECT_TRUE(code.zip.empty());
}

TEST(ParseCreateFunction, AZipInTheRequestIsAtMost50Mb) {
  auto body = Body(kValid);
  body["Code"] = boost::json::object{{"ZipFile", Base64Encode(std::string(kMaxZipBytes + 1, 'z'))}};
  CodePackage code;
  auto config = ParseCreateFunction(body, &code);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(CodeOf(config.status()), "RequestEntityTooLargeException");
  EXPECT_EQ(config.status().message(), "Zipped size must be smaller than 52428800 bytes");
}

TEST(ApplyConfigurationUpdate, ChangesOnlyGivenFieldsAndIsAtomic) {
  FunctionConfig config;
  config.name = "f";
  config.runtime = "python3.12";
  config.handler = "a.b";
  ASSERT_TRUE(
      ApplyConfigurationUpdate(Body(R"({"MemorySize":256,"Description":"d"})"), config).ok());
  EXPECT_EQ(config.memory_mb, 256);
  EXPECT_EQ(config.description, "d");
  EXPECT_EQ(config.handler, "a.b");
  EXPECT_FALSE(
      ApplyConfigurationUpdate(Body(R"({"Description":"x","Timeout":1000})"), config).ok());
  EXPECT_EQ(config.description, "d");  // nothing applied from the rejected update
}

}  // namespace
}  // namespace serval::lambda

namespace serval::lambda {
namespace {

TEST(AliasFields, ValidatesNamesVersionsAndWeights) {
  EXPECT_TRUE(ValidateAliasName("prod-1_a").ok());
  for (const char* bad : {"", "123", "has space", "a:b"}) {
    EXPECT_EQ(AwsErrorCode(ValidateAliasName(bad)), "ValidationException") << bad;
  }
  AliasConfig alias;
  ASSERT_TRUE(
      ApplyAliasFields(
          Body(
              R"({"FunctionVersion":"3","RoutingConfig":{"AdditionalVersionWeights":{"4":0.25}}})"),
          alias)
          .ok());
  EXPECT_EQ(alias.function_version, "3");
  EXPECT_EQ(alias.additional_version_weights.at("4"), 0.25);
  // An empty routing config clears the weights; a rejected update changes nothing.
  ASSERT_TRUE(
      ApplyAliasFields(Body(R"({"RoutingConfig":{"AdditionalVersionWeights":{}}})"), alias).ok());
  EXPECT_TRUE(alias.additional_version_weights.empty());
  EXPECT_FALSE(ApplyAliasFields(Body(R"({"FunctionVersion":"x1"})"), alias).ok());
  EXPECT_FALSE(
      ApplyAliasFields(Body(R"({"RoutingConfig":{"AdditionalVersionWeights":{"1":0.1,"2":0.1}}})"),
                       alias)
          .ok());
  EXPECT_EQ(alias.function_version, "3");
}

TEST(Pagination, MaxItemsAndMarkers) {
  EXPECT_EQ(*ParseMaxItems(std::nullopt, 50), 50);
  EXPECT_EQ(*ParseMaxItems(std::string("7"), 50), 7);
  for (const char* bad : {"0", "10001", "x", ""}) {
    EXPECT_FALSE(ParseMaxItems(std::string(bad), 50).ok()) << bad;
  }
  EXPECT_EQ(*DecodeMarker(EncodeMarker("fn-9")), "fn-9");
  EXPECT_EQ(*DecodeMarker(std::nullopt), "");
  EXPECT_FALSE(DecodeMarker(std::string("!!")).ok());
}

}  // namespace
}  // namespace serval::lambda
