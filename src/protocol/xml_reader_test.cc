#include "protocol/xml_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "common/aws_error.h"
#include "protocol/xml.h"

namespace serval::protocol {
namespace {

// Parses a document that must parse.
XmlElement Parse(std::string_view document) {
  absl::StatusOr<XmlElement> root = ParseXml(document);
  EXPECT_TRUE(root.ok()) << root.status() << " for " << document;
  return root.ok() ? *std::move(root) : XmlElement{};
}

void ExpectMalformed(std::string_view document, const XmlLimits& limits = {}) {
  absl::StatusOr<XmlElement> root = ParseXml(document, limits);
  ASSERT_FALSE(root.ok()) << "parsed: " << document;
  EXPECT_EQ(root.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsErrorCode(root.status()), "MalformedXML") << document;
  EXPECT_EQ(root.status().message(),
            "The XML you provided was not well-formed or did not validate against our published "
            "schema");
}

TEST(ParseXml, DropsNamespacesAndPrefixes) {
  XmlElement root = Parse(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<s3:Tagging xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:TagSet>"
      "<Tag xmlns=\"urn:other\"><Key>k</Key></Tag></s3:TagSet></s3:Tagging>");
  EXPECT_EQ(root.name, "Tagging");
  EXPECT_TRUE(root.attributes.empty());  // xmlns declarations are not attributes
  ASSERT_NE(root.Child("TagSet"), nullptr);
  EXPECT_EQ(root.Child("TagSet")->Child("Tag")->ChildText("Key"), "k");
}

TEST(ParseXml, NestedAndRepeatedChildrenInDocumentOrder) {
  XmlElement root = Parse("<a><b>1</b><c><d>x</d></c><b>2</b><b/></a>");
  ASSERT_EQ(root.children.size(), 4u);
  std::vector<const XmlElement*> bs = root.Children("b");
  ASSERT_EQ(bs.size(), 3u);
  EXPECT_EQ(bs[0]->text, "1");
  EXPECT_EQ(bs[1]->text, "2");
  EXPECT_EQ(bs[2]->text, "");
  EXPECT_EQ(root.ChildText("b"), "1");
  EXPECT_EQ(root.Child("c")->ChildText("d"), "x");
  EXPECT_EQ(root.ChildText("missing"), std::nullopt);
  EXPECT_EQ(root.Child("missing"), nullptr);
  EXPECT_TRUE(root.Children("missing").empty());
  // An empty child is present with empty text, unlike a missing one.
  EXPECT_EQ(Parse("<a><b></b></a>").ChildText("b"), "");
}

TEST(ParseXml, ResolvesEntitiesCharacterReferencesAndCdata) {
  XmlElement root =
      Parse("<Key>&amp;&lt;&gt;&quot;&apos;&#x41;&#66;<![CDATA[<not a tag> & ]]>tail</Key>");
  EXPECT_EQ(root.text, "&<>\"'AB<not a tag> & tail");
}

TEST(ParseXml, KeepsUtf8AndWhitespaceAndNormalizesLineEnds) {
  EXPECT_EQ(Parse("<Key>  caf\xC3\xA9 \xF0\x9F\x98\x80\t </Key>").text,
            "  caf\xC3\xA9 \xF0\x9F\x98\x80\t ");
  // XML turns a literal CR LF (or lone CR) into LF; an S3 key with a CR must carry &#13;.
  EXPECT_EQ(Parse("<Key>a\r\nb\rc&#13;d&#xD;&#10;</Key>").text, "a\nb\nc\rd\r\n");
  // Whitespace between children stays in the parent's text.
  XmlElement root = Parse("<Delete>\n  <Object><Key> k </Key></Object>\n</Delete>");
  EXPECT_EQ(root.text, "\n  \n");
  EXPECT_EQ(root.Child("Object")->ChildText("Key"), " k ");
}

TEST(ParseXml, IgnoresCommentsAndProcessingInstructions) {
  XmlElement root = Parse("<?xml version=\"1.0\"?><!-- c --><a>x<!-- y -->z<?pi data?></a><!---->");
  EXPECT_EQ(root.text, "xz");
  EXPECT_TRUE(root.children.empty());
}

TEST(ParseXml, HonorsADeclaredEncoding) {
  EXPECT_EQ(Parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>").text, "\xC3\xA9");
}

TEST(ParseXml, KeepsAttributesByLocalName) {
  XmlElement root = Parse(
      "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\" "
      "plain='a&amp;b'><URI>u</URI></Grantee>");
  ASSERT_EQ(root.attributes.size(), 2u);
  EXPECT_EQ(root.Attribute("type"), "Group");
  EXPECT_EQ(root.Attribute("plain"), "a&b");
  EXPECT_EQ(root.Attribute("missing"), std::nullopt);
}

TEST(ParseXml, RefusesMalformedDocuments) {
  ExpectMalformed("");
  ExpectMalformed("   \n");
  ExpectMalformed("<?xml version=\"1.0\"?>");
  ExpectMalformed("<a>");
  ExpectMalformed("<a><b></a>");
  ExpectMalformed("<a></b>");
  ExpectMalformed("<a/><b/>");
  ExpectMalformed("<a/>junk");
  ExpectMalformed("junk");
  ExpectMalformed("{\"Parts\": []}");
  ExpectMalformed("<a>&unknown;</a>");
  ExpectMalformed("<a>&#0;</a>");
  ExpectMalformed("<a>\x01</a>");
  ExpectMalformed("<a>\xFF\xFE</a>");  // not UTF-8
  ExpectMalformed("<a x='1' x='2'/>");
  ExpectMalformed("<p:a/>");  // undeclared prefix
  ExpectMalformed(std::string_view("<a>\0</a>", 8));
}

TEST(ParseXml, RefusesAnyDoctype) {
  ExpectMalformed("<!DOCTYPE a><a/>");
  ExpectMalformed("<!DOCTYPE a [<!ELEMENT a ANY>]><a/>");
  // External entities: nothing is read from disk or the network, the DOCTYPE alone refuses.
  ExpectMalformed(
      "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<a>&xxe;</a>");
  ExpectMalformed("<!DOCTYPE a [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]><a/>");
}

TEST(ParseXml, RefusesBillionLaughs) {
  std::string document = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    document += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) document += "&lol" + std::to_string(i - 1) + ";";
    document += "\">\n";
  }
  document += "]>\n<lolz>&lol9;</lolz>";
  ExpectMalformed(document);
}

std::string Nested(int depth) {
  std::string document;
  for (int i = 0; i < depth; ++i) document += "<a>";
  for (int i = 0; i < depth; ++i) document += "</a>";
  return document;
}

TEST(ParseXml, EnforcesTheDepthLimit) {
  EXPECT_TRUE(ParseXml(Nested(64)).ok());
  ExpectMalformed(Nested(65));
  ExpectMalformed(Nested(100'000));
  EXPECT_TRUE(ParseXml(Nested(3), {.max_depth = 3}).ok());
  ExpectMalformed(Nested(4), {.max_depth = 3});
  // Refused at an empty element, whose end expat reports even after the stop.
  ExpectMalformed("<a><b><c/></b></a>", {.max_depth = 2});
}

TEST(ParseXml, EnforcesTheElementLimit) {
  EXPECT_TRUE(ParseXml("<a><b/><b/></a>", {.max_elements = 3}).ok());
  ExpectMalformed("<a><b/><b/><b/></a>", {.max_elements = 3});
}

TEST(ParseXml, EnforcesTheSizeLimit) {
  std::string document = "<a>" + std::string(100, 'x') + "</a>";
  EXPECT_TRUE(ParseXml(document, {.max_bytes = document.size()}).ok());
  absl::StatusOr<XmlElement> root = ParseXml(document, {.max_bytes = document.size() - 1});
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsErrorCode(root.status()), "MaxMessageLengthExceeded");
  EXPECT_EQ(root.status().message(), "Your request was too big.");
}

TEST(ParseXml, MalformedXmlIsTheStatusParseXmlReturns) {
  EXPECT_EQ(MalformedXml(), ParseXml("<a>").status());
}

// The bodies below are what boto3 1.43 sends, captured from the wire.

TEST(ParseXml, Boto3CompleteMultipartUpload) {
  XmlElement root = Parse(
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><ETag>"
      "\"etag1\"</ETag><PartNumber>1</PartNumber></Part><Part><ETag>\"etag2\"</ETag><PartNumber>2"
      "</PartNumber></Part></CompleteMultipartUpload>");
  EXPECT_EQ(root.name, "CompleteMultipartUpload");
  std::vector<const XmlElement*> parts = root.Children("Part");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]->ChildText("ETag"), "\"etag1\"");
  EXPECT_EQ(parts[0]->ChildText("PartNumber"), "1");
  EXPECT_EQ(parts[1]->ChildText("ETag"), "\"etag2\"");
  EXPECT_EQ(parts[1]->ChildText("PartNumber"), "2");
}

