#include "services/sns/topic_store.h"

#include <gtest/gtest.h>

#include "storage/memory_metadata_store.h"

namespace serval::sns {
namespace {

constexpr char kArn[] = "arn:aws:sns:us-east-1:000000000000:orders";

Topic MakeTopic(const std::string& display_name) {
  return Topic{.name = "orders", .arn = kArn, .attributes = {{"DisplayName", display_name}}};
}

Subscription MakeSubscription(const std::string& id) {
  return Subscription{.arn = std::string(kArn) + ":" + id,
                      .topic_arn = kArn,
                      .protocol = "lambda",
                      .endpoint = "arn:aws:lambda:us-east-1:000000000000:function:f"};
}

// Two writes to one topic in flight, the first refused by the disk: memory ends as the store
// does (the second write's topic), not as it was before the first. And a refused removal
// brings the topic and its subscriptions back.
TEST(TopicStore, WhatARefusedWriteTouchedIsReadBackFromTheStore) {
  storage::QueuedCompletions io;
  storage::MemoryMetadataStore store(io.Poster());
  std::unique_ptr<TopicStore> topics = *TopicStore::Open(&store);
  std::vector<absl::Status> answers;
  auto answer = [&answers](absl::Status status) { answers.push_back(std::move(status)); };
  topics->PutTopic(MakeTopic("v1"), answer);
  topics->PutSubscription(MakeSubscription("a"), answer);
  io.RunAll();

  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  topics->PutTopic(MakeTopic("v2"), answer);
  store.FailWrites(absl::OkStatus());
  topics->PutTopic(MakeTopic("v3"), answer);
  EXPECT_EQ(topics->FindTopic(kArn)->attributes.at("DisplayName"), "v3");  // seen at once
  io.RunAll();
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[2].code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(answers[3].ok());
  EXPECT_EQ(topics->FindTopic(kArn)->attributes.at("DisplayName"), "v3");

  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  topics->RemoveTopic(kArn, answer);
  EXPECT_EQ(topics->FindTopic(kArn), nullptr);
  EXPECT_TRUE(topics->SubscriptionsOf(kArn).empty());
  io.RunAll();
  EXPECT_FALSE(answers.back().ok());
  ASSERT_NE(topics->FindTopic(kArn), nullptr);
  EXPECT_EQ(topics->FindTopic(kArn)->attributes.at("DisplayName"), "v3");
  ASSERT_EQ(topics->SubscriptionsOf(kArn).size(), 1u);
  EXPECT_EQ(topics->SubscriptionsOf(kArn)[0]->protocol, "lambda");

  // A refused subscription is gone again.
  topics->PutSubscription(MakeSubscription("b"), answer);
  io.RunAll();
  EXPECT_EQ(topics->FindSubscription(std::string(kArn) + ":b"), nullptr);
}

// Callers name what to remove by the ARN inside the record being removed (DeleteTopic passes
// the topic's own, Unsubscribe the subscription's): the removal must not read it once gone.
TEST(TopicStore, RemovalsTakeTheArnOfTheRecordTheyRemove) {
  storage::QueuedCompletions io;
  storage::MemoryMetadataStore store(io.Poster());
  std::unique_ptr<TopicStore> topics = *TopicStore::Open(&store);
  auto ok = [](absl::Status status) { EXPECT_TRUE(status.ok()) << status; };
  topics->PutTopic(MakeTopic("v1"), ok);
  topics->PutSubscription(MakeSubscription("a"), ok);
  topics->PutSubscription(MakeSubscription("b"), ok);
  io.RunAll();
  topics->RemoveSubscription(topics->FindSubscription(std::string(kArn) + ":a")->arn, ok);
  ASSERT_EQ(topics->SubscriptionsOf(kArn).size(), 1u);
  topics->RemoveTopic(topics->FindTopic(kArn)->arn, ok);
  EXPECT_TRUE(topics->SubscriptionsOf(kArn).empty());
  EXPECT_TRUE(topics->subscriptions().empty());
  io.RunAll();
  EXPECT_TRUE(topics->subscriptions().empty());
  EXPECT_EQ(topics->FindTopic(kArn), nullptr);
}

}  // namespace
}  // namespace serval::sns
