#include <gtest/gtest.h>

#include "common/aws_error.h"
#include "services/s3/lifecycle.h"
#include "services/s3/s3_address.h"
#include "services/s3/website.h"

namespace serval::s3 {
namespace {

// 2030-01-15 10:30:00 UTC.
constexpr int64_t kJan15At1030 = 1894703400000;

std::string CodeOf(const absl::Status& status) { return std::string(AwsErrorCode(status)); }

TEST(S3Address, WebsitePathForm) {
  http::Request request{.method = "GET", .target = "/_website/site/docs/a%20b.html"};
  request.headers.emplace_back("Host", "127.0.0.1:4566");
  const S3Address address = AddressOf(request);
  EXPECT_TRUE(address.website);
  EXPECT_EQ(address.bucket, "site");
  EXPECT_EQ(address.key, "docs/a b.html");
  EXPECT_EQ(address.website_root, "/_website/site");
  request.target = "/_websitex/k";
  EXPECT_FALSE(AddressOf(request).website);
  request.headers[0].second = "site.s3-website.localhost:4566";
  request.target = "/a";
  EXPECT_TRUE(AddressOf(request).website);
  EXPECT_EQ(AddressOf(request).website_root, "");
}

TEST(Website, ConfigurationRoundTripsAndIsChecked) {
  auto parsed = ParseWebsiteXml(
      "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>"
      "<RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a/</KeyPrefixEquals></Condition>"
      "<Redirect><ReplaceKeyPrefixWith>b/</ReplaceKeyPrefixWith></Redirect></RoutingRule>"
      "</RoutingRules></WebsiteConfiguration>");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto again = ParseWebsiteXml(WebsiteXml(*parsed).str());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(WebsiteXml(*again).str(), WebsiteXml(*parsed).str());
  EXPECT_EQ(CodeOf(ParseWebsiteXml("<WebsiteConfiguration/>").status()), "InvalidArgument");
  EXPECT_EQ(CodeOf(ParseWebsiteXml("<WebsiteConfiguration><IndexDocument><Suffix>a/b"
                                   "</Suffix></IndexDocument></WebsiteConfiguration>")
                       .status()),
            "InvalidArgument");
  EXPECT_EQ(CodeOf(ParseWebsiteXml("<Website").status()), "MalformedXML");
  EXPECT_EQ(CodeOf(ParseWebsiteXml(
                       "<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument>"
                       "<RoutingRules><RoutingRule><Redirect><HttpRedirectCode>200"
                       "</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>"
                       "</WebsiteConfiguration>")
                       .status()),
            "InvalidRequest");
}

TEST(Website, RoutingRulesMatchBeforeOrAfterTheLookup) {
  WebsiteConfiguration configuration;
  configuration.routing_rules.push_back(
      {.key_prefix_equals = "docs/", .redirect = {.replace_key_prefix_with = "documents/"}});
  configuration.routing_rules.push_back(
      {.http_error_code_returned_equals = "404", .redirect = {.host_name = "example.com"}});
  const WebsiteRoutingRule* rule = MatchRoutingRule(configuration, "docs/a b", 0);
  ASSERT_NE(rule, nullptr);
  WebsiteRedirectAnswer answer = RoutingRuleRedirect(*rule, "docs/a b", "h:1", "/_website/s");
  EXPECT_EQ(answer.status, 301);
  EXPECT_EQ(answer.location, "http://h:1/_website/s/documents/a%20b");
  EXPECT_EQ(MatchRoutingRule(configuration, "x", 0), nullptr);
  rule = MatchRoutingRule(configuration, "x", 404);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(RoutingRuleRedirect(*rule, "x", "h:1", "/_website/s").location, "http://example.com/x");
  EXPECT_EQ(MatchRoutingRule(configuration, "x", 403), nullptr);
}

TEST(Lifecycle, DaysRoundUpToTheNextMidnight) {
  auto configuration = ParseLifecycleXml(
      "<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status>"
      "<Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>3</Days></Expiration></Rule>"
      "</LifecycleConfiguration>");
  ASSERT_TRUE(configuration.ok()) << configuration.status();
  ObjectRecord record{.last_modified_millis = kJan15At1030};
  std::optional<Expiry> expiry = ObjectExpiry(*configuration, "tmp/a", record);
  ASSERT_TRUE(expiry.has_value());
  EXPECT_EQ(expiry->at_millis, kJan15At1030 + 3 * kMillisPerDay + 13 * 3600000 + 30 * 60000);
  EXPECT_EQ(ExpirationHeader(*expiry),
            "expiry-date=\"Sat, 19 Jan 2030 00:00:00 GMT\", rule-id=\"r\"");
  EXPECT_FALSE(ObjectExpiry(*configuration, "other", record).has_value());
  record.last_modified_millis = kJan15At1030 - (10 * 60 + 30) * 60000;  // midnight itself
  EXPECT_EQ(ObjectExpiry(*configuration, "tmp/a", record)->at_millis,
            record.last_modified_millis + 3 * kMillisPerDay);
}

TEST(Lifecycle, BadConfigurationsGetS3Errors) {
  auto code = [](std::string_view rule) {
    return CodeOf(ParseLifecycleXml("<LifecycleConfiguration><Rule>" + std::string(rule) +
                                    "</Rule></LifecycleConfiguration>")
                      .status());
  };
  EXPECT_EQ(code("<Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T12:00:00Z"
                 "</Date></Expiration>"),
            "InvalidArgument");
  EXPECT_EQ(code("<Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T00:00:00.000Z"
                 "</Date></Expiration>"),
            "");
  EXPECT_EQ(code("<Status>On</Status><Filter/><Expiration><Days>1</Days></Expiration>"),
            "MalformedXML");
  EXPECT_EQ(code("<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"),
            "MalformedXML");
  EXPECT_EQ(code("<Status>Enabled</Status><Filter/><Expiration><Days>0</Days></Expiration>"),
            "InvalidArgument");
  EXPECT_EQ(code("<Status>Enabled</Status><Filter/>"), "InvalidRequest");
  EXPECT_EQ(code("<Status>Enabled</Status><Filter><Prefix>a</Prefix><Tag><Key>k</Key></Tag>"
                 "</Filter><Expiration><Days>1</Days></Expiration>"),
            "MalformedXML");
}

TEST(Lifecycle, DisabledRulesAndFiltersDecide) {
  auto configuration = ParseLifecycleXml(
      "<LifecycleConfiguration><Rule><ID>off</ID><Status>Disabled</Status><Filter/>"
      "<Expiration><Days>1</Days></Expiration></Rule><Rule><ID>tags</ID><Status>Enabled"
      "</Status><Filter><And><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeLessThan>10"
      "</ObjectSizeLessThan></And></Filter><Expiration><Days>2</Days></Expiration></Rule>"
      "<Rule><ID>abort</ID><Status>Enabled</Status><Filter><Prefix>up/</Prefix></Filter>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
      "</AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>");
  ASSERT_TRUE(configuration.ok()) << configuration.status();
  ObjectRecord record{.size = 5, .last_modified_millis = kJan15At1030};
  EXPECT_FALSE(ObjectExpiry(*configuration, "a", record).has_value());
  record.tags = {{"k", "v"}};
  EXPECT_EQ(ObjectExpiry(*configuration, "a", record)->rule_id, "tags");
  record.size = 10;
  EXPECT_FALSE(ObjectExpiry(*configuration, "a", record).has_value());
  EXPECT_TRUE(UploadAbortMillis(*configuration, "up/x", kJan15At1030).has_value());
  EXPECT_FALSE(UploadAbortMillis(*configuration, "x", kJan15At1030).has_value());
}

}  // namespace
}  // namespace serval::s3