TEST(ParseXml, Boto3DeleteObjectsQuiet) {
  XmlElement root = Parse(
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a&amp;b&lt;c&gt;.txt"
      "</Key></Object><Object><Key>v</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet>"
      "</Delete>");
  EXPECT_EQ(root.name, "Delete");
  EXPECT_EQ(root.ChildText("Quiet"), "true");
  std::vector<const XmlElement*> objects = root.Children("Object");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]->ChildText("Key"), "a&b<c>.txt");
  EXPECT_EQ(objects[0]->ChildText("VersionId"), std::nullopt);
  EXPECT_EQ(objects[1]->ChildText("Key"), "v");
  EXPECT_EQ(objects[1]->ChildText("VersionId"), "v1");
}

// put_bucket_notification_configuration's LambdaFunctionConfigurations travel under the legacy
// names CloudFunctionConfiguration and CloudFunction; QueueArn as Queue; an empty
// EventBridgeConfiguration as a self-closed element.
TEST(ParseXml, Boto3PutBucketNotificationConfiguration) {
  XmlElement root = Parse(
      "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<CloudFunctionConfiguration><Id>l1</Id><CloudFunction>arn:aws:lambda:us-east-1:"
      "000000000000:function:f</CloudFunction><Event>s3:ObjectCreated:*</Event><Filter><S3Key>"
      "<FilterRule><Name>prefix</Name><Value>images/</Value></FilterRule><FilterRule><Name>suffix"
      "</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration>"
      "<QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>"
      "s3:ObjectRemoved:*</Event></QueueConfiguration><EventBridgeConfiguration />"
      "</NotificationConfiguration>");
  EXPECT_EQ(root.name, "NotificationConfiguration");
  const XmlElement* lambda = root.Child("CloudFunctionConfiguration");
  ASSERT_NE(lambda, nullptr);
  EXPECT_EQ(lambda->ChildText("Id"), "l1");
  EXPECT_EQ(lambda->ChildText("CloudFunction"), "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(lambda->ChildText("Event"), "s3:ObjectCreated:*");
  std::vector<const XmlElement*> rules =
      lambda->Child("Filter")->Child("S3Key")->Children("FilterRule");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1]->ChildText("Name"), "suffix");
  EXPECT_EQ(rules[1]->ChildText("Value"), ".jpg");
  EXPECT_EQ(root.Child("QueueConfiguration")->ChildText("Queue"),
            "arn:aws:sqs:us-east-1:000000000000:q");
  ASSERT_NE(root.Child("EventBridgeConfiguration"), nullptr);
  EXPECT_TRUE(root.Child("EventBridgeConfiguration")->children.empty());
}

