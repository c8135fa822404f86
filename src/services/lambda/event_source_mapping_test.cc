#include "services/lambda/event_source_mapping.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "services/lambda/mapping_store.h"
#include "storage/memory_metadata_store.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr char kStream[] =
    "arn:aws:dynamodb:us-east-1:000000000000:table/t1/stream/2024-01-01T00:00:00.000";

json::object Body(std::string_view text) { return json::parse(text).as_object(); }

absl::StatusOr<EventSourceMapping> Create(std::string_view extra) {
  EventSourceMapping mapping;
  const std::string text =
      fmt::format(R"({{"EventSourceArn": "{}", "StartingPosition": "TRIM_HORIZON"{}{}}})", kStream,
                  extra.empty() ? "" : ", ", extra);
  if (auto status = ApplyMappingFields(Body(text), /*create=*/true, mapping); !status.ok()) {
    return status;
  }
  return mapping;
}

TEST(EventSourceMappingTest, CreateTakesAwsDefaultsAndTheGivenMembers) {
  auto defaults = Create("");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->batch_size, 100);
  EXPECT_EQ(defaults->maximum_batching_window_seconds, 0);
  EXPECT_EQ(defaults->maximum_retry_attempts, -1);
  EXPECT_EQ(defaults->maximum_record_age_seconds, -1);
  EXPECT_TRUE(defaults->enabled);
  EXPECT_EQ(defaults->starting_position, "TRIM_HORIZON");
  auto given = Create(
      R"("BatchSize": 10000, "MaximumBatchingWindowInSeconds": 300, "Enabled": false,
         "BisectBatchOnFunctionError": true, "MaximumRetryAttempts": 3,
         "MaximumRecordAgeInSeconds": 60, "ParallelizationFactor": 1,
         "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}},
         "FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": [\"INSERT\"]}"}]})");
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(given->batch_size, 10000);
  EXPECT_FALSE(given->enabled);
  EXPECT_TRUE(given->bisect_batch_on_function_error);
  EXPECT_EQ(given->on_failure_destination, "arn:aws:sns:us-east-1:000000000000:t");
  EXPECT_EQ(given->filter_patterns, std::vector<std::string>{R"({"eventName": ["INSERT"]})"});
}

TEST(EventSourceMappingTest, RefusesWhatAwsRefusesWithItsCodes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("BatchSize": 0)", "ValidationException"},
      {R"("BatchSize": 10001)", "ValidationException"},
      {R"("MaximumBatchingWindowInSeconds": 301)", "ValidationException"},
      {R"("MaximumRetryAttempts": -2)", "ValidationException"},
      {R"("MaximumRecordAgeInSeconds": 30)", "InvalidParameterValueException"},
      {R"("BatchSize": "ten")", "InvalidRequestContentException"},
      {R"("ParallelizationFactor": 2)", "InvalidParameterValueException"},
      {R"("FunctionResponseTypes": ["ReportBatchItemFailures"])", "InvalidParameterValueException"},
      {R"("DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}})",
       "InvalidParameterValueException"},
      {R"("DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}})",
       "InvalidParameterValueException"},
      {R"("FilterCriteria": {"Filters": [{"Pattern": "not json"}]})",
       "InvalidParameterValueException"},
  };
  for (const auto& [extra, code] : cases) {
    EXPECT_EQ(AwsErrorCode(Create(extra).status()), code) << extra;
  }
  EventSourceMapping mapping;
  auto missing_position = ApplyMappingFields(
      Body(fmt::format(R"({{"EventSourceArn": "{}"}})", kStream)), true, mapping);
  EXPECT_EQ(missing_position.message(),
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
            "constraint: Member must not be null.");
  auto at_timestamp = ApplyMappingFields(
      Body(fmt::format(R"({{"EventSourceArn": "{}", "StartingPosition": "AT_TIMESTAMP"}})",
                       kStream)),
      true, mapping);
  EXPECT_EQ(at_timestamp.message(),
            std::string("Unsupported starting position for arn type: ") + kStream);
  auto sqs = ApplyMappingFields(Body(R"({"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q",
               "StartingPosition": "LATEST"})"),
                                true, mapping);
  EXPECT_EQ(AwsErrorCode(sqs), "InvalidParameterValueException");
  EXPECT_TRUE(mapping.event_source_arn.empty());  // unchanged on error
}

TEST(EventSourceMappingTest, UpdateChangesOnlyWhatItNames) {
  auto mapping = Create(R"("BatchSize": 5)");
  ASSERT_TRUE(mapping.ok());
  ASSERT_TRUE(ApplyMappingFields(Body(R"({"Enabled": false, "StartingPosition": "LATEST"})"),
                                 /*create=*/false, *mapping)
                  .ok());
  EXPECT_FALSE(mapping->enabled);
  EXPECT_EQ(mapping->batch_size, 5);
  EXPECT_EQ(mapping->starting_position, "TRIM_HORIZON");
  EXPECT_EQ(mapping->event_source_arn, kStream);
}

