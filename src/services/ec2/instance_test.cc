#include "services/ec2/instance.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "services/ec2/instance_store.h"
#include "storage/memory_metadata_store.h"

namespace serval::ec2 {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kTransition = 5'000;

TEST(InstanceState, CodesAndNamesAreEc2s) {
  const std::pair<InstanceState, std::pair<int, std::string_view>> expected[] = {
      {InstanceState::kPending, {0, "pending"}},
      {InstanceState::kRunning, {16, "running"}},
      {InstanceState::kShuttingDown, {32, "shutting-down"}},
      {InstanceState::kTerminated, {48, "terminated"}},
      {InstanceState::kStopping, {64, "stopping"}},
      {InstanceState::kStopped, {80, "stopped"}},
  };
  for (const auto& [state, code_and_name] : expected) {
    EXPECT_EQ(StateCode(state), code_and_name.first);
    EXPECT_EQ(StateName(state), code_and_name.second);
    EXPECT_EQ(StateNamed(code_and_name.second), state);
  }
  EXPECT_EQ(StateNamed("exploded"), std::nullopt);
}

// Each transitional state reads as itself until the delay has passed on the clock, then as its
// end state; a stable state is its own end at once.
TEST(InstanceState, TransitionsSettleOnTheClock) {
  ManualClock clock(kStart);
  const std::pair<InstanceState, InstanceState> moves[] = {
      {InstanceState::kPending, InstanceState::kRunning},
      {InstanceState::kStopping, InstanceState::kStopped},
      {InstanceState::kShuttingDown, InstanceState::kTerminated},
  };
  for (const auto& [transitional, end] : moves) {
    Instance instance;
    Enter(instance, transitional, clock.NowMillis(), kTransition);
    EXPECT_EQ(StateAt(instance, clock.NowMillis()), transitional);
    clock.Advance(kTransition - 1);
    EXPECT_EQ(StateAt(instance, clock.NowMillis()), transitional);
    clock.Advance(1);
    EXPECT_EQ(StateAt(instance, clock.NowMillis()), end);
  }
  Instance stopped;
  Enter(stopped, InstanceState::kStopped, clock.NowMillis(), kTransition);
  EXPECT_EQ(StateAt(stopped, clock.NowMillis()), InstanceState::kStopped);
}

TEST(InstanceState, NoDelayMeansTheNextReadSeesTheEnd) {
  Instance instance;
  Enter(instance, InstanceState::kPending, kStart, 0);
  EXPECT_EQ(StateAt(instance, kStart), InstanceState::kRunning);
}

TEST(InstanceState, TerminatedInstancesExpireAfterAnHour) {
  Instance instance;
  Enter(instance, InstanceState::kShuttingDown, kStart, kTransition);
  const int64_t terminated = kStart + kTransition;
  EXPECT_FALSE(Expired(instance, terminated + kTerminatedVisibleMillis - 1));
  EXPECT_TRUE(Expired(instance, terminated + kTerminatedVisibleMillis));
  Instance stopped;
  Enter(stopped, InstanceState::kStopping, kStart, 0);
  EXPECT_FALSE(Expired(stopped, kStart + 10 * kTerminatedVisibleMillis));
}

TEST(Instance, StoredFormRoundTrips) {
  Instance instance{.id = NewResourceId("i-"),
                    .reservation_id = NewResourceId("r-"),
                    .sequence = 42,
                    .image_id = "ami-12345678",
                    .instance_type = "t3.micro",
                    .key_name = "key",
                    .availability_zone = "us-east-1b",
                    .private_ip = "172.31.0.46",
                    .launch_index = 3,
                    .launch_millis = kStart,
                    .monitoring = true,
                    .transition_reason = "User initiated (2023-11-14 22:13:20 GMT)",
                    .tags = {{"EntScheduler", "mon-fri;0800;mon-fri;1800;"}, {"Name", ""}}};
  Enter(instance, InstanceState::kStopping, kStart, kTransition);
  absl::StatusOr<Instance> decoded = DecodeInstance(instance.id, EncodeInstance(instance));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeInstance(*decoded), EncodeInstance(instance));
  EXPECT_EQ(decoded->sequence, 42u);
  EXPECT_EQ(decoded->settles_millis, kStart + kTransition);
  EXPECT_EQ(decoded->tags, instance.tags);
  EXPECT_FALSE(DecodeInstance("i-1", "{\"state\":\"melting\"}").ok());
}

