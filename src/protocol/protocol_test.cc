#include "protocol/protocol.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "protocol/json_rpc.h"
#include "protocol/query.h"
#include "protocol/rest_router.h"
#include "protocol/validation.h"
#include "protocol/xml.h"

namespace serval::protocol {
namespace {

std::string HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

http::Request Get(std::string target, std::string method = "GET") {
  return http::Request{.method = std::move(method), .target = std::move(target)};
}

TEST(ErrorResponse, JsonFamiliesCarryTypeHeaderAndFields) {
  absl::Status status =
      WithErrorHeader(WithErrorField(AwsError(absl::StatusCode::kResourceExhausted,
                                              "TooManyRequestsException", "Rate Exceeded."),
                                     "Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"),
                      "Retry-After", "1");
  http::Response rest = ErrorResponse(Protocol::kRestJson1, status, "rid");
  EXPECT_EQ(rest.status, 429);
  EXPECT_EQ(HeaderOf(rest, "x-amzn-ErrorType"), "TooManyRequestsException");
  EXPECT_EQ(HeaderOf(rest, "Retry-After"), "1");
  EXPECT_EQ(HeaderOf(rest, "x-amzn-RequestId"), "rid");
  EXPECT_EQ(HeaderOf(rest, "Content-Type"), "application/json");
  boost::json::object body = boost::json::parse(rest.body).as_object();
  EXPECT_EQ(body["__type"], "TooManyRequestsException");
  EXPECT_EQ(body["message"], "Rate Exceeded.");
  EXPECT_EQ(body["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded");

  // awsJson has no per-error status: every client fault is 400.
  http::Response rpc = ErrorResponse(
      Protocol::kAwsJson1_0,
      AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", "no table"), "rid");
  EXPECT_EQ(rpc.status, 400);
  EXPECT_EQ(HeaderOf(rpc, "Content-Type"), "application/x-amz-json-1.0");
}

TEST(ErrorResponse, QueryShape) {
  http::Response response = ErrorResponse(
      Protocol::kQuery, AwsError(absl::StatusCode::kNotFound, "NotFound", "Topic <x> & y"), "rid");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>"
            "<Message>Topic &lt;x&gt; &amp; y</Message></Error><RequestId>rid</RequestId>"
            "</ErrorResponse>");
  EXPECT_EQ(HeaderOf(response, "x-amzn-RequestId"), "rid");
}

TEST(ErrorResponse, RestXmlShapeWithS3RequestIds) {
  absl::Status status = WithHttpStatus(
      WithErrorField(AwsError(absl::StatusCode::kPermissionDenied, "SignatureDoesNotMatch",
                              "The request signature we calculated does not match"),
                     "StringToSign", "AWS4-HMAC-SHA256\n..."),
      403);
  http::Response response = ErrorResponse(Protocol::kRestXml, status, "rid");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(HeaderOf(response, "x-amz-request-id"), "rid");
  EXPECT_EQ(HeaderOf(response, "x-amz-id-2"), "rid");
  EXPECT_NE(response.body.find("<Error><Code>SignatureDoesNotMatch</Code><Message>"),
            std::string::npos);
  EXPECT_NE(response.body.find("<StringToSign>AWS4-HMAC-SHA256\n...</StringToSign>"),
            std::string::npos);
  EXPECT_TRUE(response.body.starts_with("<?xml"));
}

TEST(ErrorResponse, Ec2Shape) {
  http::Response response =
      ErrorResponse(Protocol::kEc2,
                    AwsError(absl::StatusCode::kNotFound, "InvalidInstanceID.NotFound",
                             "The instance ID 'i-1' does not exist"),
                    "rid");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"),
            std::string::npos);
  EXPECT_NE(response.body.find("<RequestID>rid</RequestID></Response>"), std::string::npos);
}

TEST(ErrorResponse, StatusWithoutCodeIsInternal) {
  http::Response response =
      ErrorResponse(Protocol::kAwsJson1_1, absl::InvalidArgumentError("disk said no"), "rid");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(HeaderOf(response, "x-amzn-ErrorType"), "InternalFailure");
}

TEST(UnknownOperation, EachFamilyInItsOwnForm) {
  EXPECT_EQ(
      ErrorResponse(Protocol::kRestJson1, UnknownOperation(Protocol::kRestJson1, "X"), "r").status,
      404);
  EXPECT_EQ(AwsErrorCode(UnknownOperation(Protocol::kAwsJson1_1, "X")),
            "UnknownOperationException");
  EXPECT_EQ(AwsErrorCode(UnknownOperation(Protocol::kQuery, "X")), "InvalidAction");
  EXPECT_EQ(
      ErrorResponse(Protocol::kRestXml, UnknownOperation(Protocol::kRestXml, "X"), "r").status,
      405);
}

TEST(Validation, OneAndManyViolations) {
  EXPECT_EQ(MissingMember("role").message(),
            "1 validation error detected: Value null at 'role' failed to satisfy constraint: "
            "Member must not be null");
  absl::Status both = ValidationErrors()
                          .Add("a b", "functionName", "Member must satisfy regular expression")
                          .AddMissing("role")
                          .ToStatus();
  EXPECT_EQ(both.message(),
            "2 validation errors detected: Value 'a b' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression; Value null at 'role' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(AwsErrorCode(both), "ValidationException");
  EXPECT_TRUE(ValidationErrors().ToStatus().ok());
}

TEST(RestRouter, PicksTheMostSpecificTemplateWhateverTheOrder) {
  RestRouter<std::string> router({
      {"GET", "/{Bucket}/{Key+}", "GetObject"},
      {"GET", "/{Bucket}?uploads", "ListMultipartUploads"},
      {"GET", "/{Bucket}", "ListObjects"},
      {"GET", "/2015-03-31/functions/{FunctionName}", "GetFunction"},
      {"GET", "/2015-03-31/functions/", "ListFunctions"},
      {"POST", "/2015-03-31/functions/{FunctionName}/invocations", "Invoke"},
  });
  auto match = router.Find(Get("/2015-03-31/functions/my-fn%3Aprod"));
  ASSERT_TRUE(match);
  EXPECT_EQ(*match->operation, "GetFunction");
  EXPECT_EQ(match->labels["FunctionName"], "my-fn:prod");
  EXPECT_EQ(*router.Find(Get("/2015-03-31/functions"))->operation, "ListFunctions");
  EXPECT_EQ(*router.Find(Get("/2015-03-31/functions/"))->operation, "ListFunctions");
  EXPECT_FALSE(router.Find(Get("/f/invocations", "POST")));
  EXPECT_EQ(*router.Find(Get("/bucket?uploads"))->operation, "ListMultipartUploads");
  EXPECT_EQ(*router.Find(Get("/bucket?list-type=2"))->operation, "ListObjects");
  auto object = router.Find(Get("/bucket/a%20b//c/"));
  ASSERT_TRUE(object);
  EXPECT_EQ(*object->operation, "GetObject");
  EXPECT_EQ(object->labels["Key"], "a b//c/");
  EXPECT_FALSE(router.Find(Get("/2015-03-31/functions/x", "DELETE")));
}

TEST(JsonRpc, DecodesTargetAndBody) {
  http::Request request{.method = "POST", .target = "/", .body = R"({"Name":"r"})"};
  request.headers.emplace_back("X-Amz-Target", "AWSEvents.PutRule");
  auto decoded = DecodeJsonRpc(Protocol::kAwsJson1_1, request, "AWSEvents.");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->operation, "PutRule");
  EXPECT_EQ(decoded->input.at("Name"), "r");
  request.body = "[1]";
  EXPECT_EQ(AwsErrorCode(DecodeJsonRpc(Protocol::kAwsJson1_1, request, "AWSEvents.").status()),
            "SerializationException");
  request.headers[0].second = "DynamoDB_20120810.GetItem";
  EXPECT_EQ(AwsErrorCode(DecodeJsonRpc(Protocol::kAwsJson1_1, request, "AWSEvents.").status()),
            "UnknownOperationException");
}

TEST(Query, DecodesFormBodyAndWritesTheResponseEnvelope) {
  http::Request request{.method = "POST",
                        .target = "/",
                        .body =
                            "Action=Publish&Message=a+b%26c&MessageAttributes.entry.1.Name=k"
                            "&Version=2010-03-31"};
  auto decoded = DecodeQuery(request);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->action, "Publish");
  EXPECT_EQ(decoded->version, "2010-03-31");
  EXPECT_EQ(decoded->Get("Message"), "a b&c");
  EXPECT_EQ(decoded->Get("MessageAttributes.entry.1.Name"), "k");
  EXPECT_EQ(AwsErrorCode(DecodeQuery(http::Request{.method = "POST", .body = "A=1"}).status()),
            "MissingAction");
  http::Response response = QueryResponse("Publish", "http://sns.amazonaws.com/doc/2010-03-31/",
                                          "<MessageId>m</MessageId>", "rid");
  EXPECT_EQ(response.body,
            "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
            "<MessageId>m</MessageId></PublishResult><ResponseMetadata><RequestId>rid</RequestId>"
            "</ResponseMetadata></PublishResponse>");
}

TEST(Xml, EscapesMarkupAndReplacesControls) {
  EXPECT_EQ(XmlEscape("a<b>&\"'\x01\n\t\r"), "a&lt;b&gt;&amp;&quot;&apos;\xEF\xBF\xBD\n\t&#xD;");
  EXPECT_EQ(XmlEscape(std::string_view("\x00\x01\x1F\x7F\xC3\xA9", 6), XmlControls::kReference),
            "&#x0;&#x1;&#x1F;\x7F\xC3\xA9");
}

// The shape of S3's ListObjectsV2 answer: declaration, namespaced root, nested elements.
TEST(Xml, WritesAnS3ListBucketResult) {
  XmlWriter xml(XmlControls::kReference);
  xml.Declaration()
      .Open("ListBucketResult", "http://s3.amazonaws.com/doc/2006-03-01/")
      .Element("Name", "b")
      .Element("Prefix", "")
      .Element("KeyCount", "1")
      .Open("Contents")
      .Element("Key", "a&b\x01\r")
      .Element("ETag", "\"e\"")
      .Close("Contents")
      .Close("ListBucketResult");
  EXPECT_EQ(xml.str(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
            "<Prefix></Prefix><KeyCount>1</KeyCount><Contents><Key>a&amp;b&#x1;&#xD;</Key>"
            "<ETag>&quot;e&quot;</ETag></Contents></ListBucketResult>");
}

TEST(Xml, WritesAttributesAndTextInsideAnOpenElement) {
  XmlWriter xml;
  xml.OpenWithAttributes("Grantee", {{"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"},
                                     {"xsi:type", "Group"}})
      .Close("Grantee")
      .OpenWithAttributes("a", {{"v", "<\"&'\t\n\r>"}})
      .Close("a")
      .Open("LocationConstraint", "http://s3.amazonaws.com/doc/2006-03-01/")
      .Text("eu-west-1 & <more>")
      .Close("LocationConstraint");
  EXPECT_EQ(xml.str(),
            "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">"
            "</Grantee><a v=\"&lt;&quot;&amp;&apos;&#x9;&#xA;&#xD;&gt;\"></a>"
            "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "eu-west-1 &amp; &lt;more&gt;</LocationConstraint>");
}

}  // namespace
}  // namespace serval::protocol
