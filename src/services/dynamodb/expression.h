#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace boost::json {
class value;
class object;
}  // namespace boost::json

// DynamoDB expressions (docs/dynamodb.md, "Expressions"): condition, filter, key condition,
// update and projection expressions with their ExpressionAttributeNames/Values, and the legacy
// parameters (Expected, QueryFilter/ScanFilter, KeyConditions, AttributeUpdates, AttributesToGet)
// translated to the same forms. Parse errors are ValidationException (common/aws_error.h) with
// AWS's messages ("Invalid ConditionExpression: Syntax error; token: ...", "Attribute name is a
// reserved keyword; ...", "An expression attribute value used in expression is not defined; ...").
// Items and values are in the wire form of attribute_value.h. Parsed expressions are immutable
// and thread-compatible.
namespace serval::dynamodb {

// One request's ExpressionAttributeNames and ExpressionAttributeValues, and which of them the
// request's expressions used: parse every expression of a request with the same Substitutions,
// then call CheckAllUsed.
class Substitutions {
 public:
  // Reads (and validates: non-empty when present, values normalized) the two maps of `request`.
  static absl::StatusOr<Substitutions> FromRequest(const boost::json::object& request);
  Substitutions();
  ~Substitutions();
  Substitutions(Substitutions&&) noexcept;
  Substitutions& operator=(Substitutions&&) noexcept;

  // ValidationException "Value provided in ExpressionAttributeValues unused in expressions:
  // keys: {:x}" (or ...Names...) when one was not used; also "ExpressionAttributeNames can only
  // be specified when using expressions" when maps were given and no expression was parsed.
  absl::Status CheckAllUsed() const;

  struct Maps;  // defined in the implementation

 private:
  std::unique_ptr<Maps> maps_;
  friend class ExpressionParser;
};

// A document path: `a.b[2].c` is {a}, {b}, {index 2}, {c}.
struct PathElement {
  std::string name;  // empty for a list index
  int index = -1;    // >= 0 for a list index
};
using DocumentPath = std::vector<PathElement>;

// ConditionExpression and FilterExpression (and legacy Expected, QueryFilter, ScanFilter).
class Condition {
 public:
  struct Node;  // the parsed tree, defined in the implementation

  // `parameter` names the request member in messages ("ConditionExpression", "FilterExpression").
  static absl::StatusOr<Condition> Parse(std::string_view text, std::string_view parameter,
                                         Substitutions& substitutions);
  // Expected (with Value/Exists or ComparisonOperator/AttributeValueList), QueryFilter and
  // ScanFilter, joined by `conditional_operator` ("AND" when empty, or "OR").
  static absl::StatusOr<Condition> FromLegacy(const boost::json::object& conditions,
                                              std::string_view conditional_operator,
                                              std::string_view parameter);
  ~Condition();
  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;

  // Whether `item` (empty when there is no item) satisfies the condition.
  bool Evaluate(const boost::json::object& item) const;
  // The top-level attribute names the condition reads (Query: a filter may not name key
  // attributes).
  std::vector<std::string> TopLevelNames() const;

 private:
  explicit Condition(std::shared_ptr<const Node> root);
  std::shared_ptr<const Node> root_;
};

// A Query's KeyConditionExpression (or legacy KeyConditions) split against the key schema:
// equality on the partition key and at most one condition on the sort key.
struct KeyCondition {
  enum class SortOp { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };

  // `hash_key` and `range_key` (empty when there is none) are the queried table's or index's key
  // attribute names; errors are AWS's ("Query condition missed key schema element: pk", "Query
  // key condition not supported", ...).
  static absl::StatusOr<KeyCondition> Parse(std::string_view text, Substitutions& substitutions,
                                            std::string_view hash_key, std::string_view range_key);
  static absl::StatusOr<KeyCondition> FromLegacy(const boost::json::object& key_conditions,
                                                 std::string_view hash_key,
                                                 std::string_view range_key);
  KeyCondition();
  ~KeyCondition();
  KeyCondition(const KeyCondition&);
  KeyCondition& operator=(const KeyCondition&);

  // Whether a sort key value satisfies the sort condition (true for kNone).
  bool MatchesSortKey(const boost::json::value& sort_value) const;

  std::unique_ptr<boost::json::value> partition_value;  // {"S": ...}, {"N": ...} or {"B": ...}
  SortOp sort_op = SortOp::kNone;
  std::unique_ptr<boost::json::value> sort_value;   // set unless kNone
  std::unique_ptr<boost::json::value> sort_value2;  // the upper bound of kBetween
};

// An UpdateExpression (SET, REMOVE, ADD, DELETE) or legacy AttributeUpdates.
class Update {
 public:
  struct Actions;  // defined in the implementation

  static absl::StatusOr<Update> Parse(std::string_view text, Substitutions& substitutions);
  static absl::StatusOr<Update> FromLegacy(const boost::json::object& attribute_updates);
  ~Update();
  Update(Update&&) noexcept;
  Update& operator=(Update&&) noexcept;

  // Applies the actions to `item` (empty for an item that does not exist yet), all or nothing:
  // on error (ValidationException with AWS's message: "An operand in the update expression has
  // an incorrect data type", "The document path provided in the update expression is invalid for
  // update", number overflow...) `item` is unchanged.
  absl::Status Apply(boost::json::object& item) const;
  // The top-level attribute names the actions write (key attributes may not be updated;
  // UPDATED_OLD/UPDATED_NEW return these).
  std::vector<std::string> TopLevelNames() const;

 private:
  explicit Update(std::shared_ptr<const Actions> actions);
  std::shared_ptr<const Actions> actions_;
};

// A ProjectionExpression (or legacy AttributesToGet).
class Projection {
 public:
  static absl::StatusOr<Projection> Parse(std::string_view text, Substitutions& substitutions);
  static absl::StatusOr<Projection> FromAttributesToGet(const boost::json::value& names);

  // The part of `item` the projection names (nested paths keep their enclosing maps and lists;
  // list elements keep their order, compacted).
  boost::json::object Apply(const boost::json::object& item) const;
  std::vector<std::string> TopLevelNames() const;

 private:
  std::vector<DocumentPath> paths_;
};

}  // namespace serval::dynamodb
