#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/metadata_store.h"

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

// Every HTTP API, in memory and written through to the metadata store before a change is
// acknowledged: table "apigatewayv2.apis", one record per API keyed by its id, holding the
// API and its children (docs/formats.md). Runs only on the io thread.
class HttpApiStore {
 public:
  // Loads every stored API. `store` must outlive the API store.
  static absl::StatusOr<std::unique_ptr<HttpApiStore>> Open(storage::MetadataStore* store);

  const HttpApi* Find(std::string_view id) const;
  absl::Status Put(HttpApi api);
  absl::Status Remove(const std::string& id);
  const std::map<std::string, HttpApi, std::less<>>& apis() const { return apis_; }

 private:
  explicit HttpApiStore(storage::MetadataStore* store) : store_(store) {}

  storage::MetadataStore* store_;
  std::map<std::string, HttpApi, std::less<>> apis_;
};

}  // namespace serval::apigatewayv2