TEST(Instance, IdsHaveAwssShape) {
  const std::string id = NewResourceId("i-");
  EXPECT_EQ(id.size(), 19u);
  EXPECT_TRUE(IsResourceId(id, "i-"));
  EXPECT_TRUE(IsResourceId("i-1234abcd", "i-"));
  EXPECT_TRUE(IsResourceId("ami-0123456789abcdef0", "ami-"));
  EXPECT_FALSE(IsResourceId("i-1234ABCD", "i-"));
  EXPECT_FALSE(IsResourceId("i-123", "i-"));
  EXPECT_FALSE(IsResourceId("i-0123456789abcdefg", "i-"));
  EXPECT_FALSE(IsResourceId("r-1234abcd", "i-"));
  EXPECT_NE(NewResourceId("i-"), NewResourceId("i-"));
}

// A change the disk refused is read back: memory holds what a restart would load.
TEST(InstanceStore, ARefusedChangeIsReadBackFromTheStore) {
  storage::MemoryMetadataStore metadata([](std::function<void()> run) { run(); });
  auto store = *InstanceStore::Open(&metadata, kStart);
  Instance instance{.id = NewResourceId("i-"), .sequence = store->NextSequence()};
  Enter(instance, InstanceState::kPending, kStart, kTransition);
  absl::Status stored = absl::UnknownError("not called");
  store->Put({instance}, kStart, [&](absl::Status status) { stored = status; });
  ASSERT_TRUE(stored.ok()) << stored;
  metadata.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  Instance stopping = instance;
  Enter(stopping, InstanceState::kStopping, kStart, kTransition);
  Instance another{.id = NewResourceId("i-"), .sequence = store->NextSequence()};
  store->Put({stopping, another}, kStart, [&](absl::Status status) { stored = status; });
  EXPECT_EQ(stored.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_NE(store->Find(instance.id), nullptr);
  EXPECT_EQ(StateAt(*store->Find(instance.id), kStart), InstanceState::kPending);
  EXPECT_EQ(store->Find(another.id), nullptr);
  EXPECT_EQ(store->instances().size(), 1u);
}

// The store keeps launch order and states across a reopen, and drops what expired.
TEST(InstanceStore, ReopensWithStatesAndDropsExpired) {
  storage::MemoryMetadataStore metadata([](std::function<void()> run) { run(); });
  {
    auto store = InstanceStore::Open(&metadata, kStart);
    ASSERT_TRUE(store.ok());
    std::vector<Instance> launched;
    for (int i = 0; i < 3; ++i) {
      Instance instance{.id = NewResourceId("i-"), .sequence = (*store)->NextSequence() + i};
      Enter(instance, InstanceState::kPending, kStart, kTransition);
      launched.push_back(instance);
    }
    Enter(launched[2], InstanceState::kShuttingDown, kStart, kTransition);
    absl::Status stored = absl::UnknownError("not called");
    (*store)->Put(launched, kStart, [&](absl::Status status) { stored = status; });
    ASSERT_TRUE(stored.ok()) << stored;
    EXPECT_EQ((*store)->instances().size(), 3u);
  }
  auto reopened = InstanceStore::Open(&metadata, kStart + kTransition);
  ASSERT_TRUE(reopened.ok());
  ASSERT_EQ((*reopened)->instances().size(), 3u);
  EXPECT_EQ((*reopened)->NextSequence(), 4u);
  for (const auto& [sequence, instance] : (*reopened)->instances()) {
    EXPECT_EQ((*reopened)->Find(instance.id), &instance);
    EXPECT_EQ(StateAt(instance, kStart + kTransition),
              sequence == 3 ? InstanceState::kTerminated : InstanceState::kRunning);
  }
  const int64_t later = kStart + kTransition + kTerminatedVisibleMillis;
  auto after_an_hour = InstanceStore::Open(&metadata, later);
  ASSERT_TRUE(after_an_hour.ok());
  EXPECT_EQ((*after_an_hour)->instances().size(), 2u);
  auto again = InstanceStore::Open(&metadata, kStart);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->instances().size(), 2u) << "the expired record is gone from disk";
}

}  // namespace
}  // namespace serval::ec2
