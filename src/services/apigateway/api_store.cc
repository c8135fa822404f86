#include "services/apigateway/api_store.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/apigateway/rest_api_json.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kApisTable = "apigateway.restapis";
constexpr std::string_view kDeploymentsTable = "apigateway.deployments";
constexpr std::string_view kStagesTable = "apigateway.stages";

std::string Key(const std::string& api_id, const std::string& name) { return api_id + "/" + name; }

// The API id of a "API id/name" key.
std::string ApiOf(std::string_view key) { return std::string(key.substr(0, key.find('/'))); }

// Loads every record of `table` through `decode` into the entries of its API.
template <typename Decode>
absl::Status Load(storage::MetadataStore* store, std::string_view table, Decode decode) {
  absl::StatusOr<std::vector<storage::Record>> stored = store->Scan(table, {});
  if (!stored.ok()) return stored.status();
  for (const storage::Record& record : *stored) {
    absl::StatusOr<json::object> object = ParseStoredObject(record.value);
    if (!object.ok()) return object.status();
    if (absl::Status decoded = decode(record.key, *object); !decoded.ok()) return decoded;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiStore>> ApiStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<ApiStore> apis(new ApiStore(store));
  absl::Status loaded = Load(store, kApisTable, [&](std::string_view key, json::object& object) {
    absl::StatusOr<RestApi> api = RestApiFromStored(object);
    if (!api.ok()) return api.status();
    apis->apis_[std::string(key)].api = *std::move(api);
    return absl::OkStatus();
  });
  if (!loaded.ok()) return loaded;
  loaded = Load(store, kDeploymentsTable, [&](std::string_view key, json::object& object) {
    absl::StatusOr<Deployment> deployment = DeploymentFromStored(object);
    if (!deployment.ok()) return deployment.status();
    auto entry = apis->apis_.find(ApiOf(key));
    if (entry != apis->apis_.end()) {
      entry->second.deployments[deployment->id] = *std::move(deployment);
    }
    return absl::OkStatus();
  });
  if (!loaded.ok()) return loaded;
  loaded = Load(store, kStagesTable, [&](std::string_view key, json::object& object) {
    Stage stage;
    if (absl::Status read = FromJson(object, stage); !read.ok()) return read;
    auto entry = apis->apis_.find(ApiOf(key));
    if (entry != apis->apis_.end()) entry->second.stages[stage.name] = std::move(stage);
    return absl::OkStatus();
  });
  if (!loaded.ok()) return loaded;
  return apis;
}

const ApiStore::Entry* ApiStore::Find(std::string_view api_id) const {
  auto found = apis_.find(api_id);
  return found == apis_.end() ? nullptr : &found->second;
}

std::optional<ApiStore::Entry> ApiStore::Snapshot(const std::string& api_id) const {
  auto found = apis_.find(api_id);
  if (found == apis_.end()) return std::nullopt;
  return found->second;
}

void ApiStore::Commit(storage::WriteBatch batch, const std::string& api_id,
                      std::optional<Entry> before, Done done) {
  store_->WriteAsync(std::move(batch), [this, api_id, before = std::move(before),
                                        done = std::move(done)](absl::Status status) mutable {
    if (!status.ok()) {
      if (before) {
        apis_[api_id] = *std::move(before);
      } else {
        apis_.erase(api_id);
      }
    }
    done(std::move(status));
  });
}

void ApiStore::PutApi(RestApi api, Done done) {
  const std::string api_id = api.id;
  storage::WriteBatch batch;
  batch.Put(std::string(kApisTable), api_id, json::serialize(StoredJson(api)));
  std::optional<Entry> before = Snapshot(api_id);
  apis_[api_id].api = std::move(api);
  Commit(std::move(batch), api_id, std::move(before), std::move(done));
}

void ApiStore::RemoveApi(const std::string& api_id, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kApisTable), api_id);
  batch.DeletePrefix(std::string(kDeploymentsTable), api_id + "/");
  batch.DeletePrefix(std::string(kStagesTable), api_id + "/");
  std::optional<Entry> before = Snapshot(api_id);
  apis_.erase(api_id);
  Commit(std::move(batch), api_id, std::move(before), std::move(done));
}

void ApiStore::PutDeployment(const std::string& api_id, Deployment deployment, Done done) {
  storage::WriteBatch batch;
  batch.Put(std::string(kDeploymentsTable), Key(api_id, deployment.id),
            json::serialize(StoredJson(deployment)));
  std::optional<Entry> before = Snapshot(api_id);
  apis_[api_id].deployments[deployment.id] = std::move(deployment);
  Commit(std::move(batch), api_id, std::move(before), std::move(done));
}

void ApiStore::RemoveDeployment(const std::string& api_id, const std::string& deployment_id,
                                Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kDeploymentsTable), Key(api_id, deployment_id));
  std::optional<Entry> before = Snapshot(api_id);
  apis_[api_id].deployments.erase(deployment_id);
  Commit(std::move(batch), api_id, std::move(before), std::move(done));
}

void ApiStore::PutStage(const std::string& api_id, Stage stage, Done done) {
  storage::WriteBatch batch;
  batch.Put(std::string(kStagesTable), Key(api_id, stage.name), json::serialize(ToJson(stage)));
  std::optional<Entry> before = Snapshot(api_id);
  apis_[api_id].stages[stage.name] = std::move(stage);
  Commit(std::move(batch), api_id, std::move(before), std::move(done));
}

void ApiStore::RemoveStage(const std::string& api_id, const std::string& stage_name, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kStagesTable), Key(api_id, stage_name));
  std::optional<Entry> before = Snapshot(api_id);
  apis_[api_id].stages.erase(stage_name);
  Commit(std::move(batch), api_id, std::move(before), std::move(done));
}

}  // namespace serval::apigateway
