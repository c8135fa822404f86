// Query and Scan: reads of a table's or an index's rows in key order, a page at a time.
#include <boost/json.hpp>

#include "services/dynamodb/capacity.h"
#include "services/dynamodb/dynamodb_errors.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/item_changes.h"
#include "services/dynamodb/request_fields.h"
#include "storage/metadata_store.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

// What Query and Scan share: the source, the filter, the projection, Select, Limit, the start.
struct ReadRequest {
  std::shared_ptr<const TableSchema> table;
  const IndexSchema* index = nullptr;
  std::string capacity_mode;
  bool consistent = false;
  bool count_only = false;
  std::shared_ptr<const std::optional<Condition>> filter;
  std::shared_ptr<const std::optional<Projection>> projection;
};

absl::StatusOr<const IndexSchema*> FindIndex(const TableSchema& table, const json::object& input) {
  auto name = OptionalString(input, "IndexName");
  if (!name.ok()) return name.status();
  if (!*name) return nullptr;
  const IndexSchema* index = table.FindIndex(**name);
  if (index == nullptr) {
    return ValidationError("The table does not have the specified index: " + **name);
  }
  return index;
}

// An ExclusiveStartKey must hold the table's key, and for an index also the index's key.
absl::StatusOr<std::shared_ptr<const json::object>> ReadStartKey(const ReadRequest& read,
                                                                 const json::object& input) {
  auto start = OptionalObject(input, "ExclusiveStartKey");
  if (!start.ok()) return start.status();
  if (!*start) return std::shared_ptr<const json::object>();
  const auto invalid = [] {
    return ValidationError(
        "The provided starting key is invalid: The provided key element does not match the schema");
  };
  if (auto status = NormalizeItem(**start); !status.ok()) return status;
  std::vector<std::pair<std::string, AttributeType>> needed{
      {read.table->key.hash_name, read.table->key.hash_type}};
  if (read.table->key.has_range()) {
    needed.emplace_back(read.table->key.range_name, read.table->key.range_type);
  }
  if (read.index != nullptr) {
    needed.emplace_back(read.index->key.hash_name, read.index->key.hash_type);
    if (read.index->key.has_range()) {
      needed.emplace_back(read.index->key.range_name, read.index->key.range_type);
    }
  }
  for (const auto& [name, type] : needed) {
    const json::value* value = (*start)->if_contains(name);
    if (value == nullptr || TypeOf(*value) != type) return invalid();
  }
  return std::make_shared<const json::object>(**std::move(start));
}

