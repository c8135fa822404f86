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

// Loads the records of `table` whose keys start with `prefix` through `decode`.
template <typename Decode>
absl::Status Load(storage::MetadataStore* store, std::string_view table, const std::string& prefix,
                  Decode decode) {
  absl::StatusOr<std::vector<storage::Record>> stored = store->Scan(table, {.prefix = prefix});
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
  absl::Status loaded =
      Load(store, kApisTable, "",
           [&](std::string_view key, json::object& object) { return apis->AddApi(key, object); });
  if (!loaded.ok()) return loaded;
  if (loaded = apis->LoadPartsOf(""); !loaded.ok()) return loaded;
  return apis;
}

absl::Status ApiStore::AddApi(std::string_view api_id, json::object& stored) {
  absl::StatusOr<RestApi> api = RestApiFromStored(stored);
  if (!api.ok()) return api.status();
  apis_[std::string(api_id)].api = *std::move(api);
  return absl::OkStatus();
}

absl::Status ApiStore::LoadPartsOf(const std::string& prefix) {
  absl::Status loaded =
      Load(store_, kDeploymentsTable, prefix, [&](std::string_view key, json::object& object) {
        absl::StatusOr<Deployment> deployment = DeploymentFromStored(object);
        if (!deployment.ok()) return deployment.status();
        auto entry = apis_.find(ApiOf(key));
        if (entry != apis_.end())
          entry->second.deployments[deployment->id] = *std::move(deployment);
        return absl::OkStatus();
      });
  if (!loaded.ok()) return loaded;
  return Load(store_, kStagesTable, prefix, [&](std::string_view key, json::object& object) {
    Stage stage;
    if (absl::Status read = FromJson(object, stage); !read.ok()) return read;
    auto entry = apis_.find(ApiOf(key));
    if (entry != apis_.end()) entry->second.stages[stage.name] = std::move(stage);
    return absl::OkStatus();
  });
}

void ApiStore::ReadBack(const std::string& api_id) {
  apis_.erase(api_id);
  absl::StatusOr<std::optional<std::string>> stored = store_->Get(kApisTable, api_id);
  if (!stored.ok() || !stored->has_value()) return;
  absl::StatusOr<json::object> object = ParseStoredObject(**stored);
  if (!object.ok() || !AddApi(api_id, *object).ok()) return;
  // What cannot be read stays out of the view, as a restart would refuse it.
  if (!LoadPartsOf(api_id + "/").ok()) apis_.erase(api_id);
}

const ApiStore::Entry* ApiStore::Find(std::string_view api_id) const {
  auto found = apis_.find(api_id);
  return found == apis_.end() ? nullptr : &found->second;
}

void ApiStore::Commit(storage::WriteBatch batch, const std::string& api_id, Done done) {
  writer_.Write(
      std::move(batch), [this, api_id] { ReadBack(api_id); }, std::move(done));
}

void ApiStore::PutApi(RestApi api, Done done) {
  const std::string api_id = api.id;
  storage::WriteBatch batch;
  batch.Put(std::string(kApisTable), api_id, json::serialize(StoredJson(api)));
  apis_[api_id].api = std::move(api);
  Commit(std::move(batch), api_id, std::move(done));
}

void ApiStore::RemoveApi(std::string api_id, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kApisTable), api_id);
  batch.DeletePrefix(std::string(kDeploymentsTable), api_id + "/");
  batch.DeletePrefix(std::string(kStagesTable), api_id + "/");
  apis_.erase(api_id);
  Commit(std::move(batch), api_id, std::move(done));
}

void ApiStore::PutDeployment(const std::string& api_id, Deployment deployment, Done done) {
  storage::WriteBatch batch;
  batch.Put(std::string(kDeploymentsTable), Key(api_id, deployment.id),
            json::serialize(StoredJson(deployment)));
  apis_[api_id].deployments[deployment.id] = std::move(deployment);
  Commit(std::move(batch), api_id, std::move(done));
}

void ApiStore::RemoveDeployment(const std::string& api_id, const std::string& deployment_id,
                                Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kDeploymentsTable), Key(api_id, deployment_id));
  apis_[api_id].deployments.erase(deployment_id);
  Commit(std::move(batch), api_id, std::move(done));
}

void ApiStore::PutStage(const std::string& api_id, Stage stage, Done done) {
  storage::WriteBatch batch;
  batch.Put(std::string(kStagesTable), Key(api_id, stage.name), json::serialize(ToJson(stage)));
  apis_[api_id].stages[stage.name] = std::move(stage);
  Commit(std::move(batch), api_id, std::move(done));
}

void ApiStore::RemoveStage(const std::string& api_id, const std::string& stage_name, Done done) {
  storage::WriteBatch batch;
  batch.Delete(std::string(kStagesTable), Key(api_id, stage_name));
  apis_[api_id].stages.erase(stage_name);
  Commit(std::move(batch), api_id, std::move(done));
}

}  // namespace serval::apigateway
