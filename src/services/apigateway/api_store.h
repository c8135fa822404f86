#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/apigateway/rest_api.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::apigateway {

// REST APIs with their deployments and stages, in memory and written through to the metadata
// store (tables "apigateway.restapis" by API id, "apigateway.deployments" and
// "apigateway.stages" by "API id/name"; docs/formats.md, "API Gateway"). A change is visible at
// once and acknowledged (`done`) once it is on disk; the API a write the disk refused touched is
// read back from the store before `done` hears the error (storage::ViewWriter). Runs only on
// the io thread.
class ApiStore {
 public:
  using Done = std::function<void(absl::Status)>;

  // One API and what hangs off it.
  struct Entry {
    RestApi api;
    std::map<std::string, Deployment> deployments;  // by id
    std::map<std::string, Stage> stages;            // by name
  };

  // Loads every stored API. `store` must outlive the API store.
  static absl::StatusOr<std::unique_ptr<ApiStore>> Open(storage::MetadataStore* store);

  const Entry* Find(std::string_view api_id) const;
  const std::map<std::string, Entry, std::less<>>& apis() const { return apis_; }

  // Creates or replaces the API (its deployments and stages stay).
  void PutApi(RestApi api, Done done);
  // Removes the API with its deployments and stages.
  // The key by value: a caller may pass one held by the entry this erases.
  void RemoveApi(std::string api_id, Done done);
  void PutDeployment(const std::string& api_id, Deployment deployment, Done done);
  void RemoveDeployment(const std::string& api_id, const std::string& deployment_id, Done done);
  void PutStage(const std::string& api_id, Stage stage, Done done);
  void RemoveStage(const std::string& api_id, const std::string& stage_name, Done done);

 private:
  explicit ApiStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  // Writes `batch`, which changes `api_id`'s entry, then calls `done`.
  void Commit(storage::WriteBatch batch, const std::string& api_id, Done done);
  // Adds the API stored as `stored` to the view.
  absl::Status AddApi(std::string_view api_id, boost::json::object& stored);
  // Adds the stored deployments and stages whose keys start with `prefix` to their APIs.
  absl::Status LoadPartsOf(const std::string& prefix);
  // `api_id`'s entry becomes what the store holds.
  void ReadBack(const std::string& api_id);

  storage::MetadataStore* store_;
  storage::ViewWriter writer_;
  std::map<std::string, Entry, std::less<>> apis_;
};

}  // namespace serval::apigateway