// The deprecated put_bucket_notification: one configuration of each kind, repeated <Event>.
TEST(ParseXml, Boto3PutBucketNotificationLegacy) {
  XmlElement root = Parse(
      "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<CloudFunctionConfiguration><Id>f1</Id><Event>s3:ObjectCreated:*</Event><Event>"
      "s3:ObjectRemoved:*</Event><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f"
      "</CloudFunction><InvocationRole>arn:aws:iam::000000000000:role/r</InvocationRole>"
      "</CloudFunctionConfiguration><TopicConfiguration><Id>t1</Id><Event>s3:ObjectCreated:Put"
      "</Event><Topic>arn:aws:sns:us-east-1:000000000000:t</Topic></TopicConfiguration>"
      "</NotificationConfiguration>");
  const XmlElement* function = root.Child("CloudFunctionConfiguration");
  ASSERT_NE(function, nullptr);
  std::vector<const XmlElement*> events = function->Children("Event");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]->text, "s3:ObjectRemoved:*");
  EXPECT_EQ(function->ChildText("InvocationRole"), "arn:aws:iam::000000000000:role/r");
  EXPECT_EQ(root.Child("TopicConfiguration")->ChildText("Topic"),
            "arn:aws:sns:us-east-1:000000000000:t");
}

TEST(ParseXml, Boto3PutBucketLifecycleConfiguration) {
  XmlElement root = Parse(
      "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ID>"
      "expire-logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration>"
      "<Days>30</Days></Expiration><Transition><Days>7</Days><StorageClass>STANDARD_IA"
      "</StorageClass></Transition><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays>"
      "</NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
      "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule><Rule><ID>tagged</ID><Filter>"
      "<And><Prefix>tmp/</Prefix><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key>"
      "<Value>v2</Value></Tag></And></Filter><Status>Disabled</Status><Expiration><Date>"
      "2030-01-01T00:00:00Z</Date></Expiration></Rule></LifecycleConfiguration>");
  std::vector<const XmlElement*> rules = root.Children("Rule");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]->ChildText("ID"), "expire-logs");
  EXPECT_EQ(rules[0]->Child("Filter")->ChildText("Prefix"), "logs/");
  EXPECT_EQ(rules[0]->ChildText("Status"), "Enabled");
  EXPECT_EQ(rules[0]->Child("Expiration")->ChildText("Days"), "30");
  EXPECT_EQ(rules[0]->Child("Transition")->ChildText("StorageClass"), "STANDARD_IA");
  EXPECT_EQ(rules[0]->Child("AbortIncompleteMultipartUpload")->ChildText("DaysAfterInitiation"),
            "1");
  const XmlElement* conjunction = rules[1]->Child("Filter")->Child("And");
  ASSERT_NE(conjunction, nullptr);
  std::vector<const XmlElement*> tags = conjunction->Children("Tag");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[1]->ChildText("Key"), "k2");
  EXPECT_EQ(rules[1]->Child("Expiration")->ChildText("Date"), "2030-01-01T00:00:00Z");
}

