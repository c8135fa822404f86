#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/policy.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::sns {

// Attribute name -> value, as SNS's Get*Attributes answer them.
using Attributes = std::map<std::string, std::string>;

// A topic. Thread-compatible value type.
struct Topic {
  std::string name;
  std::string arn;
  Attributes attributes;  // only those set by CreateTopic/SetTopicAttributes
  std::map<std::string, std::string> tags;
  // The Policy attribute, parsed by the store when the topic is put or loaded (nullopt: none).
  std::optional<iam::PolicyDocument> policy;
  bool fifo() const { return name.ends_with(".fifo"); }
};

// A subscription of an endpoint to a topic. Thread-compatible value type.
struct Subscription {
  std::string arn;
  std::string topic_arn;
  std::string protocol;  // "lambda", "http", "https"
  std::string endpoint;
  std::string owner;      // account id
  Attributes attributes;  // those set by Subscribe/SetSubscriptionAttributes
  bool pending_confirmation = false;
  bool confirmation_authenticated = false;
  // ConfirmSubscription's AuthenticateOnUnsubscribe: only a signed request may unsubscribe.
  bool authenticate_on_unsubscribe = false;
  std::string token;  // the confirmation token of a pending http/https subscription
};

// Topics and subscriptions, in memory and written through to the metadata store (tables
// "sns.topics" by ARN and "sns.subscriptions" by ARN; docs/formats.md, "SNS"). A change is
// visible at once and acknowledged (`done`) once it is on disk; what a write the disk refused
// touched is read back from the store before `done` hears the error (storage::ViewWriter), so
// memory again matches the disk. Runs only on the io thread.
class TopicStore {
 public:
  using Done = std::function<void(absl::Status)>;

  // Loads every stored topic and subscription. `store` must outlive the topic store.
  static absl::StatusOr<std::unique_ptr<TopicStore>> Open(storage::MetadataStore* store);

  const Topic* FindTopic(std::string_view arn) const;
  const Subscription* FindSubscription(std::string_view arn) const;
  const std::map<std::string, Topic, std::less<>>& topics() const { return topics_; }
  const std::map<std::string, Subscription, std::less<>>& subscriptions() const {
    return subscriptions_;
  }
  // The subscriptions of `topic_arn`, by ARN (a subscription's ARN is its topic's, ":", an id).
  std::vector<const Subscription*> SubscriptionsOf(std::string_view topic_arn) const;

  void PutTopic(Topic topic, Done done);
  // Removes the topic and its subscriptions.
  // The ARNs are taken by value: callers pass the one inside the record being removed.
  void RemoveTopic(std::string arn, Done done);
  void PutSubscription(Subscription subscription, Done done);
  void RemoveSubscription(std::string arn, Done done);

 private:
  explicit TopicStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  // The view's `arn` becomes what the store holds.
  void ReadBackTopic(const std::string& arn);
  void ReadBackSubscription(const std::string& arn);
  // The view's subscriptions of `topic_arn` become those the store holds.
  void ReadBackSubscriptionsOf(const std::string& topic_arn);
  void EraseSubscriptionsOf(const std::string& topic_arn);

  storage::MetadataStore* store_;
  storage::ViewWriter writer_;
  std::map<std::string, Topic, std::less<>> topics_;
  // By ARN, so one topic's subscriptions are one range.
  std::map<std::string, Subscription, std::less<>> subscriptions_;
};

}  // namespace serval::sns
