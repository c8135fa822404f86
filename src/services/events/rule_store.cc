#include "services/events/rule_store.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace serval::events {

namespace json = boost::json;

namespace {
constexpr char kRules[] = "events.rules";  // by rule name, "BUS/NAME" off the default bus
constexpr char kBuses[] = "events.buses";  // custom buses by name

std::string StoredKey(std::string_view bus, std::string_view name) {
  return bus == kDefaultBus ? std::string(name) : fmt::format("{}/{}", bus, name);
}

std::string BusToJson(const EventBus& bus) {
  json::object tags;
  for (const auto& [key, value] : bus.tags) tags[key] = value;
  return json::serialize(json::object{{"name", bus.name},
                                      {"description", bus.description},
                                      {"created_millis", bus.created_millis},
                                      {"tags", std::move(tags)}});
}

absl::StatusOr<EventBus> BusFromJson(std::string_view text) {
  auto parsed = ParseStoredObject(text);
  if (!parsed.ok()) return parsed.status();
  EventBus bus{.name = StringMember(*parsed, "name"),
               .description = StringMember(*parsed, "description"),
               .created_millis = IntMember(*parsed, "created_millis", 0)};
  if (const json::value* tags = parsed->if_contains("tags"); tags && tags->is_object()) {
    for (const auto& [key, value] : tags->get_object()) {
      if (value.is_string()) bus.tags[std::string(key)] = std::string(value.get_string());
    }
  }
  return bus;
}
}  // namespace

std::string RuleToJson(const Rule& rule) {
  json::array targets;
  for (const auto& [id, target] : rule.targets) {
    json::object entry{{"id", target.id},
                       {"arn", target.arn},
                       {"input", target.input},
                       {"input_path", target.input_path}};
    if (!target.role_arn.empty()) entry["role_arn"] = target.role_arn;
    if (target.max_retry_attempts >= 0) entry["max_retry_attempts"] = target.max_retry_attempts;
    if (target.max_event_age_seconds >= 0) {
      entry["max_event_age_seconds"] = target.max_event_age_seconds;
    }
    if (!target.dead_letter_arn.empty()) entry["dead_letter_arn"] = target.dead_letter_arn;
    if (target.has_transformer) {
      entry["transformer"] =
          json::object{{"paths", StringMapToJson(target.transformer.input_paths_map)},
                       {"template", target.transformer.input_template}};
    }
    targets.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"bus", rule.bus},
                                      {"name", rule.name},
                                      {"schedule_expression", rule.schedule_expression},
                                      {"event_pattern", rule.event_pattern},
                                      {"enabled", rule.enabled},
                                      {"description", rule.description},
                                      {"role_arn", rule.role_arn},
                                      {"tags", StringMapToJson(rule.tags)},
                                      {"created_millis", rule.created_millis},
                                      {"targets", std::move(targets)}});
}

absl::StatusOr<Rule> RuleFromJson(std::string_view text) {
  auto parsed = ParseStoredObject(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  Rule rule;
  if (const std::string bus = StringMember(in, "bus"); !bus.empty()) rule.bus = bus;
  rule.name = StringMember(in, "name");
  rule.schedule_expression = StringMember(in, "schedule_expression");
  rule.event_pattern = StringMember(in, "event_pattern");
  const json::value* enabled = in.if_contains("enabled");
  rule.enabled = !enabled || !enabled->is_bool() || enabled->get_bool();
  rule.description = StringMember(in, "description");
  rule.role_arn = StringMember(in, "role_arn");
  rule.tags = StringMapFromJson(in.if_contains("tags"));
  rule.created_millis = IntMember(in, "created_millis", 0);
  if (const json::value* targets = in.if_contains("targets"); targets && targets->is_array()) {
    for (const json::value& item : targets->get_array()) {
      if (!item.is_object()) continue;
      const json::object& entry = item.get_object();
      Target target{
          .id = StringMember(entry, "id"),
          .arn = StringMember(entry, "arn"),
          .input = StringMember(entry, "input"),
          .input_path = StringMember(entry, "input_path"),
          .role_arn = StringMember(entry, "role_arn"),
          .max_retry_attempts = static_cast<int>(IntMember(entry, "max_retry_attempts", -1)),
          .max_event_age_seconds = static_cast<int>(IntMember(entry, "max_event_age_seconds", -1)),
          .dead_letter_arn = StringMember(entry, "dead_letter_arn")};
      if (const json::value* transformer = entry.if_contains("transformer");
          transformer && transformer->is_object()) {
        target.has_transformer = true;
        target.transformer.input_paths_map =
            StringMapFromJson(transformer->get_object().if_contains("paths"));
        target.transformer.input_template = StringMember(transformer->get_object(), "template");
      }
      const std::string id = target.id;
      rule.targets[id] = std::move(target);
    }
  }
  if (rule.name.empty()) return absl::DataLossError("stored rule has no name");
  return rule;
}

absl::StatusOr<std::unique_ptr<RuleStore>> RuleStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<RuleStore> rules(new RuleStore(store));
  auto buses = store->Scan(kBuses, {});
  if (!buses.ok()) return buses.status();
  for (const storage::Record& record : *buses) {
    auto bus = BusFromJson(record.value);
    if (!bus.ok()) return bus.status();
    const std::string name = bus->name;
    rules->buses_[name] = *std::move(bus);
  }
  auto records = store->Scan(kRules, {});
  if (!records.ok()) return records.status();
  for (const storage::Record& record : *records) {
    auto rule = RuleFromJson(record.value);
    if (!rule.ok()) return rule.status();
    RuleKey key{rule->bus, rule->name};
    rules->rules_[std::move(key)] = std::move(*rule);
  }
  return rules;
}