absl::StatusOr<ReadRequest> ReadCommon(std::shared_ptr<const TableSchema> table,
                                       const json::object& input, std::string_view legacy_filter,
                                       Substitutions& substitutions) {
  ReadRequest read;
  read.table = std::move(table);
  auto index = FindIndex(*read.table, input);
  if (!index.ok()) return index.status();
  read.index = *index;
  auto mode = ConsumedCapacityMode(input);
  if (!mode.ok()) return mode.status();
  read.capacity_mode = *mode;
  auto consistent = OptionalBool(input, "ConsistentRead", false);
  if (!consistent.ok()) return consistent.status();
  if (*consistent && read.index != nullptr && read.index->global) {
    return ValidationError("Consistent reads are not supported on global secondary indexes");
  }
  read.consistent = *consistent;
  auto select = EnumMember(
      input, "Select", "select",
      {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"}, "");
  if (!select.ok()) return select.status();
  read.count_only = *select == "COUNT";
  // DynamoDB words Query's Select errors as validation errors and Scan's without that prefix.
  const std::string prefix =
      legacy_filter == "QueryFilter" ? "1 validation error detected: " : std::string();
  if (*select == "ALL_PROJECTED_ATTRIBUTES" && read.index == nullptr) {
    return ValidationError(prefix +
                           "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an "
                           "IndexName");
  }
  // A global index holds only what it projects: the whole item cannot be had from it.
  if (*select == "ALL_ATTRIBUTES" && read.index != nullptr && read.index->global &&
      read.index->projection != "ALL") {
    return ValidationError(
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported "
        "for global secondary index " +
        read.index->name + " because its projection type is not ALL");
  }
  auto filter = RequestCondition(input, "FilterExpression", legacy_filter, substitutions);
  if (!filter.ok()) return filter.status();
  read.filter = std::make_shared<const std::optional<Condition>>(*std::move(filter));
  auto projection = RequestProjection(input, substitutions);
  if (!projection.ok()) return projection.status();
  const std::string_view projected_by =
      input.contains("ProjectionExpression") ? "ProjectionExpression" : "AttributesToGet";
  if (*projection && !select->empty() && *select != "SPECIFIC_ATTRIBUTES") {
    return ValidationError(prefix + "Cannot specify the " + std::string(projected_by) +
                           " when choosing to get " +
                           (read.count_only ? std::string("only the Count") : *select));
  }
  if (!*projection && *select == "SPECIFIC_ATTRIBUTES") {
    return ValidationError(prefix +
                           "Must specify the AttributesToGet or ProjectionExpression when "
                           "choosing to get SPECIFIC_ATTRIBUTES");
  }
  read.projection = std::make_shared<const std::optional<Projection>>(*std::move(projection));
  return read;
}

// Runs the read and answers with the page.
void Answer(ItemStore& store, const ReadRequest& read, RangeRead range,
            protocol::JsonOperationDone done) {
  range.table = read.table;
  range.index = read.index;
  range.select = [filter = read.filter, projection = read.projection,
                  count_only = read.count_only](json::object item) -> std::optional<json::object> {
    if (*filter && !(*filter)->Evaluate(item)) return std::nullopt;
    if (count_only) return json::object{};
    if (*projection) return (*projection)->Apply(item);
    return item;
  };
  store.ReadRange(std::move(range), [read, done = std::move(done)](absl::StatusOr<RangePage> page) {
    if (!page.ok()) return done(page.status());
    json::object output;
    if (!read.count_only) {
      json::array items;
      items.reserve(page->items.size());
      for (json::object& item : page->items) items.push_back(std::move(item));
      output["Items"] = std::move(items);
    }
    output["Count"] = page->items.size();
    output["ScannedCount"] = page->scanned;
    if (page->last_read) {
      // The table's key and, for an index, the index's key of the last row read.
      json::object last_key;
      auto take = [&](const std::string& name) {
        if (const json::value* value = page->last_read->if_contains(name)) last_key[name] = *value;
      };
      take(read.table->key.hash_name);
      if (read.table->key.has_range()) take(read.table->key.range_name);
      if (read.index != nullptr) {
        take(read.index->key.hash_name);
        if (read.index->key.has_range()) take(read.index->key.range_name);
      }
      output["LastEvaluatedKey"] = std::move(last_key);
    }
    if (auto consumed = ConsumedCapacity(
            read.capacity_mode, ReadCharge(read.table->name, read.index,
                                           ReadUnits(page->bytes_read, read.consistent)))) {
      output["ConsumedCapacity"] = *std::move(consumed);
    }
    done(std::move(output));
  });
}

absl::StatusOr<size_t> ReadLimit(const json::object& input) {
  auto limit = OptionalInt(input, "Limit");
  if (!limit.ok()) return limit.status();
  if (!*limit) return SIZE_MAX;
  if (**limit < 1) {
    return ValidationError("1 validation error detected: Value '" + std::to_string(**limit) +
                           "' at 'limit' failed to satisfy constraint: Member must have value "
                           "greater than or equal to 1");
  }
  return static_cast<size_t>(**limit);
}

// The sort key bounds of a key condition, encoded.
absl::Status SetSortBounds(const KeyCondition& condition, const KeySchema& key, RangeRead& range) {
  if (condition.sort_op == KeyCondition::SortOp::kNone) return absl::OkStatus();
  const auto mismatch = [] {
    return ValidationError(
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type");
  };
  if (TypeOf(*condition.sort_value) != key.range_type) return mismatch();
  const std::string value = EncodeKeyValue(*condition.sort_value);
  switch (condition.sort_op) {
    case KeyCondition::SortOp::kEq:
      range.lower = range.upper = value;
      break;
    case KeyCondition::SortOp::kLt:
      range.upper = value;
      range.upper_inclusive = false;
      break;
    case KeyCondition::SortOp::kLe:
      range.upper = value;
      break;
    case KeyCondition::SortOp::kGt:
      range.lower = value;
      range.lower_inclusive = false;
      break;
    case KeyCondition::SortOp::kGe:
      range.lower = value;
      break;
    case KeyCondition::SortOp::kBetween: {
      if (TypeOf(*condition.sort_value2) != key.range_type) return mismatch();
      if (CompareScalars(*condition.sort_value, *condition.sort_value2).value_or(0) > 0) {
        return ValidationError(
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be "
            "greater than or equal to lower bound; lower bound operand: AttributeValue: {" +
            std::string(TypeName(key.range_type)) + ":" +
            std::string(Payload(*condition.sort_value).get_string()) +
            "}, upper bound operand: AttributeValue: {" + std::string(TypeName(key.range_type)) +
            ":" + std::string(Payload(*condition.sort_value2).get_string()) + "}");
      }
      range.lower = value;
      range.upper = EncodeKeyValue(*condition.sort_value2);
      break;
    }
    case KeyCondition::SortOp::kBeginsWith:
      if (key.range_type == AttributeType::kN) {
        return ValidationError(
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
      }
      range.lower = value;
      if (auto end = storage::PrefixEnd(value)) {
        range.upper = *end;
        range.upper_inclusive = false;
      }
      break;
    case KeyCondition::SortOp::kNone:
      break;
  }
  return absl::OkStatus();
}

// Whether an ExclusiveStartKey lies in the queried partition and within the sort key condition
// (a page's LastEvaluatedKey always does; a cursor kept from another query may not).
bool StartsWithinBounds(const json::object& start, const KeySchema& key, const RangeRead& range) {
  if (EncodeKeyValue(start.at(key.hash_name)) != range.hash) return false;
  if (!key.has_range()) return true;
  const std::string sort = EncodeKeyValue(start.at(key.range_name));
  if (range.lower && (range.lower_inclusive ? sort < *range.lower : sort <= *range.lower)) {
    return false;
  }
  if (range.upper && (range.upper_inclusive ? sort > *range.upper : sort >= *range.upper)) {
    return false;
  }
  return true;
}

}  // namespace

void DynamoDbService::Query(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  auto substitutions = Substitutions::FromRequest(input);
  if (!substitutions.ok()) return done(substitutions.status());
  auto read = ReadCommon(*table, input, "QueryFilter", *substitutions);
  if (!read.ok()) return done(read.status());
  const KeySchema& key = read->index ? read->index->key : read->table->key;
  absl::StatusOr<KeyCondition> condition = absl::InvalidArgumentError("");
  auto expression = OptionalString(input, "KeyConditionExpression");
  if (!expression.ok()) return done(expression.status());
  if (*expression) {
    condition = KeyCondition::Parse(**expression, *substitutions, key.hash_name, key.range_name);
  } else if (const json::value* legacy = input.if_contains("KeyConditions");
             legacy && legacy->is_object()) {
    condition = KeyCondition::FromLegacy(legacy->get_object(), key.hash_name, key.range_name);
  } else {
    return done(ValidationError(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request."));
  }
  if (!condition.ok()) return done(condition.status());
  if (auto status = substitutions->CheckAllUsed(); !status.ok()) return done(status);
  if (*read->filter) {
    for (const std::string& name : (*read->filter)->TopLevelNames()) {
      if (name == key.hash_name || name == key.range_name) {
        return done(ValidationError(
            "Filter Expression can only contain non-primary key attributes: Primary key "
            "attribute: " +
            name));
      }
    }
  }
  if (TypeOf(*condition->partition_value) != key.hash_type) {
    return done(ValidationError(
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type"));
  }
  auto limit = ReadLimit(input);
  if (!limit.ok()) return done(limit.status());
  auto forward = OptionalBool(input, "ScanIndexForward", true);
  if (!forward.ok()) return done(forward.status());
  auto start = ReadStartKey(*read, input);
  if (!start.ok()) return done(start.status());
  RangeRead range;
  range.hash = EncodeKeyValue(*condition->partition_value);
  if (auto status = SetSortBounds(*condition, key, range); !status.ok()) return done(status);
  if (*start && !StartsWithinBounds(**start, key, range)) {
    return done(ValidationError(
        "The provided starting key is outside query boundaries based on provided conditions"));
  }
  range.forward = *forward;
  range.limit = *limit;
  range.start_after = *start;
  Answer(*store_, *read, std::move(range), std::move(done));
}

void DynamoDbService::Scan(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  auto substitutions = Substitutions::FromRequest(input);
  if (!substitutions.ok()) return done(substitutions.status());
  auto read = ReadCommon(*table, input, "ScanFilter", *substitutions);
  if (!read.ok()) return done(read.status());
  if (auto status = substitutions->CheckAllUsed(); !status.ok()) return done(status);
  auto segment = OptionalInt(input, "Segment");
  if (!segment.ok()) return done(segment.status());
  auto total = OptionalInt(input, "TotalSegments");
  if (!total.ok()) return done(total.status());
  if (*segment && !*total) {
    return done(ValidationError(
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present"));
  }
  if (*total && !*segment) {
    return done(ValidationError(
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present"));
  }
  if (*total && (**total < 1 || **total > 1000000)) {
    return done(ValidationError("1 validation error detected: Value '" + std::to_string(**total) +
                                "' at 'totalSegments' failed to satisfy constraint: Member must "
                                "have value less than or equal to 1000000"));
  }
  if (*segment && (**segment < 0 || **segment >= **total)) {
    return done(ValidationError(
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: " +
        std::to_string(**segment) + " is not less than TotalSegments: " + std::to_string(**total)));
  }
  auto limit = ReadLimit(input);
  if (!limit.ok()) return done(limit.status());
  auto start = ReadStartKey(*read, input);
  if (!start.ok()) return done(start.status());
  RangeRead range;
  range.limit = *limit;
  range.start_after = *start;
  range.segment = static_cast<int>(segment->value_or(0));
  range.total_segments = static_cast<int>(total->value_or(1));
  Answer(*store_, *read, std::move(range), std::move(done));
}

}  // namespace serval::dynamodb
