#include "services/apigatewayv2/http_api_store.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr char kTable[] = "apigatewayv2.apis";

std::string ToStorage(const HttpApi& api) {
  json::object children;
  for (const auto& [collection, items] : api.children) {
    json::object by_id;
    for (const auto& [id, item] : items) by_id[id] = item;
    children[collection] = std::move(by_id);
  }
  return json::serialize(json::object{{"api", api.api}, {"children", std::move(children)}});
}

absl::StatusOr<HttpApi> FromStorage(std::string_view text) {
  auto parsed = ParseStoredObject(text);
  if (!parsed.ok()) return parsed.status();
  const json::value* api = parsed->if_contains("api");
  const json::value* children = parsed->if_contains("children");
  if (!api || !api->is_object() || !children || !children->is_object()) {
    return absl::DataLossError("stored HTTP API lacks its api or children");
  }
  HttpApi out{.api = api->get_object()};
  for (const auto& [collection, items] : children->get_object()) {
    if (!items.is_object()) return absl::DataLossError("stored HTTP API has a bad collection");
    auto& target = out.children[std::string(collection)];
    for (const auto& [id, item] : items.get_object()) {
      if (!item.is_object()) return absl::DataLossError("stored HTTP API has a bad resource");
      target[std::string(id)] = item.get_object();
    }
  }
  return out;
}

}  // namespace

const std::map<std::string, json::object>* HttpApi::Children(std::string_view collection) const {
  auto found = children.find(collection);
  return found == children.end() ? nullptr : &found->second;
}

std::string HttpApi::id() const { return StringMember(api, "apiId"); }

absl::StatusOr<std::unique_ptr<HttpApiStore>> HttpApiStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<HttpApiStore> apis(new HttpApiStore(store));
  auto records = store->Scan(kTable, {});
  if (!records.ok()) return records.status();
  for (const storage::Record& record : *records) {
    auto api = FromStorage(record.value);
    if (!api.ok()) return api.status();
    apis->apis_[record.key] = *std::move(api);
  }
  return apis;
}

const HttpApi* HttpApiStore::Find(std::string_view id) const {
  auto found = apis_.find(id);
  return found == apis_.end() ? nullptr : &found->second;
}

void HttpApiStore::Put(HttpApi api) {
  const std::string id = api.id();
  pending_.Put(kTable, id, ToStorage(api));
  touched_.push_back(id);
  apis_[id] = std::move(api);
}

void HttpApiStore::Remove(const std::string& id) {
  pending_.Delete(kTable, id);
  touched_.push_back(id);
  apis_.erase(id);
}

void HttpApiStore::Commit(storage::MetadataStore::WriteCallback done) {
  if (pending_.ops().empty()) return done(absl::OkStatus());
  writer_.Write(
      std::exchange(pending_, storage::WriteBatch()),
      [this, touched = std::exchange(touched_, {})] {
        for (const std::string& id : touched) ReadBack(id);
      },
      std::move(done));
}

void HttpApiStore::ReadBack(const std::string& id) {
  storage::ReplaceWithStored(apis_, id, store_->Get(kTable, id), FromStorage);
}

}  // namespace serval::apigatewayv2
