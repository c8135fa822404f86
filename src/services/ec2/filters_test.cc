#include "services/ec2/filters.h"

#include <gtest/gtest.h>

#include "common/aws_error.h"

namespace serval::ec2 {
namespace {

TEST(FilterValue, WildcardsAsEc2) {
  EXPECT_TRUE(FilterValueMatches("running", "running"));
  EXPECT_FALSE(FilterValueMatches("running", "running2"));
  EXPECT_TRUE(FilterValueMatches("t3.*", "t3.micro"));
  EXPECT_TRUE(FilterValueMatches("*", ""));
  EXPECT_TRUE(FilterValueMatches("t?.micro", "t3.micro"));
  EXPECT_FALSE(FilterValueMatches("t?.micro", "t3a.micro"));
  EXPECT_TRUE(FilterValueMatches("*;1800;*", "mon-fri;0800;mon-fri;1800;"));
  EXPECT_FALSE(FilterValueMatches("Prod", "prod"));
  // A backslash makes a wildcard literal.
  EXPECT_TRUE(FilterValueMatches("a\\*b", "a*b"));
  EXPECT_FALSE(FilterValueMatches("a\\*b", "axb"));
  EXPECT_TRUE(FilterValueMatches("a\\?", "a?"));
  EXPECT_FALSE(FilterValueMatches("a\\?", "ab"));
  EXPECT_TRUE(FilterValueMatches("a\\\\b", "a\\b"));
}

std::map<std::string, std::string> Parameters(
    std::initializer_list<std::pair<const std::string, std::string>> entries) {
  return std::map<std::string, std::string>(entries);
}

absl::StatusOr<Filters<InstanceView>> Compile(const std::map<std::string, std::string>& params) {
  absl::StatusOr<std::vector<FilterTerm>> terms = ReadFilterTerms(params);
  if (!terms.ok()) return terms.status();
  return Filters<InstanceView>::Compile(*std::move(terms), InstanceFilterFields());
}

class InstanceFilters : public ::testing::Test {
 protected:
  Instance tagged_{.id = "i-0123456789abcdef0",
                   .image_id = "ami-12345678",
                   .instance_type = "t3.micro",
                   .availability_zone = "us-east-1a",
                   .tags = {{"EntScheduler", "mon-fri;0800;mon-fri;1800;"}, {"Team", "web"}}};
  Instance plain_{.id = "i-0fedcba9876543210",
                  .image_id = "ami-87654321",
                  .instance_type = "m5.large",
                  .availability_zone = "us-east-1b"};