const Rule* RuleStore::Find(std::string_view bus, std::string_view name) const {
  auto found = rules_.find(RuleKey(bus, name));
  return found == rules_.end() ? nullptr : &found->second;
}

void RuleStore::Change(RuleKey key, std::optional<Rule> now) {
  if (now) {
    pending_.Put(kRules, StoredKey(key.first, key.second), RuleToJson(*now));
    rules_[key] = *std::move(now);
  } else {
    pending_.Delete(kRules, StoredKey(key.first, key.second));
    rules_.erase(key);
  }
  pending_touched_.rules.push_back(key);
}

void RuleStore::Put(Rule rule) {
  const RuleKey key{rule.bus, rule.name};
  Change(key, std::move(rule));
}

void RuleStore::Remove(const std::string& bus, const std::string& name) {
  Change(RuleKey(bus, name), std::nullopt);
}

bool RuleStore::HasBus(std::string_view name) const {
  return name == kDefaultBus || buses_.find(name) != buses_.end();
}

void RuleStore::ChangeBus(std::string name, std::optional<EventBus> now) {
  if (now) {
    pending_.Put(kBuses, name, BusToJson(*now));
    buses_[name] = *std::move(now);
  } else {
    pending_.Delete(kBuses, name);
    buses_.erase(name);
  }
  pending_touched_.buses.push_back(name);
}

void RuleStore::PutBus(EventBus bus) {
  const std::string name = bus.name;
  ChangeBus(name, std::move(bus));
}

void RuleStore::RemoveBus(const std::string& name) {
  std::vector<RuleKey> on_bus;
  for (auto it = rules_.lower_bound(RuleKey(name, ""));
       it != rules_.end() && it->first.first == name; ++it) {
    on_bus.push_back(it->first);
  }
  for (const RuleKey& key : on_bus) Change(key, std::nullopt);
  ChangeBus(name, std::nullopt);
}

void RuleStore::Commit(Done done) {
  if (pending_.ops().empty()) return done(absl::OkStatus(), {});
  auto touched = std::make_shared<Touched>(std::exchange(pending_touched_, {}));
  auto read_back = std::make_shared<bool>(false);
  writer_.Write(
      std::exchange(pending_, storage::WriteBatch()),
      [this, touched, read_back] {
        ReadBack(*touched);
        *read_back = true;
      },
      [touched, read_back, done = std::move(done)](absl::Status status) {
        done(std::move(status), *read_back ? touched->rules : std::vector<RuleKey>());
      });
}

void RuleStore::ReadBack(const Touched& touched) {
  for (const RuleKey& key : touched.rules) {
    storage::ReplaceWithStored(rules_, key, store_->Get(kRules, StoredKey(key.first, key.second)),
                               RuleFromJson);
  }
  for (const std::string& name : touched.buses) {
    storage::ReplaceWithStored(buses_, name, store_->Get(kBuses, name), BusFromJson);
  }
}

}  // namespace serval::events
