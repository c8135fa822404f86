#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::apigatewayv2 {

// One HTTP API (API Gateway v2) with everything under it. Each resource is held as the JSON
// object the API answers with (apigatewayv2's camelCase members: "apiId", "routeKey", ...),
// which is also how it is stored: the control plane validates what it accepts, and the data
// plane reads the members it needs. Thread-compatible value type.
struct HttpApi {
  boost::json::object api;
  // By collection ("routes", "integrations", "stages", "deployments", "authorizers"), then by
  // id (a stage by its name).
  std::map<std::string, std::map<std::string, boost::json::object>, std::less<>> children;

  const std::map<std::string, boost::json::object>* Children(std::string_view collection) const;
  std::string id() const;
};

// Every HTTP API, in memory and written through to the metadata store: table
// "apigatewayv2.apis", one record per API keyed by its id, holding the API and its children
// (docs/formats.md). Runs only on the io thread, which it never blocks on a write.
//
// A change takes effect in memory at once and joins the pending write; Commit writes what is
// pending. The service commits after every request and answers once the commit is durable; the
// APIs a failed commit touched are read back from the store (storage::ViewWriter).
class HttpApiStore {
 public:
  // Loads every stored API. `store` must outlive the API store.
  static absl::StatusOr<std::unique_ptr<HttpApiStore>> Open(storage::MetadataStore* store);

  const HttpApi* Find(std::string_view id) const;
  void Put(HttpApi api);
  void Remove(const std::string& id);
  const std::map<std::string, HttpApi, std::less<>>& apis() const { return apis_; }

  // Runs `done` once the pending changes are durable (at once when there are none).
  void Commit(storage::MetadataStore::WriteCallback done);

 private:
  explicit HttpApiStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  // Makes memory hold what the store holds for the API `id`.
  void ReadBack(const std::string& id);

  storage::MetadataStore* store_;
  storage::ViewWriter writer_;
  std::map<std::string, HttpApi, std::less<>> apis_;
  storage::WriteBatch pending_;       // what the next Commit writes
  std::vector<std::string> touched_;  // the ids it writes
};

}  // namespace serval::apigatewayv2
