#include "services/sns/topic_store.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "common/json_fields.h"

namespace serval::sns {
namespace {

namespace json = boost::json;

constexpr std::string_view kTopicsTable = "sns.topics";
constexpr std::string_view kSubscriptionsTable = "sns.subscriptions";

std::string EncodeTopic(const Topic& topic) {
  return json::serialize(json::object{{"name", topic.name},
                                      {"attributes", StringMapToJson(topic.attributes)},
                                      {"tags", StringMapToJson(topic.tags)}});
}

absl::StatusOr<Topic> DecodeTopic(std::string_view arn, std::string_view text) {
  absl::StatusOr<json::object> object = ParseStoredObject(text);
  if (!object.ok()) return object.status();
  return Topic{.name = StringMember(*object, "name"),
               .arn = std::string(arn),
               .attributes = StringMapFromJson(object->if_contains("attributes")),
               .tags = StringMapFromJson(object->if_contains("tags"))};
}

std::string EncodeSubscription(const Subscription& subscription) {
  return json::serialize(
      json::object{{"topic_arn", subscription.topic_arn},
                   {"protocol", subscription.protocol},
                   {"endpoint", subscription.endpoint},
                   {"owner", subscription.owner},
                   {"attributes", StringMapToJson(subscription.attributes)},
                   {"pending", subscription.pending_confirmation},
                   {"authenticated", subscription.confirmation_authenticated},
                   {"authenticate_on_unsubscribe", subscription.authenticate_on_unsubscribe},
                   {"token", subscription.token}});
}

absl::StatusOr<Subscription> DecodeSubscription(std::string_view arn, std::string_view text) {
  absl::StatusOr<json::object> object = ParseStoredObject(text);
  if (!object.ok()) return object.status();
  auto flag = [&](std::string_view key) {
    const json::value* value = object->if_contains(key);
    return value != nullptr && value->is_bool() && value->get_bool();
  };
  return Subscription{.arn = std::string(arn),
                      .topic_arn = StringMember(*object, "topic_arn"),
                      .protocol = StringMember(*object, "protocol"),
                      .endpoint = StringMember(*object, "endpoint"),
                      .owner = StringMember(*object, "owner"),
                      .attributes = StringMapFromJson(object->if_contains("attributes")),
                      .pending_confirmation = flag("pending"),
                      .confirmation_authenticated = flag("authenticated"),
                      .authenticate_on_unsubscribe = flag("authenticate_on_unsubscribe"),
                      .token = StringMember(*object, "token")};
}

// Sets `topic.policy` from its Policy attribute. One the parser refuses (stored before IAM's
// parser checked topic policies) holds the topic to none.
void ParsePolicyAttribute(Topic& topic) {
  topic.policy.reset();
  auto text = topic.attributes.find("Policy");
  if (text == topic.attributes.end()) return;
  absl::StatusOr<iam::PolicyDocument> policy =
      iam::ParsePolicy(text->second, iam::PolicyKind::kResource);
  if (!policy.ok()) {
    fmt::print(stderr, "serval: sns: the policy of topic {} is ignored: {}\n", topic.arn,
               policy.status().ToString());
    return;
  }
  topic.policy = *std::move(policy);
}

// A stored topic as the view holds it: decoded, its policy parsed.
absl::StatusOr<Topic> StoredTopic(std::string_view arn, std::string_view text) {
  absl::StatusOr<Topic> topic = DecodeTopic(arn, text);
  if (topic.ok()) ParsePolicyAttribute(*topic);
  return topic;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TopicStore>> TopicStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<TopicStore> topics(new TopicStore(store));
  absl::StatusOr<std::vector<storage::Record>> stored = store->Scan(kTopicsTable, {});
  if (!stored.ok()) return stored.status();
  for (const storage::Record& record : *stored) {
    absl::StatusOr<Topic> topic = StoredTopic(record.key, record.value);
    if (!topic.ok()) return topic.status();
    topics->topics_.emplace(record.key, *std::move(topic));
  }
  stored = store->Scan(kSubscriptionsTable, {});
  if (!stored.ok()) return stored.status();
  for (const storage::Record& record : *stored) {
    absl::StatusOr<Subscription> subscription = DecodeSubscription(record.key, record.value);
    if (!subscription.ok()) return subscription.status();
    topics->subscriptions_.emplace(record.key, *std::move(subscription));
  }
  return topics;
}

const Topic* TopicStore::FindTopic(std::string_view arn) const {
  auto found = topics_.find(arn);
  return found == topics_.end() ? nullptr : &found->second;
}

const Subscription* TopicStore::FindSubscription(std::string_view arn) const {
  auto found = subscriptions_.find(arn);
  return found == subscriptions_.end() ? nullptr : &found->second;
}

std::vector<const Subscription*> TopicStore::SubscriptionsOf(std::string_view topic_arn) const {
  const std::string prefix = std::string(topic_arn) + ":";
  std::vector<const Subscription*> found;
  for (auto it = subscriptions_.lower_bound(prefix);
       it != subscriptions_.end() && it->first.starts_with(prefix); ++it) {
    found.push_back(&it->second);
  }
  return found;
}

void TopicStore::ReadBackTopic(const std::string& arn) {
  storage::ReplaceWithStored(
      topics_, arn, store_->Get(kTopicsTable, arn),
      [&arn](std::string_view encoded) { return StoredTopic(arn, encoded); });
}

void TopicStore::ReadBackSubscription(const std::string& arn) {
  storage::ReplaceWithStored(
      subscriptions_, arn, store_->Get(kSubscriptionsTable, arn),
      [&arn](std::string_view encoded) { return DecodeSubscription(arn, encoded); });
}

void TopicStore::EraseSubscriptionsOf(const std::string& topic_arn) {
  const std::string prefix = topic_arn + ":";
  std::erase_if(subscriptions_,
                [&prefix](const auto& entry) { return entry.first.starts_with(prefix); });
}

void TopicStore::ReadBackSubscriptionsOf(const std::string& topic_arn) {
  EraseSubscriptionsOf(topic_arn);
  auto stored = store_->Scan(kSubscriptionsTable, {.prefix = topic_arn + ":"});
  if (!stored.ok()) return;
  for (const storage::Record& record : *stored) {
    if (auto subscription = DecodeSubscription(record.key, record.value); subscription.ok()) {
      subscriptions_.emplace(record.key, *std::move(subscription));
    }
  }
}

void TopicStore::PutTopic(Topic topic, Done done) {
  const std::string arn = topic.arn;
  storage::WriteBatch batch;
  batch.Put(std::string(kTopicsTable), arn, EncodeTopic(topic));
  ParsePolicyAttribute(topic);
  topics_.insert_or_assign(arn, std::move(topic));
  writer_.Write(
      std::move(batch), [this, arn] { ReadBackTopic(arn); }, std::move(done));
}

void TopicStore::RemoveTopic(std::string arn, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kTopicsTable), arn);
  batch.DeletePrefix(std::string(kSubscriptionsTable), arn + ":");
  topics_.erase(arn);
  EraseSubscriptionsOf(arn);
  writer_.Write(
      std::move(batch),
      [this, arn] {
        ReadBackTopic(arn);
        ReadBackSubscriptionsOf(arn);
      },
      std::move(done));
}

void TopicStore::PutSubscription(Subscription subscription, Done done) {
  const std::string arn = subscription.arn;
  storage::WriteBatch batch;
  batch.Put(std::string(kSubscriptionsTable), arn, EncodeSubscription(subscription));
  subscriptions_.insert_or_assign(arn, std::move(subscription));
  writer_.Write(
      std::move(batch), [this, arn] { ReadBackSubscription(arn); }, std::move(done));
}

void TopicStore::RemoveSubscription(std::string arn, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kSubscriptionsTable), arn);
  subscriptions_.erase(arn);
  writer_.Write(
      std::move(batch), [this, arn] { ReadBackSubscription(arn); }, std::move(done));
}

}  // namespace serval::sns
