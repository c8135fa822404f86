// Batches and transactions: BatchWriteItem, BatchGetItem, TransactWriteItems, TransactGetItems.
#include <boost/json.hpp>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "common/aws_error.h"
#include "common/crypto.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/dynamodb_errors.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/item_changes.h"
#include "services/dynamodb/request_fields.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

constexpr size_t kMaxBatchWrites = 25;
constexpr size_t kMaxBatchGets = 100;
constexpr size_t kMaxTransactItems = 100;
constexpr int64_t kTokenLifetimeMillis = 10 * 60 * 1000;

// A table and an encoded key, as one string, to find two operations on one item.
std::string ItemIdentity(const TableSchema& table, const ItemKey& key) {
  return std::to_string(table.id) + '\0' + std::to_string(key.hash.size()) + '\0' + key.hash +
         key.range;
}

absl::StatusOr<const json::object*> RequestItems(const json::object& input) {
  const json::value* items = input.if_contains("RequestItems");
  if (items == nullptr || items->is_null()) return MissingParameter("requestItems");
  if (!items->is_object()) return ValidationError("Invalid RequestItems");
  if (items->get_object().empty()) {
    return ValidationError(
        "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1");
  }
  return &items->get_object();
}

// The cancellation of a transaction: one reason per action, in request order.
absl::Status Cancelled(const std::vector<PreparedChange>& prepared,
                       const std::vector<ChangeResult>& results) {
  json::array reasons;
  std::vector<std::string> codes;
  for (size_t i = 0; i < results.size(); ++i) {
    const absl::Status& status = results[i].status;
    if (status.ok()) {
      reasons.push_back(json::object{{"Code", "None"}});
      codes.emplace_back("None");
      continue;
    }
    const bool condition = AwsErrorCode(status) == "ConditionalCheckFailedException";
    const std::string code = condition ? "ConditionalCheckFailed" : "ValidationError";
    json::object reason{{"Code", code}, {"Message", std::string(status.message())}};
    if (condition && prepared[i].return_old_on_failure && results[i].old_item) {
      reason["Item"] = *results[i].old_item;
    }
    reasons.push_back(std::move(reason));
    codes.push_back(code);
  }
  absl::Status cancelled =
      AwsError(absl::StatusCode::kAborted, "TransactionCanceledException",
               "Transaction cancelled, please refer cancellation reasons for specific reasons [" +
                   absl::StrJoin(codes, ", ") + "]");
  return WithErrorDocument(cancelled, "CancellationReasons", json::serialize(reasons));
}

// TransactItems of TransactWriteItems and TransactGetItems: 1 to 100 actions.
absl::StatusOr<const json::array*> TransactItems(const json::object& input) {
  const json::value* items = input.if_contains("TransactItems");
  if (items == nullptr || !items->is_array()) return MissingParameter("transactItems");
  const json::array& actions = items->get_array();
  if (actions.empty() || actions.size() > kMaxTransactItems) {
    return ValidationError(
        std::string("1 validation error detected at 'transactItems' failed to satisfy "
                    "constraint: Member must have length ") +
        (actions.empty() ? "greater than or equal to 1" : "less than or equal to 100"));
  }
  return &actions;
}

}  // namespace

