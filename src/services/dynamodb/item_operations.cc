// Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem.
#include <boost/json.hpp>

#include "services/dynamodb/capacity.h"
#include "services/dynamodb/dynamodb_errors.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/item_changes.h"
#include "services/dynamodb/request_fields.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

using Prepare = absl::StatusOr<PreparedChange> (*)(std::shared_ptr<const TableSchema>,
                                                   const json::object&, bool);

// The three writes differ only in how they prepare their change: run it alone and answer with
// what ReturnValues asked for.
void WriteOne(ItemStore& store, Prepare prepare, std::shared_ptr<const TableSchema> table,
              const json::object& input, protocol::JsonOperationDone done) {
  auto capacity_mode = ConsumedCapacityMode(input);
  if (!capacity_mode.ok()) return done(capacity_mode.status());
  auto prepared = prepare(table, input, /*in_transaction=*/false);
  if (!prepared.ok()) return done(prepared.status());
  auto shared = std::make_shared<PreparedChange>(*std::move(prepared));
  store.Write({shared->change}, /*all_or_nothing=*/false,
              [shared, table, mode = *capacity_mode,
               done = std::move(done)](absl::StatusOr<std::vector<ChangeResult>> results) {
                if (!results.ok()) return done(results.status());
                const ChangeResult& result = results->front();
                if (!result.status.ok()) return done(FailureWithItem(*shared, result));
                json::object output;
                if (auto attributes = ReturnedAttributes(*shared, result)) {
                  output["Attributes"] = *std::move(attributes);
                }
                if (auto consumed = ConsumedCapacity(
                        mode, WriteCharge(*table, result.old_item.get(), result.new_item.get()))) {
                  output["ConsumedCapacity"] = *std::move(consumed);
                }
                done(std::move(output));
              });
}

}  // namespace

void DynamoDbService::PutItem(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  WriteOne(*store_, &PreparePut, *table, input, std::move(done));
}

void DynamoDbService::UpdateItem(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  WriteOne(*store_, &PrepareUpdate, *table, input, std::move(done));
}

void DynamoDbService::DeleteItem(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  WriteOne(*store_, &PrepareDelete, *table, input, std::move(done));
}

void DynamoDbService::GetItem(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  auto capacity_mode = ConsumedCapacityMode(input);
  if (!capacity_mode.ok()) return done(capacity_mode.status());
  auto key = OptionalObject(input, "Key");
  if (!key.ok()) return done(key.status());
  if (!*key) return done(MissingParameter("key"));
  auto checked = CheckKey(**table, **std::move(key));
  if (!checked.ok()) return done(checked.status());
  auto consistent = OptionalBool(input, "ConsistentRead", false);
  if (!consistent.ok()) return done(consistent.status());
  auto substitutions = Substitutions::FromRequest(input);
  if (!substitutions.ok()) return done(substitutions.status());
  auto projection = RequestProjection(input, *substitutions);
  if (!projection.ok()) return done(projection.status());
  if (auto status = substitutions->CheckAllUsed(); !status.ok()) return done(status);
  store_->Get(
      {{*table, checked->key}},
      [table = *table, projection = *std::move(projection), mode = *capacity_mode,
       consistent = *consistent,
       done = std::move(done)](absl::StatusOr<std::vector<std::shared_ptr<json::object>>> items) {
        if (!items.ok()) return done(items.status());
        json::object output;
        const std::shared_ptr<json::object>& item = items->front();
        if (item) output["Item"] = projection ? projection->Apply(*item) : *item;
        const size_t bytes = item ? ItemSize(*item) : 0;
        if (auto consumed = ConsumedCapacity(
                mode, ReadCharge(table->name, nullptr, ReadUnits(bytes, consistent)))) {
          output["ConsumedCapacity"] = *std::move(consumed);
        }
        done(std::move(output));
      });
}

}  // namespace serval::dynamodb
