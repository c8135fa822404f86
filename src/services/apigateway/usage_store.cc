#include "services/apigateway/usage_store.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kKeysTable = "apigateway.apikeys";
constexpr std::string_view kPlansTable = "apigateway.usageplans";

// Loads every record of `table` into `out` by id.
template <typename Value>
absl::Status Load(storage::MetadataStore* store, std::string_view table,
                  std::map<std::string, Value, std::less<>>& out) {
  absl::StatusOr<std::vector<storage::Record>> stored = store->Scan(table, {});
  if (!stored.ok()) return stored.status();
  for (const storage::Record& record : *stored) {
    absl::StatusOr<json::object> object = ParseStoredObject(record.value);
    if (!object.ok()) return object.status();
    Value value;
    if (absl::Status read = FromJson(*object, value); !read.ok()) {
      return absl::DataLossError("stored " + std::string(table) + " record " + record.key +
                                 " is damaged: " + std::string(read.message()));
    }
    out[record.key] = std::move(value);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<UsageStore>> UsageStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<UsageStore> usage(new UsageStore(store));
  if (absl::Status loaded = usage->LoadAll(); !loaded.ok()) return loaded;
  return usage;
}

const ApiKey* UsageStore::FindKey(std::string_view id) const {
  auto found = keys_.find(id);
  return found == keys_.end() ? nullptr : &found->second;
}

const UsagePlan* UsageStore::FindPlan(std::string_view id) const {
  auto found = plans_.find(id);
  return found == plans_.end() ? nullptr : &found->second;
}

const ApiKey* UsageStore::FindKeyByValue(std::string_view value) const {
  auto id = key_by_value_.find(value);
  return id == key_by_value_.end() ? nullptr : FindKey(id->second);
}

std::optional<UsageStore::Grant> UsageStore::GrantFor(std::string_view value,
                                                      std::string_view api_id,
                                                      std::string_view stage) const {
  const ApiKey* key = FindKeyByValue(value);
  if (value.empty() || key == nullptr || !key->enabled) return std::nullopt;
  for (const auto& [plan_id, plan] : plans_) {
    if (!plan.key_ids.contains(key->id)) continue;
    for (const ApiStage& bound : plan.api_stages) {
      if (bound.api_id == api_id && bound.stage == stage) return Grant{key, &plan};
    }
  }
  return std::nullopt;
}

void UsageStore::IndexValues() {
  key_by_value_.clear();
  for (const auto& [id, key] : keys_) key_by_value_[key.value] = id;
}

absl::Status UsageStore::LoadAll() {
  keys_.clear();
  plans_.clear();
  absl::Status loaded = Load(store_, kKeysTable, keys_);
  if (loaded.ok()) loaded = Load(store_, kPlansTable, plans_);
  IndexValues();
  return loaded;
}

void UsageStore::Commit(storage::WriteBatch batch, Done done) {
  IndexValues();
  // Keys and plans are few (an account's): a refused write reloads them all.
  writer_.Write(
      std::move(batch), [this] { LoadAll().IgnoreError(); }, std::move(done));
}

void UsageStore::PutKey(ApiKey key, Done done) {
  storage::WriteBatch batch;
  batch.Put(std::string(kKeysTable), key.id, json::serialize(StoredJson(key)));
  keys_[key.id] = std::move(key);
  Commit(std::move(batch), std::move(done));
}

void UsageStore::RemoveKey(std::string id, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kKeysTable), id);
  keys_.erase(id);
  for (auto& [plan_id, plan] : plans_) {
    if (plan.key_ids.erase(id) > 0) {
      batch.Put(std::string(kPlansTable), plan_id, json::serialize(StoredJson(plan)));
    }
  }
  Commit(std::move(batch), std::move(done));
}

void UsageStore::PutPlan(UsagePlan plan, Done done) {
  storage::WriteBatch batch;
  batch.Put(std::string(kPlansTable), plan.id, json::serialize(StoredJson(plan)));
  plans_[plan.id] = std::move(plan);
  Commit(std::move(batch), std::move(done));
}

void UsageStore::RemovePlan(const std::string& id, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kPlansTable), id);
  plans_.erase(id);
  Commit(std::move(batch), std::move(done));
}

}  // namespace serval::apigateway
