#include "services/dynamodb/table_schema.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

// Reads of the stored form: written by SerializeTableSchema only, so a missing member reads as
// its default.
bool BoolAt(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value && value->is_bool() && value->get_bool();
}
const json::array& ArrayAt(const json::object& object, std::string_view name) {
  static const json::array kEmpty;
  const json::value* value = object.if_contains(name);
  return value && value->is_array() ? value->get_array() : kEmpty;
}

json::object KeyToJson(const KeySchema& key) {
  return {{"hash", key.hash_name},
          {"hash_type", TypeName(key.hash_type)},
          {"range", key.range_name},
          {"range_type", TypeName(key.range_type)}};
}
KeySchema KeyFromJson(const json::object& object) {
  KeySchema key;
  key.hash_name = StringMember(object, "hash");
  key.hash_type = TypeFromName(StringMember(object, "hash_type")).value_or(AttributeType::kS);
  key.range_name = StringMember(object, "range");
  key.range_type = TypeFromName(StringMember(object, "range_type")).value_or(AttributeType::kS);
  return key;
}

json::array Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json::array array;
  for (const auto& [first, second] : pairs) array.push_back(json::array{first, second});
  return array;
}
std::vector<std::pair<std::string, std::string>> PairsFrom(const json::array& array) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const json::value& pair : array) {
    const json::array* two = pair.if_array();
    if (two && two->size() == 2 && (*two)[0].is_string() && (*two)[1].is_string()) {
      pairs.emplace_back((*two)[0].get_string(), (*two)[1].get_string());
    }
  }
  return pairs;
}

json::object Throughput(int64_t read, int64_t write) {
  return {
      {"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", read}, {"WriteCapacityUnits", write}};
}

}  // namespace

bool HasKeyOf(const KeySchema& key, const json::object& item) {
  const json::value* hash = item.if_contains(key.hash_name);
  if (hash == nullptr || TypeOf(*hash) != key.hash_type) return false;
  if (!key.has_range()) return true;
  const json::value* range = item.if_contains(key.range_name);
  return range != nullptr && TypeOf(*range) == key.range_type;
}

json::object ProjectedItem(const TableSchema& table, const IndexSchema& index,
                           const json::object& item) {
  if (index.projection == "ALL") return item;
  json::object projected;
  auto keep = [&](const std::string& name) {
    if (const json::value* value = item.if_contains(name)) projected[name] = *value;
  };
  keep(table.key.hash_name);
  if (table.key.has_range()) keep(table.key.range_name);
  keep(index.key.hash_name);
  if (index.key.has_range()) keep(index.key.range_name);
  for (const std::string& name : index.non_key_attributes) keep(name);
  return projected;
}

json::array KeySchemaJson(const KeySchema& key) {
  json::array schema{json::object{{"AttributeName", key.hash_name}, {"KeyType", "HASH"}}};
  if (key.has_range()) {
    schema.push_back(json::object{{"AttributeName", key.range_name}, {"KeyType", "RANGE"}});
  }
  return schema;
}

const IndexSchema* TableSchema::FindIndex(std::string_view index_name) const {
  for (const IndexSchema& index : indexes) {
    if (index.name == index_name) return &index;
  }
  return nullptr;
}

std::vector<std::string> TableSchema::KeyAttributeNames() const {
  std::vector<std::string> names{key.hash_name};
  if (key.has_range()) names.push_back(key.range_name);
  for (const IndexSchema& index : indexes) {
    names.push_back(index.key.hash_name);
    if (index.key.has_range()) names.push_back(index.key.range_name);
  }
  return names;
}

std::string SerializeTableSchema(const TableSchema& table) {
  json::array indexes;
  for (const IndexSchema& index : table.indexes) {
    json::array non_key;
    for (const std::string& name : index.non_key_attributes) non_key.push_back(json::string(name));
    indexes.push_back(json::object{{"name", index.name},
                                   {"global", index.global},
                                   {"id", index.id},
                                   {"key", KeyToJson(index.key)},
                                   {"projection", index.projection},
                                   {"non_key", std::move(non_key)},
                                   {"read", index.read_capacity},
                                   {"write", index.write_capacity}});
  }
  return json::serialize(json::object{
      {"name", table.name},
      {"id", table.id},
      {"table_id", table.table_id},
      {"arn", table.arn},
      {"region", table.region},
      {"key", KeyToJson(table.key)},
      {"attributes", Pairs(table.attribute_definitions)},
      {"billing", table.billing_mode},
      {"read", table.read_capacity},
      {"write", table.write_capacity},
      {"indexes", std::move(indexes)},
      {"stream_enabled", table.stream_enabled},
      {"stream_view", table.stream_view_type},
      {"stream_label", table.stream_label},
      {"ttl_enabled", table.ttl_enabled},
      {"ttl_attribute", table.ttl_attribute},
      {"tags", Pairs(table.tags)},
      {"deletion_protection", table.deletion_protection},
      {"table_class", table.table_class},
      {"created", table.created_seconds},
      {"next_index_id", table.next_index_id},
  });
}

