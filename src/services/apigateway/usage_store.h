#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/apigateway/usage_plan.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::apigateway {

// The account's API keys and usage plans, in memory and written through to the metadata store
// (tables "apigateway.apikeys" and "apigateway.usageplans", by id; docs/formats.md). A change
// is visible at once and acknowledged (`done`) once it is on disk; after a write the disk refused
// the keys and plans are read back from the store before `done` hears the error
// (storage::ViewWriter). Runs only on the io thread.
class UsageStore {
 public:
  using Done = std::function<void(absl::Status)>;

  // Loads every stored key and plan. `store` must outlive the usage store.
  static absl::StatusOr<std::unique_ptr<UsageStore>> Open(storage::MetadataStore* store);

  const std::map<std::string, ApiKey, std::less<>>& keys() const { return keys_; }
  const std::map<std::string, UsagePlan, std::less<>>& plans() const { return plans_; }
  const ApiKey* FindKey(std::string_view id) const;
  const UsagePlan* FindPlan(std::string_view id) const;
  const ApiKey* FindKeyByValue(std::string_view value) const;

  // What a request's API key `value` is worth on `api_id`/`stage`: the enabled key with that
  // value and the first usage plan that both holds it and serves that stage; nullopt when there
  // is none (the gateway answers 403 Forbidden).
  struct Grant {
    const ApiKey* key = nullptr;
    const UsagePlan* plan = nullptr;
  };
  std::optional<Grant> GrantFor(std::string_view value, std::string_view api_id,
                                std::string_view stage) const;

  // Creates or replaces a key. Values are unique: the caller checks with FindKeyByValue.
  void PutKey(ApiKey key, Done done);
  // Removes a key, and it from every plan that holds it.
  // The key by value: a caller may pass one held by the entry this erases.
  void RemoveKey(std::string id, Done done);
  void PutPlan(UsagePlan plan, Done done);
  void RemovePlan(const std::string& id, Done done);

 private:
  explicit UsageStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  // Writes `batch`, then calls `done`.
  void Commit(storage::WriteBatch batch, Done done);
  // Replaces the keys and plans with those the store holds.
  absl::Status LoadAll();
  void IndexValues();

  storage::MetadataStore* store_;
  storage::ViewWriter writer_;
  std::map<std::string, ApiKey, std::less<>> keys_;
  std::map<std::string, UsagePlan, std::less<>> plans_;
  std::map<std::string, std::string, std::less<>> key_by_value_;  // value -> id
};

}  // namespace serval::apigateway