TEST(EventSourceMappingTest, StorageRoundTripsAndTheApiShapeIsAws) {
  auto mapping = Create(
      R"("FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": [\"REMOVE\"]}"}]},
         "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}})");
  ASSERT_TRUE(mapping.ok());
  mapping->uuid = "0b6e1f0c-3b1a-4b8e-9d61-0a5a4e1b2c3d";
  mapping->function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn:live";
  mapping->last_modified_millis = 1'700'000'000'500;
  auto loaded = MappingFromStorageJson(ToStorageJson(*mapping));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(ToStorageJson(*loaded), ToStorageJson(*mapping));

  const json::object out = MappingJson(*loaded, "Creating", AccountContext{});
  EXPECT_EQ(out.at("UUID").as_string(), mapping->uuid);
  EXPECT_EQ(out.at("State"), "Creating");
  EXPECT_EQ(out.at("StateTransitionReason"), "User action");
  EXPECT_EQ(out.at("LastProcessingResult"), "No records processed");
  EXPECT_EQ(out.at("LastModified").as_double(), 1'700'000'000.5);
  EXPECT_EQ(out.at("FunctionArn"), "arn:aws:lambda:us-east-1:000000000000:function:fn:live");
  EXPECT_EQ(out.at("EventSourceMappingArn").as_string(),
            "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + mapping->uuid);
  EXPECT_EQ(out.at("DestinationConfig").at("OnFailure").at("Destination"),
            "arn:aws:sns:us-east-1:000000000000:t");
  EXPECT_EQ(out.at("FilterCriteria").at("Filters").at(0).at("Pattern"),
            R"({"eventName": ["REMOVE"]})");
  EXPECT_EQ(out.at("StartingPosition"), "TRIM_HORIZON");
  EXPECT_EQ(out.at("MaximumRetryAttempts"), -1);
}

TEST(MappingStoreTest, PersistsMappingsAndCheckpointsAndForgetsThemTogether) {
  storage::MemoryMetadataStore metadata([](std::function<void()> work) { work(); });
  auto store = MappingStore::Open(&metadata);
  ASSERT_TRUE(store.ok());
  auto mapping = Create("");
  ASSERT_TRUE(mapping.ok());
  mapping->uuid = "u-1";
  mapping->function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
  absl::Status put = absl::UnknownError("not called");
  (*store)->Put(*mapping, {{"shard-a", "17"}}, [&](absl::Status status) { put = status; });
  ASSERT_TRUE(put.ok());
  absl::Status saved = absl::UnknownError("not called");
  (*store)->SaveCheckpoint("u-1", "shard-b", "42", [&](absl::Status status) { saved = status; });
  ASSERT_TRUE(saved.ok());

  auto reopened = MappingStore::Open(&metadata);
  ASSERT_TRUE(reopened.ok());
  ASSERT_NE((*reopened)->Find("u-1"), nullptr);
  EXPECT_EQ((*reopened)->Checkpoint("u-1", "shard-a"), "17");
  EXPECT_EQ((*reopened)->Checkpoint("u-1", "shard-b"), "42");

  // A change whose write fails is taken back: memory stays as the store has it.
  metadata.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  absl::Status failed;
  EventSourceMapping changed = *(*reopened)->Find("u-1");
  changed.batch_size = 7;
  (*reopened)->Put(changed, {{"shard-a", "99"}}, [&](absl::Status status) { failed = status; });
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ((*reopened)->Find("u-1")->batch_size, mapping->batch_size);
  EXPECT_EQ((*reopened)->Checkpoint("u-1", "shard-a"), "17");
  (*reopened)->Remove("u-1", [&](absl::Status status) { failed = status; });
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_NE((*reopened)->Find("u-1"), nullptr);
  EXPECT_EQ((*reopened)->Checkpoint("u-1", "shard-b"), "42");
  metadata.FailWrites(absl::OkStatus());

  absl::Status removed = absl::UnknownError("not called");
  (*reopened)->Remove("u-1", [&](absl::Status status) { removed = status; });
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ((*reopened)->Checkpoint("u-1", "shard-a"), "");
  auto emptied = MappingStore::Open(&metadata);
  ASSERT_TRUE(emptied.ok());
  EXPECT_TRUE((*emptied)->mappings().empty());
  EXPECT_EQ((*emptied)->Checkpoint("u-1", "shard-b"), "");
}

}  // namespace
}  // namespace serval::lambda
