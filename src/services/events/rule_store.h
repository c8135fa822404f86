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
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::events {

// How a target's input is shaped (exactly one of these, or none: the event itself).
struct InputTransformerConfig {
  std::map<std::string, std::string> input_paths_map;
  std::string input_template;
};

// One target of a rule: a Lambda function and how its input is built. Thread-compatible.
struct Target {
  std::string id;
  std::string arn;
  std::string input;       // constant JSON, or empty
  std::string input_path;  // JSONPath, or empty
  bool has_transformer = false;
  InputTransformerConfig transformer;
  // Kept and listed back as given. Serval's deliveries to functions are queued at once and
  // durably (the function's own async retries apply), so EventBridge's delivery retries, its
  // dead-letter queue and a role to assume have nothing to act on.
  std::string role_arn;
  int max_retry_attempts = -1;     // RetryPolicy.MaximumRetryAttempts; -1: not given
  int max_event_age_seconds = -1;  // RetryPolicy.MaximumEventAgeInSeconds; -1: not given
  std::string dead_letter_arn;     // DeadLetterConfig.Arn
};

constexpr std::string_view kDefaultBus = "default";

// A rule on an event bus. Thread-compatible value type.
struct Rule {
  std::string bus = std::string(kDefaultBus);
  std::string name;
  std::string schedule_expression;  // rate(...) / cron(...), or empty
  std::string event_pattern;        // JSON text, or empty (validated by PutRule)
  bool enabled = true;
  std::string description;
  std::string role_arn;
  std::map<std::string, std::string> tags;
  int64_t created_millis = 0;             // also the anchor of rate() schedules
  std::map<std::string, Target> targets;  // by id
};

// A custom event bus (the default bus always exists and is not stored). Thread-compatible.
struct EventBus {
  std::string name;
  std::string description;
  int64_t created_millis = 0;
  std::map<std::string, std::string> tags;
};

// Rules by (bus, name).
using RuleKey = std::pair<std::string, std::string>;

// Event buses, rules and their targets, in memory and written through to the metadata store
// (tables "events.buses" by name and "events.rules" by name on the default bus, "BUS/NAME" on
// others). Runs only on the io thread, which it never blocks on a write.
//
// A change takes effect in memory at once and joins the pending write; Commit writes what is
// pending with the store's group commit. EventsService commits after every operation that may
// change something and answers only once the commit is durable. The rules and buses a failed
// commit touched are read back from the store, so memory again matches the disk (ViewWriter).
class RuleStore {
 public:
  // Loads every stored bus and rule. `store` must outlive the rule store.
  static absl::StatusOr<std::unique_ptr<RuleStore>> Open(storage::MetadataStore* store);

  const Rule* Find(std::string_view bus, std::string_view name) const;
  void Put(Rule rule);
  void Remove(const std::string& bus, const std::string& name);
  const std::map<RuleKey, Rule>& rules() const { return rules_; }

  // Whether `name` is the default bus or a stored one.
  bool HasBus(std::string_view name) const;
  void PutBus(EventBus bus);
  // Removes the bus and its rules.
  void RemoveBus(const std::string& name);
  const std::map<std::string, EventBus, std::less<>>& buses() const { return buses_; }

  // Runs `done` once the pending changes are durable (at once when there are none), with the
  // keys of the rules that were read back from the store (see above).
  using Done = std::function<void(absl::Status status, std::vector<RuleKey> read_back)>;
  void Commit(Done done);

 private:
  // The rules and buses one commit writes.
  struct Touched {
    std::vector<RuleKey> rules;
    std::vector<std::string> buses;
  };
  explicit RuleStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  // Replaces the rule or bus under its key by `now` (nullopt: removes it).
  // The key by value: a caller may pass one held by the entry this erases.
  void Change(RuleKey key, std::optional<Rule> now);
  void ChangeBus(std::string name, std::optional<EventBus> now);
  // Makes memory hold what the store holds for `touched`.
  void ReadBack(const Touched& touched);

  storage::MetadataStore* store_;
  std::map<RuleKey, Rule> rules_;
  std::map<std::string, EventBus, std::less<>> buses_;
  storage::ViewWriter writer_;
  storage::WriteBatch pending_;  // what the next Commit writes
  Touched pending_touched_;
};

std::string RuleToJson(const Rule& rule);
absl::StatusOr<Rule> RuleFromJson(std::string_view text);

}  // namespace serval::events
