#include "services/rds/create_input.h"

#include <gtest/gtest.h>

#include "common/aws_error.h"

namespace serval::rds {
namespace {

using Parameters = std::map<std::string, std::string>;

Parameters Valid() {
  return {{"DBInstanceIdentifier", "Orders-DB"},
          {"DBInstanceClass", "db.t3.micro"},
          {"Engine", "postgres"},
          {"MasterUsername", "admin"},
          {"MasterUserPassword", "s3cret-pass"},
          {"AllocatedStorage", "20"}};
}

absl::StatusOr<DbInstance> Read(Parameters parameters) {
  protocol::QueryRequest request{.action = "CreateDBInstance"};
  request.parameters = std::move(parameters);
  return ReadCreateRequest(request, AccountContext{});
}

// The error code and message `parameters` give.
std::pair<std::string, std::string> ErrorOf(Parameters parameters) {
  const absl::Status status = Read(std::move(parameters)).status();
  return {AwsErrorCode(status), std::string(status.message())};
}

TEST(CreateInput, ReadsARecordWithAwsDefaults) {
  Parameters parameters = Valid();
  parameters["Tags.Tag.1.Key"] = "Schedule";
  parameters["Tags.Tag.1.Value"] = "office";
  parameters["MultiAZ"] = "true";
  absl::StatusOr<DbInstance> instance = Read(parameters);
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(instance->identifier, "orders-db");
  EXPECT_EQ(instance->port, 5432);
  EXPECT_EQ(instance->storage_type, "gp2");
  EXPECT_EQ(instance->license_model, "postgresql-license");
  EXPECT_EQ(instance->availability_zone, "us-east-1a");
  EXPECT_TRUE(instance->multi_az);
  EXPECT_EQ(instance->tags, (std::map<std::string, std::string>{{"Schedule", "office"}}));
  EXPECT_EQ(instance->status, Status::kCreating);
}

TEST(CreateInput, RefusesWhatAwsRefuses) {
  auto without = [](std::string name) {
    Parameters parameters = Valid();
    parameters.erase(name);
    return parameters;
  };
  auto with = [](std::string name, std::string value) {
    Parameters parameters = Valid();
    parameters[name] = std::move(value);
    return parameters;
  };
  using Error = std::pair<std::string, std::string>;
  EXPECT_EQ(ErrorOf(without("Engine")),
            Error("MissingParameter", "The request must contain the parameter Engine"));
  EXPECT_EQ(ErrorOf(with("Engine", "postgress")),
            Error("InvalidParameterValue", "Invalid DB engine"));
  EXPECT_EQ(ErrorOf(with("DBInstanceClass", "t3.micro")),
            Error("InvalidParameterValue", "Invalid DB Instance class: t3.micro"));
  EXPECT_EQ(ErrorOf(with("DBInstanceIdentifier", "9lives")).first, "InvalidParameterValue");
  EXPECT_EQ(ErrorOf(without("MasterUsername")),
            Error("InvalidParameterValue",
                  "The parameter MasterUsername must be provided and must not be blank."));
  EXPECT_EQ(ErrorOf(with("MasterUserPassword", "short")),
            Error("InvalidParameterValue",
                  "The parameter MasterUserPassword is not a valid password because it is "
                  "shorter than 8 characters."));
  EXPECT_EQ(ErrorOf(with("MasterUserPassword", "has@sign1")).first, "InvalidParameterValue");
  EXPECT_EQ(ErrorOf(with("AllocatedStorage", "1")),
            Error("InvalidParameterCombination",
                  "Invalid storage size for engine name postgres and storage type gp2: 1"));
  EXPECT_EQ(ErrorOf(without("AllocatedStorage")),
            Error("InvalidParameterValue",
                  "The parameter AllocatedStorage must be provided and must not be null."));
  EXPECT_EQ(ErrorOf(with("AllocatedStorage", "ten")).first, "InvalidParameterValue");
  EXPECT_EQ(ErrorOf(with("MultiAZ", "yes")).first, "InvalidParameterValue");
  EXPECT_EQ(ErrorOf(with("Tags.Tag.1.Key", "aws:owner")).first, "InvalidParameterValue");
}

}  // namespace
}  // namespace serval::rds
