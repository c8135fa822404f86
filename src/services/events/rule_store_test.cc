#include "services/events/rule_store.h"

#include <gtest/gtest.h>

#include "storage/memory_metadata_store.h"

namespace serval::events {
namespace {

Rule MakeRule(const std::string& bus, const std::string& name, const std::string& description) {
  Rule rule;
  rule.bus = bus;
  rule.name = name;
  rule.description = description;
  return rule;
}

struct Committed {
  std::optional<absl::Status> status;
  std::vector<RuleKey> read_back;
};

RuleStore::Done Record(Committed& committed) {
  return [&committed](absl::Status status, std::vector<RuleKey> read_back) {
    committed.status = std::move(status);
    committed.read_back = std::move(read_back);
  };
}

TEST(RuleStore, ChangesAreSeenAtOnceAndDurableWhenTheCommitCompletes) {
  storage::QueuedCompletions io;
  storage::MemoryMetadataStore store(io.Poster());
  auto rules = *RuleStore::Open(&store);
  rules->PutBus(EventBus{.name = "orders", .created_millis = 1});
  rules->Put(MakeRule("orders", "big", "v1"));
  rules->Put(MakeRule(std::string(kDefaultBus), "tick", "v1"));
  ASSERT_NE(rules->Find("orders", "big"), nullptr);  // before any write
  Committed committed;
  rules->Commit(Record(committed));
  EXPECT_FALSE(committed.status.has_value());  // answered only once durable
  io.RunAll();
  ASSERT_TRUE(committed.status.has_value());
  EXPECT_TRUE(committed.status->ok());
  EXPECT_TRUE(committed.read_back.empty());

  auto reopened = *RuleStore::Open(&store);
  EXPECT_TRUE(reopened->HasBus("orders"));
  EXPECT_EQ(reopened->Find("orders", "big")->description, "v1");
  EXPECT_EQ(reopened->Find(kDefaultBus, "tick")->description, "v1");

  // Removing a bus removes its rules, in one commit.
  rules->RemoveBus("orders");
  Committed removed;
  rules->Commit(Record(removed));
  io.RunAll();
  EXPECT_TRUE(removed.status->ok());
  reopened = *RuleStore::Open(&store);
  EXPECT_FALSE(reopened->HasBus("orders"));
  EXPECT_EQ(reopened->Find("orders", "big"), nullptr);
  EXPECT_NE(reopened->Find(kDefaultBus, "tick"), nullptr);

  // Nothing pending: answered at once.
  Committed nothing;
  rules->Commit(Record(nothing));
  EXPECT_TRUE(nothing.status.has_value() && nothing.status->ok());
}

// A failed commit leaves memory as the store has it; so does a commit that succeeds after an
// earlier one failed (its records were built on changes that did not last).
TEST(RuleStore, AFailedCommitIsReadBackFromTheStore) {
  storage::QueuedCompletions io;
  storage::MemoryMetadataStore store(io.Poster());
  auto rules = *RuleStore::Open(&store);
  rules->PutBus(EventBus{.name = "orders"});
  rules->Put(MakeRule("orders", "big", "v1"));
  Committed first;
  rules->Commit(Record(first));
  io.RunAll();
  ASSERT_TRUE(first.status->ok());

  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  rules->Put(MakeRule("orders", "big", "v2"));
  rules->Put(MakeRule("orders", "new", "v1"));
  Committed failed;
  rules->Commit(Record(failed));
  store.FailWrites(absl::OkStatus());
  rules->RemoveBus("orders");  // built on the failed change; its own write succeeds
  Committed later;
  rules->Commit(Record(later));
  io.RunAll();

  EXPECT_EQ(failed.status->code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(failed.read_back.size(), 2u);
  EXPECT_TRUE(later.status->ok());
  EXPECT_FALSE(later.read_back.empty());
  // Memory is what a restart would load: the bus and its rules are gone.
  EXPECT_FALSE(rules->HasBus("orders"));
  EXPECT_EQ(rules->Find("orders", "big"), nullptr);
  EXPECT_EQ(rules->Find("orders", "new"), nullptr);
  EXPECT_TRUE(rules->rules().empty());

  // A lone failure takes its change back.
  rules->Put(MakeRule(std::string(kDefaultBus), "tick", "v1"));
  Committed ok;
  rules->Commit(Record(ok));
  io.RunAll();
  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  rules->Put(MakeRule(std::string(kDefaultBus), "tick", "v2"));
  rules->Remove(std::string(kDefaultBus), "tick");
  Committed undone;
  rules->Commit(Record(undone));
  io.RunAll();
  EXPECT_FALSE(undone.status->ok());
  ASSERT_NE(rules->Find(kDefaultBus, "tick"), nullptr);
  EXPECT_EQ(rules->Find(kDefaultBus, "tick")->description, "v1");
}

}  // namespace
}  // namespace serval::events
