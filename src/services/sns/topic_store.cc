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

// Replaces (or with nullopt removes) `key` of `map`, returning what was there.
template <typename Value>
std::optional<Value> Swap(std::map<std::string, Value, std::less<>>& map, const std::string& key,
                          std::optional<Value> value) {
  std::optional<Value> previous;
  if (auto found = map.find(key); found != map.end()) {
    previous = std::move(found->second);
    map.erase(found);
  }
  if (value) map.emplace(key, *std::move(value));
  return previous;
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

}  // namespace

absl::StatusOr<std::unique_ptr<TopicStore>> TopicStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<TopicStore> topics(new TopicStore(store));
  absl::StatusOr<std::vector<storage::Record>> stored = store->Scan(kTopicsTable, {});
  if (!stored.ok()) return stored.status();
  for (const storage::Record& record : *stored) {
    absl::StatusOr<Topic> topic = DecodeTopic(record.key, record.value);
    if (!topic.ok()) return topic.status();
    ParsePolicyAttribute(*topic);
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

void TopicStore::Commit(storage::WriteBatch batch, std::function<void()> undo, Done done) {
  store_->WriteAsync(std::move(batch),
                     [undo = std::move(undo), done = std::move(done)](absl::Status status) {
                       if (!status.ok()) undo();
                       done(std::move(status));
                     });
}

void TopicStore::PutTopic(Topic topic, Done done) {
  const std::string arn = topic.arn;
  storage::WriteBatch batch;
  batch.Put(std::string(kTopicsTable), arn, EncodeTopic(topic));
  ParsePolicyAttribute(topic);
  std::optional<Topic> previous = Swap(topics_, arn, std::optional<Topic>(std::move(topic)));
  Commit(
      std::move(batch),
      [this, arn, previous = std::move(previous)] { Swap(topics_, arn, previous); },
      std::move(done));
}

void TopicStore::RemoveTopic(const std::string& arn, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kTopicsTable), arn);
  batch.DeletePrefix(std::string(kSubscriptionsTable), arn + ":");
  std::optional<Topic> previous = Swap<Topic>(topics_, arn, std::nullopt);
  std::vector<Subscription> removed;
  for (const Subscription* subscription : SubscriptionsOf(arn)) removed.push_back(*subscription);
  for (const Subscription& subscription : removed) subscriptions_.erase(subscription.arn);
  Commit(
      std::move(batch),
      [this, arn, previous = std::move(previous), removed = std::move(removed)] {
        Swap(topics_, arn, previous);
        for (const Subscription& subscription : removed) {
          subscriptions_.emplace(subscription.arn, subscription);
        }
      },
      std::move(done));
}

void TopicStore::PutSubscription(Subscription subscription, Done done) {
  const std::string arn = subscription.arn;
  storage::WriteBatch batch;
  batch.Put(std::string(kSubscriptionsTable), arn, EncodeSubscription(subscription));
  std::optional<Subscription> previous =
      Swap(subscriptions_, arn, std::optional<Subscription>(std::move(subscription)));
  Commit(
      std::move(batch),
      [this, arn, previous = std::move(previous)] { Swap(subscriptions_, arn, previous); },
      std::move(done));
}

void TopicStore::RemoveSubscription(const std::string& arn, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kSubscriptionsTable), arn);
  std::optional<Subscription> previous = Swap<Subscription>(subscriptions_, arn, std::nullopt);
  Commit(
      std::move(batch),
      [this, arn, previous = std::move(previous)] { Swap(subscriptions_, arn, previous); },
      std::move(done));
}

}  // namespace serval::sns