void DynamoDbService::BatchWriteItem(const Input& input, Done done) {
  auto request_items = RequestItems(input);
  if (!request_items.ok()) return done(request_items.status());
  auto capacity_mode = ConsumedCapacityMode(input);
  if (!capacity_mode.ok()) return done(capacity_mode.status());
  std::vector<ItemChange> changes;
  std::vector<std::shared_ptr<const TableSchema>> tables;  // each change's
  absl::flat_hash_set<std::string> seen;
  for (const auto& [table_name, requests] : **request_items) {
    auto table = FindTable(table_name);
    if (!table.ok()) return done(table.status());
    if (!requests.is_array() || requests.get_array().empty()) {
      return done(
          ValidationError("1 validation error detected: Value at 'requestItems' failed to "
                          "satisfy constraint: Member must have length greater than or "
                          "equal to 1"));
    }
    for (const json::value& request : requests.get_array()) {
      const json::object* wrapper = request.if_object();
      if (wrapper == nullptr || wrapper->size() != 1) {
        return done(ValidationError(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes"));
      }
      const auto& [kind, body] = *wrapper->begin();
      if (!body.is_object()) return done(ValidationError("Invalid WriteRequest"));
      absl::StatusOr<PreparedChange> prepared = absl::InvalidArgumentError("");
      if (kind == "PutRequest") {
        prepared = PreparePut(*table, body.get_object(), /*in_transaction=*/true);
      } else if (kind == "DeleteRequest") {
        prepared = PrepareDelete(*table, body.get_object(), /*in_transaction=*/true);
      } else {
        return done(ValidationError("Invalid WriteRequest: " + std::string(kind)));
      }
      if (!prepared.ok()) return done(prepared.status());
      if (!seen.insert(ItemIdentity(**table, prepared->change.key)).second) {
        return done(ValidationError("Provided list of item keys contains duplicates"));
      }
      changes.push_back(std::move(prepared->change));
      tables.push_back(*table);
    }
  }
  if (changes.size() > kMaxBatchWrites) {
    return done(ValidationError(
        "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map "
        "value must satisfy constraint: [Member must have length less than or equal to 25, Member "
        "must have length greater than or equal to 1]"));
  }
  store_->Write(
      std::move(changes), /*all_or_nothing=*/false,
      [tables = std::move(tables), mode = *capacity_mode,
       done = std::move(done)](absl::StatusOr<std::vector<ChangeResult>> results) {
        if (!results.ok()) return done(results.status());
        json::object output{{"UnprocessedItems", json::object{}}};
        std::vector<CapacityCharge> charges;
        for (size_t i = 0; i < results->size(); ++i) {
          const ChangeResult& result = (*results)[i];
          charges.push_back(WriteCharge(*tables[i], result.old_item.get(), result.new_item.get()));
        }
        AddConsumedCapacity(output, mode, charges);
        done(std::move(output));
      });
}

void DynamoDbService::BatchGetItem(const Input& input, Done done) {
  auto request_items = RequestItems(input);
  if (!request_items.ok()) return done(request_items.status());
  auto capacity_mode = ConsumedCapacityMode(input);
  if (!capacity_mode.ok()) return done(capacity_mode.status());
  struct TableRead {
    std::string name;
    std::optional<Projection> projection;
    bool consistent = false;
    size_t count = 0;
  };
  std::vector<TableRead> reads;
  std::vector<std::pair<std::shared_ptr<const TableSchema>, ItemKey>> keys;
  for (const auto& [table_name, request] : **request_items) {
    auto table = FindTable(table_name);
    if (!table.ok()) return done(table.status());
    if (!request.is_object()) return done(ValidationError("Invalid KeysAndAttributes"));
    const json::object& part = request.get_object();
    auto substitutions = Substitutions::FromRequest(part);
    if (!substitutions.ok()) return done(substitutions.status());
    auto projection = RequestProjection(part, *substitutions);
    if (!projection.ok()) return done(projection.status());
    if (auto status = substitutions->CheckAllUsed(); !status.ok()) return done(status);
    const json::value* key_list = part.if_contains("Keys");
    if (key_list == nullptr || !key_list->is_array() || key_list->get_array().empty()) {
      return done(MissingParameter("requestItems." + std::string(table_name) + ".member.keys"));
    }
    auto consistent = OptionalBool(part, "ConsistentRead", false);
    if (!consistent.ok()) return done(consistent.status());
    absl::flat_hash_set<std::string> seen;
    TableRead read{std::string(table_name), *std::move(projection), *consistent, 0};
    for (const json::value& key : key_list->get_array()) {
      if (!key.is_object()) return done(ValidationError("Invalid Keys"));
      auto checked = CheckKey(**table, key.get_object());
      if (!checked.ok()) return done(checked.status());
      if (!seen.insert(ItemIdentity(**table, checked->key)).second) {
        return done(ValidationError("Provided list of item keys contains duplicates"));
      }
      keys.emplace_back(*table, std::move(checked->key));
      ++read.count;
    }
    reads.push_back(std::move(read));
  }
  if (keys.size() > kMaxBatchGets) {
    return done(ValidationError("Too many items requested for the BatchGetItem call"));
  }
  store_->Get(std::move(keys), [reads = std::move(reads), mode = *capacity_mode,
                                done = std::move(done)](
                                   absl::StatusOr<std::vector<std::shared_ptr<json::object>>>
                                       items) {
    if (!items.ok()) return done(items.status());
    json::object responses;
    std::vector<CapacityCharge> charges;  // each item read, found or not
    size_t next = 0;
    for (const TableRead& read : reads) {
      json::array found;
      for (size_t i = 0; i < read.count; ++i, ++next) {
        const std::shared_ptr<json::object>& item = (*items)[next];
        charges.push_back(
            ReadCharge(read.name, nullptr, ReadUnits(item ? ItemSize(*item) : 0, read.consistent)));
        if (item) found.push_back(read.projection ? read.projection->Apply(*item) : *item);
      }
      responses[read.name] = std::move(found);
    }
    json::object output{{"Responses", std::move(responses)}, {"UnprocessedKeys", json::object{}}};
    AddConsumedCapacity(output, mode, charges);
    done(std::move(output));
  });
}

void DynamoDbService::TransactWriteItems(const Input& input, Done done) {
  auto items = TransactItems(input);
  if (!items.ok()) return done(items.status());
  const json::array& actions = **items;
  auto capacity_mode = ConsumedCapacityMode(input);
  if (!capacity_mode.ok()) return done(capacity_mode.status());
  // ClientRequestToken: a repeat within 10 minutes is answered without running again.
  auto token = OptionalString(input, "ClientRequestToken");
  if (!token.ok()) return done(token.status());
  const int64_t now = clock_->NowMillis();
  for (auto entry = transaction_tokens_.begin(); entry != transaction_tokens_.end();) {
    if (now - entry->second.second > kTokenLifetimeMillis) {
      transaction_tokens_.erase(entry++);
    } else {
      ++entry;
    }
  }
  const std::string request_hash = Sha256(json::serialize(actions));
  if (*token) {
    auto seen = transaction_tokens_.find(**token);
    if (seen != transaction_tokens_.end()) {
      if (seen->second.first != request_hash) {
        return done(AwsError(absl::StatusCode::kInvalidArgument,
                             "IdempotentParameterMismatchException",
                             "Request with same client token has different parameters"));
      }
      return done(json::object{});
    }
  }
  auto prepared = std::make_shared<std::vector<PreparedChange>>();
  absl::flat_hash_set<std::string> seen;
  for (const json::value& action : actions) {
    const json::object* wrapper = action.if_object();
    if (wrapper == nullptr || wrapper->size() != 1 || !wrapper->begin()->value().is_object()) {
      return done(
          ValidationError("TransactItems can only contain one of Check, Put, Update or Delete"));
    }
    const auto& [kind, body] = *wrapper->begin();
    const json::object& part = body.get_object();
    auto table = FindTable(part);
    if (!table.ok()) return done(table.status());
    absl::StatusOr<PreparedChange> change = absl::InvalidArgumentError("");
    if (kind == "Put") {
      change = PreparePut(*table, part, /*in_transaction=*/true);
    } else if (kind == "Update") {
      change = PrepareUpdate(*table, part, /*in_transaction=*/true);
    } else if (kind == "Delete") {
      change = PrepareDelete(*table, part, /*in_transaction=*/true);
    } else if (kind == "ConditionCheck") {
      change = PrepareConditionCheck(*table, part);
    } else {
      return done(
          ValidationError("TransactItems can only contain one of Check, Put, Update or Delete"));
    }
    if (!change.ok()) return done(change.status());
    if (!seen.insert(ItemIdentity(**table, change->change.key)).second) {
      return done(
          ValidationError("Transaction request cannot include multiple operations on one item"));
    }
    prepared->push_back(*std::move(change));
  }
  std::vector<ItemChange> changes;
  for (const PreparedChange& change : *prepared) changes.push_back(change.change);
  store_->Write(
      std::move(changes), /*all_or_nothing=*/true,
      [this, prepared, token = *token, request_hash, now, mode = *capacity_mode,
       done = std::move(done)](absl::StatusOr<std::vector<ChangeResult>> results) {
        if (!results.ok()) return done(results.status());
        for (const ChangeResult& result : *results) {
          if (!result.status.ok()) return done(Cancelled(*prepared, *results));
        }
        if (token) transaction_tokens_[*token] = {request_hash, now};
        json::object output;
        std::vector<CapacityCharge> charges;  // a transactional write costs twice a plain one
        for (size_t i = 0; i < results->size(); ++i) {
          const ChangeResult& result = (*results)[i];
          charges.push_back(WriteCharge(*(*prepared)[i].change.table, result.old_item.get(),
                                        result.new_item.get(), /*factor=*/2));
        }
        AddConsumedCapacity(output, mode, charges);
        done(std::move(output));
      });
}

void DynamoDbService::TransactGetItems(const Input& input, Done done) {
  auto items = TransactItems(input);
  if (!items.ok()) return done(items.status());
  const json::array& actions = **items;
  auto capacity_mode = ConsumedCapacityMode(input);
  if (!capacity_mode.ok()) return done(capacity_mode.status());
  std::vector<std::pair<std::shared_ptr<const TableSchema>, ItemKey>> keys;
  auto table_names = std::make_shared<std::vector<std::string>>();
  auto projections = std::make_shared<std::vector<std::optional<Projection>>>();
  for (const json::value& action : actions) {
    const json::value* get = action.is_object() ? action.get_object().if_contains("Get") : nullptr;
    if (get == nullptr || !get->is_object())
      return done(MissingParameter("transactItems.member.get"));
    const json::object& part = get->get_object();
    auto table = FindTable(part);
    if (!table.ok()) return done(table.status());
    auto key = OptionalObject(part, "Key");
    if (!key.ok()) return done(key.status());
    if (!*key) return done(MissingParameter("transactItems.member.get.key"));
    auto checked = CheckKey(**table, **std::move(key));
    if (!checked.ok()) return done(checked.status());
    auto substitutions = Substitutions::FromRequest(part);
    if (!substitutions.ok()) return done(substitutions.status());
    auto projection = RequestProjection(part, *substitutions);
    if (!projection.ok()) return done(projection.status());
    if (auto status = substitutions->CheckAllUsed(); !status.ok()) return done(status);
    table_names->push_back((*table)->name);
    keys.emplace_back(*table, std::move(checked->key));
    projections->push_back(*std::move(projection));
  }
  store_->Get(std::move(keys),
              [projections, table_names, mode = *capacity_mode, done = std::move(done)](
                  absl::StatusOr<std::vector<std::shared_ptr<json::object>>> items) {
                if (!items.ok()) return done(items.status());
                json::array responses;
                // A transactional read costs twice a strongly consistent one.
                std::vector<CapacityCharge> charges;
                for (size_t i = 0; i < items->size(); ++i) {
                  const auto& item = (*items)[i];
                  const auto& projection = (*projections)[i];
                  charges.push_back(ReadCharge((*table_names)[i], nullptr,
                                               2 * ReadUnits(item ? ItemSize(*item) : 0, true)));
                  responses.push_back(
                      item ? json::object{{"Item", projection ? projection->Apply(*item) : *item}}
                           : json::object{});
                }
                json::object output{{"Responses", std::move(responses)}};
                AddConsumedCapacity(output, mode, charges);
                done(std::move(output));
              });
}

}  // namespace serval::dynamodb
