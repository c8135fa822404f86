#include "services/s3/notifications.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/aws_error.h"

namespace serval::s3 {
namespace {

constexpr std::string_view kArn = "arn:aws:lambda:us-east-1:000000000000:function:f";

std::string Config(std::string_view inner) {
  return "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
         std::string(inner) + "</NotificationConfiguration>";
}

TEST(Notifications, ParsesLegacyNamesAndNormalisesFilterRules) {
  auto config = ParseNotificationXml(Config(
      "<CloudFunctionConfiguration><Id>l1</Id><CloudFunction>" + std::string(kArn) +
      "</CloudFunction><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>PREFIX"
      "</Name><Value>in/</Value></FilterRule><FilterRule><Name>suffix</Name><Value>.jpg</Value>"
      "</FilterRule></S3Key></Filter></CloudFunctionConfiguration>"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->targets.size(), 1u);
  const NotificationTarget& target = config->targets[0];
  EXPECT_EQ(target.id, "l1");
  EXPECT_EQ(target.arn, kArn);
  EXPECT_EQ(target.filter_rules, (std::vector<std::pair<std::string, std::string>>{
                                     {"Prefix", "in/"}, {"Suffix", ".jpg"}}));
  // What GET answers parses back to the same configuration.
  auto again = ParseNotificationXml(NotificationXml(*config).str());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->targets[0].filter_rules, target.filter_rules);
  EXPECT_EQ(again->targets[0].events, target.events);
}

TEST(Notifications, RefusesWhatS3Refuses) {
  auto code_of = [](std::string_view body) {
    auto config = ParseNotificationXml(Config(body));
    return config.ok() ? std::string("OK") : AwsErrorCode(config.status());
  };
  const std::string function = "<CloudFunction>" + std::string(kArn) + "</CloudFunction>";
  EXPECT_EQ(code_of("<CloudFunctionConfiguration>" + function +
                    "<Event>s3:ObjectCreated:Nope</Event></CloudFunctionConfiguration>"),
            "InvalidArgument");
  EXPECT_EQ(code_of("<CloudFunctionConfiguration><CloudFunction>arn:aws:sns:x</CloudFunction>"
                    "<Event>s3:ObjectCreated:*</Event></CloudFunctionConfiguration>"),
            "InvalidArgument");
  EXPECT_EQ(code_of("<CloudFunctionConfiguration>" + function + "</CloudFunctionConfiguration>"),
            "MalformedXML");
  EXPECT_EQ(code_of("<Unknown/>"), "MalformedXML");
  EXPECT_EQ(code_of("<CloudFunctionConfiguration>" + function +
                    "<Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix"
                    "</Name><Value>a</Value></FilterRule><FilterRule><Name>Prefix</Name><Value>b"
                    "</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration>"),
            "InvalidArgument");
}

TEST(Notifications, MatchesEventTypesAndKeyFilters) {
  NotificationTarget target{.events = {"s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"},
                            .filter_rules = {{"Prefix", "in/"}, {"Suffix", ".txt"}}};
  EXPECT_TRUE(Matches(target, "ObjectCreated:Put", "in/a.txt"));
  EXPECT_TRUE(Matches(target, "ObjectCreated:CompleteMultipartUpload", "in/a.txt"));
  EXPECT_TRUE(Matches(target, "ObjectRemoved:Delete", "in/a.txt"));
  EXPECT_FALSE(Matches(target, "ObjectRemoved:DeleteMarkerCreated", "in/a.txt"));
  EXPECT_FALSE(Matches(target, "LifecycleExpiration:Delete", "in/a.txt"));
  EXPECT_FALSE(Matches(target, "ObjectCreated:Put", "out/a.txt"));
  EXPECT_FALSE(Matches(target, "ObjectCreated:Put", "in/a.jpg"));
}

TEST(Notifications, FormEncodesKeys) {
  EXPECT_EQ(EventKey("red flower.jpg"), "red+flower.jpg");
  EXPECT_EQ(EventKey("a+b@c/d~e"), "a%2Bb%40c/d%7Ee");
}

TEST(Notifications, RecordsHaveS3sShape) {
  ObjectEvent event{.name = "ObjectRemoved:Delete",
                    .region = "us-east-1",
                    .time_millis = 0,
                    .principal_id = "AWS:test",
                    .source_ip = "127.0.0.1",
                    .request_id = "rid",
                    .bucket = "b",
                    .key = "k",
                    .sequencer = "0A"};
  boost::json::value parsed = boost::json::parse(EventRecordJson(event, "cfg"));
  const boost::json::object& record = parsed.at("Records").at(0).as_object();
  EXPECT_EQ(record.at("eventTime"), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(record.at("s3").at("configurationId"), "cfg");
  EXPECT_EQ(record.at("s3").at("object").as_object().size(), 2u);  // key and sequencer only
  event.size = 5;
  event.etag = "abc";
  parsed = boost::json::parse(EventRecordJson(event, "cfg"));
  EXPECT_EQ(parsed.at("Records").at(0).at("s3").at("object").at("size"), 5);
}

}  // namespace
}  // namespace serval::s3
