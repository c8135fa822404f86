#include "services/rds/rds_access.h"

#include <gtest/gtest.h>

namespace serval::rds {
namespace {

constexpr std::string_view kDb = "arn:aws:rds:us-east-1:000000000000:db:orders";

using Pair = std::pair<std::string, std::string>;

std::vector<Pair> RequestsFor(std::string action, std::map<std::string, std::string> parameters) {
  protocol::QueryRequest request{.action = std::move(action)};
  request.parameters = std::move(parameters);
  auto access = AccessRequestsFor(request, AccountContext{});
  EXPECT_TRUE(access.ok()) << access.status();
  std::vector<Pair> out;
  if (!access.ok()) return out;
  for (const iam::AccessRequest& one : *access) {
    out.emplace_back(std::string(one.action), one.resource);
  }
  return out;
}

TEST(RdsAccess, EveryActionHasItsActionAndResource) {
  const std::string db(kDb);
  const std::map<std::string, std::string> named = {{"DBInstanceIdentifier", "Orders"}};
  const std::map<std::string, std::string> by_arn = {{"ResourceName", db}};
  const std::tuple<std::string, std::map<std::string, std::string>, std::vector<Pair>> cases[] = {
      {"CreateDBInstance", named, {{"rds:CreateDBInstance", db}}},
      {"DescribeDBInstances", named, {{"rds:DescribeDBInstances", db}}},
      {"DescribeDBInstances", {}, {{"rds:DescribeDBInstances", "*"}}},
      {"DescribeDBInstances", {{"DBInstanceIdentifier", db}}, {{"rds:DescribeDBInstances", db}}},
      {"StartDBInstance", named, {{"rds:StartDBInstance", db}}},
      {"StopDBInstance", named, {{"rds:StopDBInstance", db}}},
      {"DeleteDBInstance", named, {{"rds:DeleteDBInstance", db}}},
      {"AddTagsToResource", by_arn, {{"rds:AddTagsToResource", db}}},
      {"RemoveTagsFromResource", by_arn, {{"rds:RemoveTagsFromResource", db}}},
      {"ListTagsForResource", by_arn, {{"rds:ListTagsForResource", db}}},
  };
  for (const auto& [action, parameters, expected] : cases) {
    EXPECT_EQ(RequestsFor(action, parameters), expected) << action;
  }
}

TEST(RdsAccess, CreatingWithTagsAlsoTags) {
  EXPECT_EQ(RequestsFor("CreateDBInstance", {{"DBInstanceIdentifier", "orders"},
                                             {"Tags.Tag.1.Key", "Schedule"},
                                             {"Tags.Tag.1.Value", "office"}}),
            (std::vector<Pair>{{"rds:CreateDBInstance", std::string(kDb)},
                               {"rds:AddTagsToResource", std::string(kDb)}}));
}

TEST(RdsAccess, AnActionWithoutAnEntryIsAnError) {
  protocol::QueryRequest request{.action = "RebootDBInstance"};
  EXPECT_EQ(AccessRequestsFor(request, AccountContext{}).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace serval::rds
