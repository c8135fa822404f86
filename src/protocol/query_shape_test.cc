#include "protocol/query_shape.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "protocol/protocol.h"

namespace serval::protocol {
namespace {

namespace json = boost::json;
using Kind = QueryShape::Kind;

const QueryShape kString{Kind::kString};
const QueryShape kInteger{Kind::kInteger};
const QueryShape kDouble{Kind::kDouble};
const QueryShape kTimestamp{Kind::kTimestamp};
const QueryShape kStrings{Kind::kList, {}, &kString};
const QueryShape kPair{Kind::kStructure, {{"Name", &kString}, {"Value", &kString}}};
const QueryShape kPairs{Kind::kList, {}, &kPair};
const QueryShape kDoubleMap{Kind::kMap, {}, &kDouble};
const QueryShape kInput{Kind::kStructure,
                        {{"Name", &kString},
                         {"Period", &kInteger},
                         {"Start", &kTimestamp},
                         {"Pairs", &kPairs},
                         {"Stats", &kStrings},
                         {"Empty", &kStrings},
                         {"Figures", &kDoubleMap}}};

QueryRequest Request(std::map<std::string, std::string> parameters) {
  return {.action = "Op", .parameters = std::move(parameters)};
}

TEST(QueryShape, QueryParametersBecomeTheJsonInput) {
  auto input = QueryInputToJson(Request({{"Name", "n"},
                                         {"Period", "60"},
                                         {"Start", "2024-01-01T00:00:01.500Z"},
                                         {"Pairs.member.2.Name", "b"},
                                         {"Pairs.member.1.Name", "a"},
                                         {"Pairs.member.1.Value", "x"},
                                         {"Stats.member.1", "Sum"},
                                         {"Empty", ""},
                                         {"Figures.entry.1.key", "p99"},
                                         {"Figures.entry.1.value", "2.5"},
                                         {"Ignored", "1"}}),
                                kInput);
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(json::serialize(*input),
            R"({"Name":"n","Period":60,"Start":1.7040672015E9,)"
            R"("Pairs":[{"Name":"a","Value":"x"},{"Name":"b"}],"Stats":["Sum"],"Empty":[],)"
            R"("Figures":{"p99":2.5E0}})");
}

TEST(QueryShape, ValuesThatDoNotParseAreInvalidParameterValue) {
  auto input = QueryInputToJson(Request({{"Period", "sixty"}}), kInput);
  EXPECT_EQ(AwsErrorCode(input.status()), "InvalidParameterValue");
  EXPECT_EQ(AwsErrorCode(QueryInputToJson(Request({{"Start", "yesterday"}}), kInput).status()),
            "InvalidParameterValue");
}

TEST(QueryShape, JsonOutputBecomesXml) {
  const QueryShape output{
      Kind::kStructure,
      {{"Label", &kString}, {"Start", &kTimestamp}, {"Pairs", &kPairs}, {"Figures", &kDoubleMap}}};
  json::object document{{"Label", "a<b"},
                        {"Start", 1704067200},
                        {"Pairs", json::array{json::object{{"Name", "n"}}}},
                        {"Figures", json::object{{"p50", 1.5}}},
                        {"Unknown", 1}};
  EXPECT_EQ(JsonOutputToQueryXml(document, output),
            "<Label>a&lt;b</Label><Start>2024-01-01T00:00:00Z</Start>"
            "<Pairs><member><Name>n</Name></member></Pairs>"
            "<Figures><entry><key>p50</key><value>1.5</value></entry></Figures>");
}

TEST(QueryShape, QueryCompatibleErrorsInBothFamilies) {
  const absl::Status status = WithQueryCompatibleType(
      AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue", "bad"),
      "InvalidParameterValueException");
  http::Response json_error = ErrorResponse(Protocol::kAwsJson1_0, status, "rid");
  EXPECT_EQ(json_error.status, 400);
  EXPECT_EQ(json::parse(json_error.body).as_object().at("__type"),
            "InvalidParameterValueException");
  bool has_header = false;
  for (const auto& [name, value] : json_error.headers) {
    if (name == "x-amzn-query-error") {
      EXPECT_EQ(value, "InvalidParameterValue;Sender");
      has_header = true;
    }
  }
  EXPECT_TRUE(has_header);
  http::Response query_error = ErrorResponse(Protocol::kQuery, status, "rid");
  EXPECT_NE(query_error.body.find("<Code>InvalidParameterValue</Code>"), std::string::npos);
}

}  // namespace
}  // namespace serval::protocol