TEST(ParseXml, Boto3PutBucketWebsiteWithRoutingRules) {
  XmlElement root = Parse(
      "<WebsiteConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IndexDocument>"
      "<Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>error.html</Key>"
      "</ErrorDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>docs/"
      "</KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith>documents/"
      "</ReplaceKeyPrefixWith></Redirect></RoutingRule><RoutingRule><Condition>"
      "<HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect>"
      "<HostName>example.com</HostName><Protocol>https</Protocol><HttpRedirectCode>302"
      "</HttpRedirectCode><ReplaceKeyWith>missing.html</ReplaceKeyWith></Redirect></RoutingRule>"
      "</RoutingRules></WebsiteConfiguration>");
  EXPECT_EQ(root.Child("IndexDocument")->ChildText("Suffix"), "index.html");
  EXPECT_EQ(root.Child("ErrorDocument")->ChildText("Key"), "error.html");
  std::vector<const XmlElement*> rules = root.Child("RoutingRules")->Children("RoutingRule");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]->Child("Condition")->ChildText("KeyPrefixEquals"), "docs/");
  EXPECT_EQ(rules[0]->Child("Redirect")->ChildText("ReplaceKeyPrefixWith"), "documents/");
  EXPECT_EQ(rules[1]->Child("Condition")->ChildText("HttpErrorCodeReturnedEquals"), "404");
  const XmlElement* redirect = rules[1]->Child("Redirect");
  EXPECT_EQ(redirect->ChildText("HostName"), "example.com");
  EXPECT_EQ(redirect->ChildText("Protocol"), "https");
  EXPECT_EQ(redirect->ChildText("HttpRedirectCode"), "302");
  EXPECT_EQ(redirect->ChildText("ReplaceKeyWith"), "missing.html");
}

TEST(ParseXml, Boto3PutBucketAclGranteeType) {
  XmlElement root = Parse(
      "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>o</ID>"
      "</Owner><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/"
      "XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>o</ID></Grantee><Permission>"
      "FULL_CONTROL</Permission></Grant><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/"
      "XMLSchema-instance\" xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/"
      "AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList>"
      "</AccessControlPolicy>");
  std::vector<const XmlElement*> grants = root.Child("AccessControlList")->Children("Grant");
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0]->Child("Grantee")->Attribute("type"), "CanonicalUser");
  EXPECT_EQ(grants[1]->Child("Grantee")->Attribute("type"), "Group");
  EXPECT_EQ(grants[1]->Child("Grantee")->ChildText("URI"),
            "http://acs.amazonaws.com/groups/global/AllUsers");
  EXPECT_EQ(grants[1]->ChildText("Permission"), "READ");
}

// What XmlWriter writes, ParseXml reads back unchanged: CR (which a parser would turn into LF)
// included, in text and in attribute values.
TEST(XmlRoundTrip, WriterOutputParsesBackToTheSameText) {
  const std::string text = "k\r\n\t <&>\"' caf\xC3\xA9 \xF0\x9F\x98\x80 \r";
  XmlWriter xml;
  xml.Declaration()
      .OpenWithAttributes("Root",
                          {{"xmlns", "http://s3.amazonaws.com/doc/2006-03-01/"}, {"value", text}})
      .Element("Key", text)
      .Close("Root");
  XmlElement root = Parse(xml.str());
  EXPECT_EQ(root.name, "Root");
  EXPECT_EQ(root.ChildText("Key"), text);
  EXPECT_EQ(root.Attribute("value"), text);
}

// S3's references for controls ("&#x1;") are not XML 1.0: a strict parser, this one and
// botocore's, refuses them, as it refuses them in a request.
TEST(XmlRoundTrip, ControlReferencesAreRefusedAsS3sAre) {
  XmlWriter xml(XmlControls::kReference);
  xml.Element("Key",
              "a\x01"
              "b");
  EXPECT_EQ(xml.str(), "<Key>a&#x1;b</Key>");
  ExpectMalformed(xml.str());
  XmlWriter replacing;
  replacing.Element("Key",
                    "a\x01"
                    "b");
  EXPECT_EQ(Parse(replacing.str()).text,
            "a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace serval::protocol
