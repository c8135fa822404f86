#include "services/rds/db_instance.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/aws_error.h"
#include "services/rds/instance_store.h"
#include "storage/memory_metadata_store.h"

namespace serval::rds {
namespace {

TEST(Identifier, AcceptsWhatAwsAccepts) {
  const std::string longest = "a" + std::string(62, '1');
  for (std::string_view good : {std::string_view("a"), std::string_view("db1"),
                                std::string_view("Orders-DB-2"), std::string_view(longest)}) {
    EXPECT_TRUE(ValidateIdentifier(good).ok()) << good;
  }
}

TEST(Identifier, RefusesWhatAwsRefuses) {
  const std::string too_long = "a" + std::string(63, '1');
  for (std::string_view bad : std::vector<std::string_view>{
           "", "1db", "-db", "db-", "db--1", "db_1", "db.1", "db 1", "d\xc3\xa9", too_long}) {
    const absl::Status status = ValidateIdentifier(bad);
    EXPECT_EQ(AwsErrorCode(status), "InvalidParameterValue") << bad;
    EXPECT_TRUE(absl::StartsWith(status.message(),
                                 "The parameter DBInstanceIdentifier is not a valid identifier."))
        << bad;
  }
}

TEST(Lifecycle, TransitionalStatusesSettleAfterTheTransitionTime) {
  EXPECT_EQ(StatusAt(Status::kCreating, 1000, 1999, 1000), Status::kCreating);
  EXPECT_EQ(StatusAt(Status::kCreating, 1000, 2000, 1000), Status::kAvailable);
  EXPECT_EQ(StatusAt(Status::kStopping, 0, 5000, 1000), Status::kStopped);
  EXPECT_EQ(StatusAt(Status::kStarting, 0, 5000, 1000), Status::kAvailable);
  EXPECT_EQ(StatusAt(Status::kDeleting, 0, 5000, 1000), Status::kGone);
  EXPECT_EQ(StatusAt(Status::kStopped, 0, 5000, 1000), Status::kStopped);
  // No transition time: the next read sees the end state.
  EXPECT_EQ(StatusAt(Status::kStopping, 7, 7, 0), Status::kStopped);
}

TEST(Lifecycle, ChangesAreAllowedOnlyFromTheirStatuses) {
  EXPECT_EQ(*Apply(Change::kStop, Status::kAvailable, "db1"), Status::kStopping);
  EXPECT_EQ(*Apply(Change::kStart, Status::kStopped, "db1"), Status::kStarting);
  EXPECT_EQ(*Apply(Change::kDelete, Status::kStopped, "db1"), Status::kDeleting);
  EXPECT_EQ(*Apply(Change::kDelete, Status::kCreating, "db1"), Status::kDeleting);

  const absl::Status stop = Apply(Change::kStop, Status::kStopped, "db1").status();
  EXPECT_EQ(AwsErrorCode(stop), "InvalidDBInstanceState");
  EXPECT_EQ(stop.message(), "Instance db1 is not in available state.");
  EXPECT_EQ(ExplicitHttpStatus(stop), 400);
  EXPECT_EQ(Apply(Change::kStart, Status::kAvailable, "db1").status().message(),
            "Instance db1 is not stopped, it cannot be started.");
  EXPECT_EQ(Apply(Change::kStart, Status::kStopping, "db1").status().message(),
            "Instance db1 is not stopped, it cannot be started.");
  EXPECT_EQ(Apply(Change::kDelete, Status::kDeleting, "db1").status().message(),
            "Instance db1 is already being deleted.");
  EXPECT_FALSE(Apply(Change::kStop, Status::kCreating, "db1").ok());
}

TEST(Lifecycle, StatusNamesRoundTrip) {
  for (Status status : {Status::kCreating, Status::kAvailable, Status::kStopping, Status::kStopped,
                        Status::kStarting, Status::kDeleting}) {
    EXPECT_EQ(StatusNamed(StatusName(status)), status);
  }
  EXPECT_EQ(StatusNamed("rebooting"), std::nullopt);
}

// The store on a ManualClock: statuses move with the clock, persist, and a settled deletion is
// gone from reads and then from disk.
class InstanceStoreTest : public ::testing::Test {
 protected:
  static constexpr int64_t kTransition = 60'000;

