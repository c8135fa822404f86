#include "services/events/rule_store.h"

#include <boost/json.hpp>

namespace serval::events {
namespace {

namespace json = boost::json;

json::object StringMap(const std::map<std::string, std::string>& map) {
  json::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

std::string Text(const json::object& in, const char* key) {
  const json::value* value = in.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::map<std::string, std::string> StringMapFrom(const json::object& in, const char* key) {
  std::map<std::string, std::string> map;
  const json::value* value = in.if_contains(key);
  if (!value || !value->is_object()) return map;
  for (const auto& [k, v] : value->get_object()) {
    if (v.is_string()) map[std::string(k)] = std::string(v.get_string());
  }
  return map;
}

}  // namespace

std::string RuleToJson(const Rule& rule) {
  json::array targets;
  for (const auto& [id, target] : rule.targets) {
    json::object entry{{"id", target.id},
                       {"arn", target.arn},
                       {"input", target.input},
                       {"input_path", target.input_path}};
    if (target.has_transformer) {
      entry["transformer"] = json::object{{"paths", StringMap(target.transformer.input_paths_map)},
                                          {"template", target.transformer.input_template}};
    }
    targets.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"name", rule.name},
                                      {"schedule_expression", rule.schedule_expression},
                                      {"event_pattern", rule.event_pattern},
                                      {"enabled", rule.enabled},
                                      {"description", rule.description},
                                      {"role_arn", rule.role_arn},
                                      {"tags", StringMap(rule.tags)},
                                      {"created_millis", rule.created_millis},
                                      {"targets", std::move(targets)}});
}

absl::StatusOr<Rule> RuleFromJson(std::string_view text) {
  json::error_code ec;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !parsed.is_object()) return absl::DataLossError("stored rule is not JSON");
  const json::object& in = parsed.get_object();
  Rule rule;
  rule.name = Text(in, "name");
  rule.schedule_expression = Text(in, "schedule_expression");
  rule.event_pattern = Text(in, "event_pattern");
  const json::value* enabled = in.if_contains("enabled");
  rule.enabled = !enabled || !enabled->is_bool() || enabled->get_bool();
  rule.description = Text(in, "description");
  rule.role_arn = Text(in, "role_arn");
  rule.tags = StringMapFrom(in, "tags");
  const json::value* created = in.if_contains("created_millis");
  rule.created_millis = created && created->is_int64() ? created->get_int64() : 0;
  if (const json::value* targets = in.if_contains("targets"); targets && targets->is_array()) {
    for (const json::value& item : targets->get_array()) {
      if (!item.is_object()) continue;
      const json::object& entry = item.get_object();
      Target target{.id = Text(entry, "id"),
                    .arn = Text(entry, "arn"),
                    .input = Text(entry, "input"),
                    .input_path = Text(entry, "input_path")};
      if (const json::value* transformer = entry.if_contains("transformer");
          transformer && transformer->is_object()) {
        target.has_transformer = true;
        target.transformer.input_paths_map = StringMapFrom(transformer->get_object(), "paths");
        target.transformer.input_template = Text(transformer->get_object(), "template");
      }
      const std::string id = target.id;
      rule.targets[id] = std::move(target);
    }
  }
  if (rule.name.empty()) return absl::DataLossError("stored rule has no name");
  return rule;
}

absl::StatusOr<std::unique_ptr<RuleStore>> RuleStore::Open(storage::SqliteDb* db) {
  std::unique_ptr<RuleStore> store(new RuleStore(db));
  if (auto status = db->ExecScript(
          "CREATE TABLE IF NOT EXISTS events_rules (name TEXT PRIMARY KEY, config TEXT NOT NULL);");
      !status.ok()) {
    return status;
  }
  absl::Status load_error;
  auto status =
      db->Run("SELECT config FROM events_rules", {}, [&](const storage::SqliteDb::Row& row) {
        auto rule = RuleFromJson(row[0]);
        if (!rule.ok()) {
          if (load_error.ok()) load_error = rule.status();
          return;
        }
        const std::string name = rule->name;
        store->rules_[name] = std::move(*rule);
      });
  if (!status.ok()) return status;
  if (!load_error.ok()) return load_error;
  return store;
}

const Rule* RuleStore::Find(std::string_view name) const {
  auto found = rules_.find(name);
  return found == rules_.end() ? nullptr : &found->second;
}

absl::Status RuleStore::Put(Rule rule) {
  if (auto status = db_->Run("INSERT OR REPLACE INTO events_rules(name, config) VALUES(?1, ?2)",
                             {rule.name, RuleToJson(rule)});
      !status.ok()) {
    return status;
  }
  const std::string name = rule.name;
  rules_[name] = std::move(rule);
  return absl::OkStatus();
}

absl::Status RuleStore::Remove(const std::string& name) {
  if (auto status = db_->Run("DELETE FROM events_rules WHERE name = ?1", {name}); !status.ok()) {
    return status;
  }
  rules_.erase(name);
  return absl::OkStatus();
}

}  // namespace serval::events
