#pragma once

// The parsed forms behind expression.h, shared by its implementation files only.

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/dynamodb/expression.h"

namespace serval::dynamodb {

struct Substitutions::Maps {
  std::map<std::string, std::string, std::less<>> names;
  std::map<std::string, boost::json::value, std::less<>> values;
  std::set<std::string, std::less<>> used_names;
  std::set<std::string, std::less<>> used_values;
  bool any_expression = false;  // whether an expression was parsed with these maps
};

// An operand of a condition or of a SET action. Values are copied out of the substitutions, so a
// parsed expression stands on its own.
struct Operand {
  enum class Kind {
    kPath,         // path
    kValue,        // value
    kSize,         // size(path)
    kIfNotExists,  // if_not_exists(path, args[0])
    kListAppend,   // list_append(args[0], args[1])
    kPlus,         // args[0] + args[1]
    kMinus,        // args[0] - args[1]
  };
  Kind kind = Kind::kValue;
  DocumentPath path;
  boost::json::value value;
  std::vector<Operand> args;
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe };

struct Condition::Node {
  enum class Kind {
    kAnd,         // children[0] AND children[1]
    kOr,          // children[0] OR children[1]
    kNot,         // NOT children[0]
    kCompare,     // operands[0] comparator operands[1]
    kBetween,     // operands[0] BETWEEN operands[1] AND operands[2]
    kIn,          // operands[0] IN (operands[1..])
    kExists,      // attribute_exists(operands[0])
    kNotExists,   // attribute_not_exists(operands[0])
    kType,        // attribute_type(operands[0], operands[1])
    kBeginsWith,  // begins_with(operands[0], operands[1])
    kContains,    // contains(operands[0], operands[1])
  };
  Kind kind = Kind::kAnd;
  Comparator comparator = Comparator::kEq;
  std::vector<Node> children;
  std::vector<Operand> operands;
};

struct Update::Actions {
  struct Set {
    DocumentPath path;
    Operand value;
  };
  struct WithValue {
    DocumentPath path;
    boost::json::value value;  // ADD: N, a set, or (legacy AttributeUpdates only) L
  };
  std::vector<Set> sets;
  std::vector<DocumentPath> removes;
  std::vector<WithValue> adds;
  std::vector<WithValue> deletes;
};

// One condition on a key attribute of a Query, from either form of key condition.
struct KeyTerm {
  std::string name;
  KeyCondition::SortOp op = KeyCondition::SortOp::kEq;
  std::vector<boost::json::value> values;  // one, or two for kBetween
};
// Checks the terms against the key schema (AWS's messages) and builds the key condition.
absl::StatusOr<KeyCondition> AssembleKeyCondition(std::vector<KeyTerm> terms,
                                                  std::string_view hash_key,
                                                  std::string_view range_key);

// ValidationException with `message`.
absl::Status Invalid(std::string_view message);
// ValidationException "Invalid <parameter>: <detail>".
absl::Status InvalidExpression(std::string_view parameter, std::string_view detail);

// The value at `path` in `item`, or null when a step is missing or of the wrong type.
const boost::json::value* FindPath(const boost::json::object& item, const DocumentPath& path);

// The type key of a wire value ("S", "M"...), empty when it is not one; and its payload.
std::string_view TypeKey(const boost::json::value& value);
const boost::json::value* PayloadOf(const boost::json::value& value);
// The payload of an M or L value, or null.
const boost::json::object* MapPayload(const boost::json::value& value);
const boost::json::array* ListPayload(const boost::json::value& value);

// `path` as AWS prints it in messages: [a, b, [2]].
std::string PathForMessage(const DocumentPath& path);
// Checks that no two paths overlap (one a prefix of the other) or conflict (a name and an index
// at the same step of a common prefix); the messages name `parameter`.
absl::Status CheckPathsDisjoint(const std::vector<const DocumentPath*>& paths,
                                std::string_view parameter);

}  // namespace serval::dynamodb
