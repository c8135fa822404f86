#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/dynamodb/attribute_value.h"

namespace boost::json {
class array;
class object;
class value;
}  // namespace boost::json

namespace serval::dynamodb {

// A key schema: the partition (HASH) attribute and the optional sort (RANGE) attribute, with
// the key types their AttributeDefinitions give them.
struct KeySchema {
  std::string hash_name;
  AttributeType hash_type = AttributeType::kS;
  std::string range_name;  // empty when there is no sort key
  AttributeType range_type = AttributeType::kS;

  bool has_range() const { return !range_name.empty(); }
  bool operator==(const KeySchema&) const = default;
};

// A global or local secondary index.
struct IndexSchema {
  std::string name;
  bool global = true;
  int64_t id = 0;  // the index's rows in the item store (unique in the database)
  KeySchema key;
  std::string projection = "ALL";               // ALL, KEYS_ONLY or INCLUDE
  std::vector<std::string> non_key_attributes;  // INCLUDE's attributes
  int64_t read_capacity = 0;  // provisioned throughput (GSI of a PROVISIONED table)
  int64_t write_capacity = 0;
  bool operator==(const IndexSchema&) const = default;
};

// What a table is: everything CreateTable/UpdateTable/UpdateTimeToLive/TagResource set. Stored as
// JSON in the item store's `tables` rows (docs/formats.md). Immutable once shared: a change makes
// a new TableSchema, so a write in flight keeps the schema it started with.
struct TableSchema {
  std::string name;
  int64_t id = 0;        // the table's rows in the item store (never reused)
  std::string table_id;  // TableId (a UUID)
  std::string arn;       // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
  std::string region;
  KeySchema key;
  // AttributeDefinitions as declared (name, "S"|"N"|"B"), in request order.
  std::vector<std::pair<std::string, std::string>> attribute_definitions;
  std::string billing_mode = "PROVISIONED";  // or PAY_PER_REQUEST
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  std::vector<IndexSchema> indexes;  // GSIs and LSIs
  bool stream_enabled = false;
  std::string stream_view_type;  // NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY
  std::string stream_label;      // the current stream's label (kept after disabling)
  bool ttl_enabled = false;
  std::string ttl_attribute;
  std::vector<std::pair<std::string, std::string>> tags;  // in insertion order, keys unique
  bool deletion_protection = false;
  std::string table_class = "STANDARD";
  double created_seconds = 0;  // CreationDateTime
  int64_t next_index_id = 1;   // the next IndexSchema::id suffix

  std::string StreamArn() const { return arn + "/stream/" + stream_label; }
  const IndexSchema* FindIndex(std::string_view index_name) const;
  // The key attribute names of the table and all its indexes.
  std::vector<std::string> KeyAttributeNames() const;
};

// Whether `item` has `key`'s attributes with their key types: whether an index holds it.
bool HasKeyOf(const KeySchema& key, const boost::json::object& item);
// The attributes of `item` an index keeps (its projection; the table's and the index's keys).
boost::json::object ProjectedItem(const TableSchema& table, const IndexSchema& index,
                                  const boost::json::object& item);

// KeySchema as the API shows it: [{"AttributeName", "KeyType": "HASH"}, {..."RANGE"}].
boost::json::array KeySchemaJson(const KeySchema& key);

std::string SerializeTableSchema(const TableSchema& table);
absl::StatusOr<TableSchema> ParseTableSchema(std::string_view json_text);

// Live numbers of a table kept by the item store.
struct TableCounts {
  int64_t items = 0;
  int64_t bytes = 0;
};

// The TableDescription clients read (DescribeTable's "Table", CreateTable's and DeleteTable's
// "TableDescription"), with `status` as TableStatus ("ACTIVE", "DELETING").
boost::json::object DescribeTable(const TableSchema& table, const TableCounts& counts,
                                  std::string_view status);

}  // namespace serval::dynamodb
