#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/item_store.h"
#include "services/dynamodb/request_fields.h"

// The item writes of PutItem, UpdateItem, DeleteItem and TransactWriteItems' Put, Update, Delete
// and ConditionCheck, prepared from the request members they share (TableName aside): checked
// on the io thread, decided on the store's writer thread. Pure functions.
namespace serval::dynamodb {

struct PreparedChange {
  ItemChange change;
  boost::json::object key;                 // the item's key attributes
  std::string return_values;               // NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW
  bool return_old_on_failure = false;      // ReturnValuesOnConditionCheckFailure ALL_OLD
  std::vector<std::string> updated_names;  // the attributes an update writes (UPDATED_*)
};

// `part` holds Item (Put) or Key (the others), and the optional ConditionExpression or
// Expected, ExpressionAttributeNames/Values, ReturnValues, ReturnValuesOnConditionCheckFailure;
// UpdateItem also UpdateExpression or AttributeUpdates. `in_transaction` applies
// TransactWriteItems' rules (no ReturnValues; ConditionCheck needs a condition).
absl::StatusOr<PreparedChange> PreparePut(std::shared_ptr<const TableSchema> table,
                                          const boost::json::object& part, bool in_transaction);
absl::StatusOr<PreparedChange> PrepareUpdate(std::shared_ptr<const TableSchema> table,
                                             const boost::json::object& part, bool in_transaction);
absl::StatusOr<PreparedChange> PrepareDelete(std::shared_ptr<const TableSchema> table,
                                             const boost::json::object& part, bool in_transaction);
absl::StatusOr<PreparedChange> PrepareConditionCheck(std::shared_ptr<const TableSchema> table,
                                                     const boost::json::object& part);

// The Attributes a write returns for its ReturnValues, or nullopt.
std::optional<boost::json::object> ReturnedAttributes(const PreparedChange& prepared,
                                                      const ChangeResult& result);
// A failed decision as the client sees it: ConditionalCheckFailedException carries the old
// item when ReturnValuesOnConditionCheckFailure asked for it.
absl::Status FailureWithItem(const PreparedChange& prepared, const ChangeResult& result);

// The condition of a request: ConditionExpression (with `substitutions`) or legacy Expected
// joined by ConditionalOperator; nullopt when there is none.
absl::StatusOr<std::optional<Condition>> RequestCondition(const boost::json::object& part,
                                                          std::string_view expression_member,
                                                          std::string_view legacy_member,
                                                          Substitutions& substitutions);

// The projection of a read: ProjectionExpression (checking ExpressionAttributeNames) or legacy
// AttributesToGet; nullopt for the whole item. The caller checks `substitutions` once every
// expression of the request is parsed.
absl::StatusOr<std::optional<Projection>> RequestProjection(const boost::json::object& part,
                                                            Substitutions& substitutions);

}  // namespace serval::dynamodb