  std::unique_ptr<InstanceStore> Open() {
    auto store = InstanceStore::Open(&metadata_, &clock_, kTransition);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  void Put(InstanceStore& store, DbInstance instance) {
    absl::Status written = absl::UnknownError("not called");
    store.Put(std::move(instance), [&](absl::Status status) { written = status; });
    ASSERT_TRUE(written.ok()) << written;
  }

  DbInstance Instance(std::string identifier, Status status) {
    return DbInstance{.identifier = std::move(identifier),
                      .engine = "postgres",
                      .tags = {{"Schedule", "office"}},
                      .status = status,
                      .status_millis = clock_.NowMillis()};
  }

  ManualClock clock_{1'700'000'000'000};
  storage::MemoryMetadataStore metadata_{[](std::function<void()> task) { task(); }};
};

TEST_F(InstanceStoreTest, StatusesMoveWithTheClockAndSurviveReopening) {
  std::unique_ptr<InstanceStore> store = Open();
  Put(*store, Instance("db1", Status::kCreating));
  ASSERT_NE(store->Find("db1"), nullptr);
  EXPECT_EQ(store->StatusOf(*store->Find("db1")), Status::kCreating);
  clock_.Advance(kTransition - 1);
  EXPECT_EQ(store->StatusOf(*store->Find("db1")), Status::kCreating);
  clock_.Advance(1);
  EXPECT_EQ(store->StatusOf(*store->Find("db1")), Status::kAvailable);

  DbInstance stopping = *store->Find("db1");
  stopping.status = Status::kStopping;
  stopping.status_millis = clock_.NowMillis();
  Put(*store, stopping);

  std::unique_ptr<InstanceStore> reopened = Open();
  const DbInstance* loaded = reopened->Find("db1");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(reopened->StatusOf(*loaded), Status::kStopping);
  EXPECT_EQ(loaded->tags.at("Schedule"), "office");
  EXPECT_EQ(loaded->engine, "postgres");
  clock_.Advance(kTransition);
  EXPECT_EQ(reopened->StatusOf(*loaded), Status::kStopped);
}

TEST_F(InstanceStoreTest, ASettledDeletionIsGoneThenDropped) {
  std::unique_ptr<InstanceStore> store = Open();
  Put(*store, Instance("db1", Status::kDeleting));
  Put(*store, Instance("db2", Status::kAvailable));
  EXPECT_NE(store->Find("db1"), nullptr);
  EXPECT_EQ(store->LiveCount(), 2u);
  clock_.Advance(kTransition);
  EXPECT_EQ(store->Find("db1"), nullptr);
  EXPECT_EQ(store->LiveCount(), 1u);
  // The next write drops the gone record from disk.
  Put(*store, Instance("db3", Status::kAvailable));
  auto stored = metadata_.Get("rds.instances", "db1");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
  EXPECT_EQ(store->instances().size(), 2u);
}

TEST_F(InstanceStoreTest, ARefusedChangeIsReadBackFromTheStore) {
  std::unique_ptr<InstanceStore> store = Open();
  Put(*store, Instance("db1", Status::kAvailable));
  metadata_.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  absl::Status written;
  store->Put(Instance("db1", Status::kStopping), [&](absl::Status status) { written = status; });
  store->Put(Instance("db2", Status::kCreating), [&](absl::Status status) { written = status; });
  EXPECT_EQ(written.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_NE(store->Find("db1"), nullptr);
  EXPECT_EQ(store->StatusOf(*store->Find("db1")), Status::kAvailable);
  EXPECT_EQ(store->Find("db2"), nullptr);
}

}  // namespace
}  // namespace serval::rds