  bool Matches(const Filters<InstanceView>& filters, const Instance& instance,
               InstanceState state = InstanceState::kRunning) {
    return filters.Matches(InstanceView{instance, state});
  }
};

TEST_F(InstanceFilters, ReadsNamesAndValuesInOrder) {
  auto terms = ReadFilterTerms(Parameters({{"Filter.2.Name", "tag-key"},
                                           {"Filter.2.Value.1", "Team"},
                                           {"Filter.1.Name", "instance-state-name"},
                                           {"Filter.1.Value.2", "stopped"},
                                           {"Filter.1.Value.1", "running"},
                                           {"InstanceId.1", "i-12345678"}}));
  ASSERT_TRUE(terms.ok());
  ASSERT_EQ(terms->size(), 2u);
  EXPECT_EQ((*terms)[0].name, "instance-state-name");
  EXPECT_EQ((*terms)[0].values, (std::vector<std::string>{"running", "stopped"}));
  EXPECT_EQ((*terms)[1].name, "tag-key");
}

TEST_F(InstanceFilters, TagFilters) {
  auto by_key =
      Compile(Parameters({{"Filter.1.Name", "tag-key"}, {"Filter.1.Value.1", "EntScheduler"}}));
  ASSERT_TRUE(by_key.ok());
  EXPECT_TRUE(Matches(*by_key, tagged_));
  EXPECT_FALSE(Matches(*by_key, plain_));

  auto by_value = Compile(Parameters({{"Filter.1.Name", "tag:Team"}, {"Filter.1.Value.1", "w*"}}));
  ASSERT_TRUE(by_value.ok());
  EXPECT_TRUE(Matches(*by_value, tagged_));
  EXPECT_FALSE(Matches(*by_value, plain_));

  auto any_value =
      Compile(Parameters({{"Filter.1.Name", "tag-value"}, {"Filter.1.Value.1", "web"}}));
  ASSERT_TRUE(any_value.ok());
  EXPECT_TRUE(Matches(*any_value, tagged_));
  auto other_key = Compile(Parameters({{"Filter.1.Name", "tag:Owner"}, {"Filter.1.Value.1", "*"}}));
  ASSERT_TRUE(other_key.ok());
  EXPECT_FALSE(Matches(*other_key, tagged_)) << "tag:KEY needs the key";
}

// Values within a filter are OR'ed, filters AND'ed.
TEST_F(InstanceFilters, ValuesOrFiltersAnd) {
  auto filters = Compile(Parameters({{"Filter.1.Name", "instance-state-name"},
                                     {"Filter.1.Value.1", "stopped"},
                                     {"Filter.1.Value.2", "running"},
                                     {"Filter.2.Name", "instance-type"},
                                     {"Filter.2.Value.1", "t3.*"}}));
  ASSERT_TRUE(filters.ok());
  EXPECT_TRUE(Matches(*filters, tagged_, InstanceState::kRunning));
  EXPECT_TRUE(Matches(*filters, tagged_, InstanceState::kStopped));
  EXPECT_FALSE(Matches(*filters, tagged_, InstanceState::kPending));
  EXPECT_FALSE(Matches(*filters, plain_, InstanceState::kRunning));
}

TEST_F(InstanceFilters, OtherFields) {
  const std::pair<std::string, std::string> cases[] = {
      {"instance-id", "i-0123456789abcdef0"},
      {"image-id", "ami-12345678"},
      {"availability-zone", "us-east-1a"},
      {"instance-state-code", "16"},
  };
  for (const auto& [name, value] : cases) {
    auto filters = Compile(Parameters({{"Filter.1.Name", name}, {"Filter.1.Value.1", value}}));
    ASSERT_TRUE(filters.ok()) << name;
    EXPECT_TRUE(Matches(*filters, tagged_)) << name;
    EXPECT_FALSE(Matches(*filters, plain_)) << name;
  }
}

TEST_F(InstanceFilters, UnknownNamesAreInvalid) {
  for (std::string name : {"colour", "tag:", "instance-state"}) {
    auto filters = Compile(Parameters({{"Filter.1.Name", name}, {"Filter.1.Value.1", "x"}}));
    ASSERT_FALSE(filters.ok()) << name;
    EXPECT_EQ(AwsErrorCode(filters.status()), "InvalidParameterValue");
    EXPECT_EQ(filters.status().message(), "The filter '" + name + "' is invalid");
  }
  auto status_only =
      Filters<InstanceView>::Compile({{"instance-status.status", {"ok"}}}, InstanceFilterFields());
  EXPECT_FALSE(status_only.ok()) << "a DescribeInstanceStatus filter is not DescribeInstances'";
  EXPECT_TRUE(Filters<InstanceView>::Compile({{"instance-status.status", {"ok"}}},
                                             InstanceStatusFilterFields())
                  .ok());
}

TEST(TagFilters, KeyValueResource) {
  const Instance instance{.id = "i-0123456789abcdef0"};
  const std::string key = "EntScheduler", value = "mon;0800;mon;1800;";
  const TagView tag{instance, key, value};
  for (const auto& [name, pattern, expected] :
       std::vector<std::tuple<std::string, std::string, bool>>{
           {"key", "Ent*", true},
           {"value", "*;1800;", true},
           {"resource-id", "i-0123456789abcdef0", true},
           {"resource-type", "instance", true},
           {"resource-type", "volume", false},
           {"key", "Name", false}}) {
    auto filters = Filters<TagView>::Compile({{name, {pattern}}}, TagFilterFields());
    ASSERT_TRUE(filters.ok()) << name;
    EXPECT_EQ(filters->Matches(tag), expected) << name << " " << pattern;
  }
}

}  // namespace
}  // namespace serval::ec2
