#include "services/dynamodb/dynamodb_access.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/dynamodb/shard_iterator.h"

namespace serval::dynamodb {
namespace {

namespace json = boost::json;

const AccountContext kAccount{.region = "eu-west-1", .account_id = "123456789012"};
constexpr std::string_view kTable = "arn:aws:dynamodb:eu-west-1:123456789012:table/";

// (action, resource) of each request, in order.
std::vector<std::pair<std::string, std::string>> Asked(std::string_view operation,
                                                       std::string_view input) {
  std::vector<std::pair<std::string, std::string>> asked;
  for (const iam::AccessRequest& request :
       AccessRequestsFor(operation, json::parse(input).as_object(), kAccount)) {
    asked.emplace_back(request.action, request.resource);
  }
  return asked;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(DynamoDbAccess, ItemAndTableOperationsAskForTheirOwnActionOnTheTable) {
  for (std::string_view operation :
       {"PutItem", "GetItem", "UpdateItem", "DeleteItem", "CreateTable", "DescribeTable",
        "UpdateTable", "DeleteTable", "UpdateTimeToLive", "DescribeTimeToLive"}) {
    EXPECT_EQ(Asked(operation, R"({"TableName": "music"})"),
              (Pairs{{"dynamodb:" + std::string(operation), std::string(kTable) + "music"}}))
        << operation;
  }
}

TEST(DynamoDbAccess, ATableArnInPlaceOfTheNameIsTheResource) {
  EXPECT_EQ(Asked("GetItem", R"({"TableName": "arn:aws:dynamodb:eu-west-1:123456789012:table/t"})"),
            (Pairs{{"dynamodb:GetItem", std::string(kTable) + "t"}}));
}

TEST(DynamoDbAccess, QueryAndScanOfAnIndexNameTheIndex) {
  EXPECT_EQ(Asked("Query", R"({"TableName": "music", "IndexName": "by-artist"})"),
            (Pairs{{"dynamodb:Query", std::string(kTable) + "music/index/by-artist"}}));
  EXPECT_EQ(Asked("Scan", R"({"TableName": "music"})"),
            (Pairs{{"dynamodb:Scan", std::string(kTable) + "music"}}));
  // IndexName means nothing to GetItem.
  EXPECT_EQ(Asked("GetItem", R"({"TableName": "music", "IndexName": "x"})"),
            (Pairs{{"dynamodb:GetItem", std::string(kTable) + "music"}}));
}

TEST(DynamoDbAccess, ActionsWithoutAResourceAskForStar) {
  EXPECT_EQ(Asked("ListTables", "{}"), (Pairs{{"dynamodb:ListTables", "*"}}));
  EXPECT_EQ(Asked("DescribeEndpoints", "{}"), (Pairs{{"dynamodb:DescribeEndpoints", "*"}}));
  EXPECT_EQ(Asked("ListStreams", R"({"TableName": "music"})"),
            (Pairs{{"dynamodb:ListStreams", "*"}}));
}

TEST(DynamoDbAccess, TaggingNamesTheResourceArn) {
  const std::string arn = std::string(kTable) + "music";
  for (std::string_view operation : {"TagResource", "UntagResource", "ListTagsOfResource"}) {
    EXPECT_EQ(Asked(operation, R"({"ResourceArn": ")" + arn + R"("})"),
              (Pairs{{"dynamodb:" + std::string(operation), arn}}));
  }
}

TEST(DynamoDbAccess, BatchesAskOncePerTable) {
  EXPECT_EQ(Asked("BatchWriteItem", R"({"RequestItems": {"a": [{}, {}], "b": [{}]}})"),
            (Pairs{{"dynamodb:BatchWriteItem", std::string(kTable) + "a"},
                   {"dynamodb:BatchWriteItem", std::string(kTable) + "b"}}));
  EXPECT_EQ(Asked("BatchGetItem", R"({"RequestItems": {"a": {"Keys": []}}})"),
            (Pairs{{"dynamodb:BatchGetItem", std::string(kTable) + "a"}}));
}

TEST(DynamoDbAccess, TransactionsAskForEachElementsItemActionOncePerTable) {
  EXPECT_EQ(Asked("TransactWriteItems", R"({"TransactItems": [
                     {"Put": {"TableName": "a"}}, {"Put": {"TableName": "a"}},
                     {"Update": {"TableName": "a"}}, {"Delete": {"TableName": "b"}},
                     {"ConditionCheck": {"TableName": "c"}}]})"),
            (Pairs{{"dynamodb:PutItem", std::string(kTable) + "a"},
                   {"dynamodb:UpdateItem", std::string(kTable) + "a"},
                   {"dynamodb:DeleteItem", std::string(kTable) + "b"},
                   {"dynamodb:ConditionCheckItem", std::string(kTable) + "c"}}));
  EXPECT_EQ(Asked("TransactGetItems", R"({"TransactItems": [{"Get": {"TableName": "a"}},
                     {"Get": {"TableName": "b"}}, {"Get": {"TableName": "a"}}]})"),
            (Pairs{{"dynamodb:GetItem", std::string(kTable) + "a"},
                   {"dynamodb:GetItem", std::string(kTable) + "b"}}));
}

TEST(DynamoDbAccess, StreamOperationsNameTheStream) {
  const std::string stream = std::string(kTable) + "music/stream/2024-01-01T00:00:00.000";
  EXPECT_EQ(Asked("DescribeStream", R"({"StreamArn": ")" + stream + R"("})"),
            (Pairs{{"dynamodb:DescribeStream", stream}}));
  EXPECT_EQ(Asked("GetShardIterator", R"({"StreamArn": ")" + stream + R"(", "ShardId": "s"})"),
            (Pairs{{"dynamodb:GetShardIterator", stream}}));
  EXPECT_EQ(Asked("GetRecords",
                  R"({"ShardIterator": ")" + EncodeIterator(stream, "shardId-1", 7) + R"("})"),
            (Pairs{{"dynamodb:GetRecords", stream}}));
}

TEST(DynamoDbAccess, ARequestWithoutItsResourceAsksNothing) {
  // The operation answers these with its own ValidationException.
  EXPECT_TRUE(Asked("PutItem", "{}").empty());
  EXPECT_TRUE(Asked("PutItem", R"({"TableName": 7})").empty());
  EXPECT_TRUE(Asked("GetRecords", R"({"ShardIterator": "garbage"})").empty());
  EXPECT_TRUE(Asked("TransactWriteItems", R"({"TransactItems": [{"Put": {}}]})").empty());
  EXPECT_TRUE(Asked("NoSuchOperation", R"({"TableName": "t"})").empty());
}

}  // namespace
}  // namespace serval::dynamodb
