#include "services/ec2/ec2_access.h"

#include <gtest/gtest.h>

namespace serval::ec2 {
namespace {

constexpr std::string_view kTagged = "i-0123456789abcdef0";
const std::map<std::string, std::string> kTags = {{"EntScheduler", "office"}};

const std::map<std::string, std::string>* TagsOf(std::string_view id) {
  return id == kTagged ? &kTags : nullptr;
}

services::AccessRequests RequestsFor(std::string action,
                                     std::map<std::string, std::string> parameters) {
  protocol::QueryRequest request{.action = std::move(action)};
  request.parameters = std::move(parameters);
  auto requests = AccessRequestsFor(request, AccountContext{}, TagsOf);
  EXPECT_TRUE(requests.ok()) << requests.status();
  return requests.ok() ? *std::move(requests) : services::AccessRequests{};
}

using Pair = std::pair<std::string, std::string>;

std::vector<Pair> ActionsAndResources(const services::AccessRequests& requests) {
  std::vector<Pair> out;
  for (const iam::AccessRequest& request : requests) {
    out.emplace_back(std::string(request.action), request.resource);
  }
  return out;
}

TEST(Ec2Access, EveryActionHasItsActionAndResource) {
  const std::string arn = "arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0";
  const std::string other = "arn:aws:ec2:us-east-1:000000000000:instance/i-00000000";
  const std::map<std::string, std::string> two_instances = {{"InstanceId.1", std::string(kTagged)},
                                                            {"InstanceId.2", "i-00000000"}};
  const std::map<std::string, std::string> two_resources = {{"ResourceId.1", std::string(kTagged)},
                                                            {"ResourceId.2", "i-00000000"}};
  const std::tuple<std::string, std::map<std::string, std::string>, std::vector<Pair>> cases[] = {
      {"DescribeInstances", {}, {{"ec2:DescribeInstances", "*"}}},
      {"DescribeInstanceStatus", {}, {{"ec2:DescribeInstanceStatus", "*"}}},
      {"DescribeTags", {}, {{"ec2:DescribeTags", "*"}}},
      {"DescribeRegions", {}, {{"ec2:DescribeRegions", "*"}}},
      {"DescribeAvailabilityZones", {}, {{"ec2:DescribeAvailabilityZones", "*"}}},
      {"StartInstances",
       two_instances,
       {{"ec2:StartInstances", arn}, {"ec2:StartInstances", other}}},
      {"StopInstances", two_instances, {{"ec2:StopInstances", arn}, {"ec2:StopInstances", other}}},
      {"RebootInstances",
       two_instances,
       {{"ec2:RebootInstances", arn}, {"ec2:RebootInstances", other}}},
      {"TerminateInstances",
       two_instances,
       {{"ec2:TerminateInstances", arn}, {"ec2:TerminateInstances", other}}},
      {"CreateTags", two_resources, {{"ec2:CreateTags", arn}, {"ec2:CreateTags", other}}},
      {"DeleteTags", two_resources, {{"ec2:DeleteTags", arn}, {"ec2:DeleteTags", other}}},
      {"RunInstances",
       {{"ImageId", "ami-12345678"}},
       {{"ec2:RunInstances", "arn:aws:ec2:us-east-1:000000000000:instance/*"},
        {"ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-12345678"}}},
  };
  for (const auto& [action, parameters, expected] : cases) {
    EXPECT_EQ(ActionsAndResources(RequestsFor(action, parameters)), expected) << action;
  }
}

TEST(Ec2Access, AnInstancesTagsAreConditionKeys) {
  const services::AccessRequests requests =
      RequestsFor("StopInstances", {{"InstanceId.1", std::string(kTagged)}});
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_EQ(requests[0].context.size(), 2u);
  EXPECT_EQ(requests[0].context[0].key, "ec2:ResourceTag/EntScheduler");
  EXPECT_EQ(requests[0].context[0].values, std::vector<std::string>{"office"});
  EXPECT_EQ(requests[0].context[1].key, "aws:ResourceTag/EntScheduler");
}

TEST(Ec2Access, TaggingAtLaunchIsCreateTags) {
  const services::AccessRequests requests =
      RequestsFor("RunInstances", {{"ImageId", "ami-12345678"},
                                   {"TagSpecification.1.ResourceType", "instance"},
                                   {"TagSpecification.1.Tag.1.Key", "Name"}});
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].action, "ec2:CreateTags");
  EXPECT_EQ(requests[2].resource, "arn:aws:ec2:us-east-1:000000000000:instance/*");
  ASSERT_EQ(requests[2].context.size(), 1u);
  EXPECT_EQ(requests[2].context[0].key, "ec2:CreateAction");
  EXPECT_EQ(requests[2].context[0].values, std::vector<std::string>{"RunInstances"});
}

TEST(Ec2Access, AnActionWithoutAnEntryIsAnError) {
  protocol::QueryRequest request{.action = "CreateVpc"};
  EXPECT_EQ(AccessRequestsFor(request, AccountContext{}, TagsOf).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace serval::ec2