absl::StatusOr<TableSchema> ParseTableSchema(std::string_view json_text) {
  auto parsed = ParseStoredObject(json_text);
  if (!parsed.ok()) return parsed.status();
  const json::object& object = *parsed;
  TableSchema table;
  table.name = StringMember(object, "name");
  table.id = IntMember(object, "id", 0);
  table.table_id = StringMember(object, "table_id");
  table.arn = StringMember(object, "arn");
  table.region = StringMember(object, "region");
  if (const json::value* key = object.if_contains("key"); key && key->is_object()) {
    table.key = KeyFromJson(key->get_object());
  }
  table.attribute_definitions = PairsFrom(ArrayAt(object, "attributes"));
  table.billing_mode = StringMember(object, "billing");
  table.read_capacity = IntMember(object, "read", 0);
  table.write_capacity = IntMember(object, "write", 0);
  for (const json::value& entry : ArrayAt(object, "indexes")) {
    if (!entry.is_object()) continue;
    const json::object& stored = entry.get_object();
    IndexSchema index;
    index.name = StringMember(stored, "name");
    index.global = BoolAt(stored, "global");
    index.id = IntMember(stored, "id", 0);
    if (const json::value* key = stored.if_contains("key"); key && key->is_object()) {
      index.key = KeyFromJson(key->get_object());
    }
    index.projection = StringMember(stored, "projection");
    for (const json::value& name : ArrayAt(stored, "non_key")) {
      if (name.is_string()) index.non_key_attributes.emplace_back(name.get_string());
    }
    index.read_capacity = IntMember(stored, "read", 0);
    index.write_capacity = IntMember(stored, "write", 0);
    table.indexes.push_back(std::move(index));
  }
  table.stream_enabled = BoolAt(object, "stream_enabled");
  table.stream_view_type = StringMember(object, "stream_view");
  table.stream_label = StringMember(object, "stream_label");
  table.ttl_enabled = BoolAt(object, "ttl_enabled");
  table.ttl_attribute = StringMember(object, "ttl_attribute");
  table.tags = PairsFrom(ArrayAt(object, "tags"));
  table.deletion_protection = BoolAt(object, "deletion_protection");
  table.table_class = StringMember(object, "table_class");
  if (const json::value* created = object.if_contains("created"); created && created->is_number()) {
    table.created_seconds = created->to_number<double>();
  }
  table.next_index_id = IntMember(object, "next_index_id", 0);
  return table;
}

json::object DescribeTable(const TableSchema& table, const TableCounts& counts,
                           std::string_view status) {
  json::array definitions;
  for (const auto& [name, type] : table.attribute_definitions) {
    definitions.push_back(json::object{{"AttributeName", name}, {"AttributeType", type}});
  }
  json::object description{
      {"AttributeDefinitions", std::move(definitions)},
      {"TableName", table.name},
      {"KeySchema", KeySchemaJson(table.key)},
      {"TableStatus", status},
      {"CreationDateTime", table.created_seconds},
      {"ProvisionedThroughput", Throughput(table.read_capacity, table.write_capacity)},
      {"TableSizeBytes", counts.bytes},
      {"ItemCount", counts.items},
      {"TableArn", table.arn},
      {"TableId", table.table_id},
      {"DeletionProtectionEnabled", table.deletion_protection},
  };
  if (table.billing_mode == "PAY_PER_REQUEST") {
    description["BillingModeSummary"] =
        json::object{{"BillingMode", "PAY_PER_REQUEST"},
                     {"LastUpdateToPayPerRequestDateTime", table.created_seconds}};
  }
  json::array globals, locals;
  for (const IndexSchema& index : table.indexes) {
    json::object projection{{"ProjectionType", index.projection}};
    if (index.projection == "INCLUDE") {
      json::array names;
      for (const std::string& name : index.non_key_attributes) names.push_back(json::string(name));
      projection["NonKeyAttributes"] = std::move(names);
    }
    json::object entry{{"IndexName", index.name},
                       {"KeySchema", KeySchemaJson(index.key)},
                       {"Projection", std::move(projection)},
                       {"IndexSizeBytes", 0},
                       {"ItemCount", 0},
                       {"IndexArn", table.arn + "/index/" + index.name}};
    if (index.global) {
      entry["IndexStatus"] = "ACTIVE";
      entry["ProvisionedThroughput"] = Throughput(index.read_capacity, index.write_capacity);
      globals.push_back(std::move(entry));
    } else {
      locals.push_back(std::move(entry));
    }
  }
  if (!globals.empty()) description["GlobalSecondaryIndexes"] = std::move(globals);
  if (!locals.empty()) description["LocalSecondaryIndexes"] = std::move(locals);
  if (table.stream_enabled) {
    description["StreamSpecification"] =
        json::object{{"StreamEnabled", true}, {"StreamViewType", table.stream_view_type}};
  }
  if (!table.stream_label.empty()) {
    description["LatestStreamLabel"] = table.stream_label;
    description["LatestStreamArn"] = table.StreamArn();
  }
  if (table.table_class != "STANDARD") {
    description["TableClassSummary"] = json::object{{"TableClass", table.table_class}};
  }
  return description;
}

}  // namespace serval::dynamodb
