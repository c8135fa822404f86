// Table operations: create, describe, list, update (billing, indexes, streams), delete, TTL,
// tags, endpoints.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "protocol/validation.h"
#include "services/dynamodb/dynamodb_errors.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/request_fields.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

using Definitions = std::vector<std::pair<std::string, std::string>>;

absl::Status CheckTableName(std::string_view name) {
  protocol::ValidationErrors errors;
  if (name.size() < 3) {
    errors.Add(name, "tableName", "Member must have length greater than or equal to 3");
  }
  if (name.size() > 255) {
    errors.Add(name, "tableName", "Member must have length less than or equal to 255");
  }
  const bool pattern_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (!pattern_ok) {
    errors.Add(name, "tableName",
               "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  }
  return errors.ToStatus();
}

absl::StatusOr<const json::array*> ArrayMember(const json::object& input, std::string_view name) {
  const json::value* value = input.if_contains(name);
  if (value == nullptr || value->is_null()) return nullptr;
  if (!value->is_array()) {
    return ValidationError("Unexpected value type for member " + std::string(name));
  }
  return &value->get_array();
}

absl::StatusOr<Definitions> ReadDefinitions(const json::object& input) {
  auto array = ArrayMember(input, "AttributeDefinitions");
  if (!array.ok()) return array.status();
  Definitions definitions;
  if (*array == nullptr) return definitions;
  for (const json::value& entry : **array) {
    const json::object* definition = entry.if_object();
    if (definition == nullptr) return ValidationError("Invalid AttributeDefinitions");
    auto name =
        RequiredString(*definition, "AttributeName", "attributeDefinitions.member.attributeName");
    if (!name.ok()) return name.status();
    auto type = EnumMember(*definition, "AttributeType",
                           "attributeDefinitions.member.attributeType", {"B", "N", "S"}, "");
    if (!type.ok()) return type.status();
    if (type->empty()) return MissingParameter("attributeDefinitions.member.attributeType");
    for (const auto& [existing, ignored] : definitions) {
      if (existing == *name) {
        return ValidationError("Cannot have two attributes with the same name");
      }
    }
    definitions.emplace_back(*name, *type);
  }
  return definitions;
}

// A KeySchema member: HASH first, then an optional RANGE, each defined in `definitions`.
absl::StatusOr<KeySchema> ReadKeySchema(const json::value* value, const Definitions& definitions,
                                        std::string_view wire_name) {
  if (value == nullptr || !value->is_array()) return MissingParameter(wire_name);
  const json::array& elements = value->get_array();
  if (elements.empty() || elements.size() > 2) {
    return ValidationError("1 validation error detected: Value '" + json::serialize(elements) +
                           "' at '" + std::string(wire_name) +
                           "' failed to satisfy constraint: Member must have length less than or "
                           "equal to 2");
  }
  KeySchema key;
  for (size_t i = 0; i < elements.size(); ++i) {
    const json::object* element = elements[i].if_object();
    if (element == nullptr) return ValidationError("Invalid KeySchema");
    auto name = RequiredString(*element, "AttributeName", "keySchema.member.attributeName");
    if (!name.ok()) return name.status();
    auto type = EnumMember(*element, "KeyType", "keySchema.member.keyType", {"HASH", "RANGE"}, "");
    if (!type.ok()) return type.status();
    if (*type != (i == 0 ? "HASH" : "RANGE")) {
      return ValidationError(
          i == 0 ? "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
                 : "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    auto definition = std::find_if(definitions.begin(), definitions.end(),
                                   [&](const auto& entry) { return entry.first == *name; });
    if (definition == definitions.end() && wire_name == "keySchema") {
      // The table's own key and an index's key are reported differently.
      return ValidationError("Invalid KeySchema: Some index key attribute have no definition");
    }
    if (definition == definitions.end()) {
      return ValidationError(
          "One or more parameter values were invalid: Some index key attributes are not defined "
          "in AttributeDefinitions. Keys: [" +
          *name + "], AttributeDefinitions: [" +
          absl::StrJoin(definitions, ", ",
                        [](std::string* out, const auto& entry) { out->append(entry.first); }) +
          "]");
    }
    const AttributeType attribute_type = *TypeFromName(definition->second);
    if (i == 0) {
      key.hash_name = *name;
      key.hash_type = attribute_type;
    } else {
      key.range_name = *name;
      key.range_type = attribute_type;
    }
  }
  if (key.hash_name == key.range_name) {
    return ValidationError(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  return key;
}

struct Throughput {
  int64_t read = 0;
  int64_t write = 0;
  bool given = false;
};

absl::StatusOr<Throughput> ReadThroughput(const json::object& input) {
  const json::value* value = input.if_contains("ProvisionedThroughput");
  if (value == nullptr || value->is_null()) return Throughput{};
  if (!value->is_object()) return ValidationError("Invalid ProvisionedThroughput");
  auto read = OptionalInt(value->get_object(), "ReadCapacityUnits");
  if (!read.ok()) return read.status();
  auto write = OptionalInt(value->get_object(), "WriteCapacityUnits");
  if (!write.ok()) return write.status();
  if (!*read || !*write || **read < 1 || **write < 1) {
    return ValidationError(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
        "both be specified when BillingMode is PROVISIONED");
  }
  return Throughput{**read, **write, true};
}

absl::StatusOr<IndexSchema> ReadIndex(const json::value& value, const Definitions& definitions,
                                      bool global, const std::string& billing_mode) {
  const json::object* index = value.if_object();
  if (index == nullptr) return ValidationError("Invalid index definition");
  IndexSchema schema;
  schema.global = global;
  auto name = RequiredString(*index, "IndexName", "indexName");
  if (!name.ok()) return name.status();
  if (auto status = CheckTableName(*name); !status.ok()) return status;
  schema.name = *name;
  auto key = ReadKeySchema(index->if_contains("KeySchema"), definitions,
                           global ? "globalSecondaryIndexes.member.keySchema"
                                  : "localSecondaryIndexes.member.keySchema");
  if (!key.ok()) return key.status();
  schema.key = *key;
  const json::value* projection = index->if_contains("Projection");
  if (projection == nullptr || !projection->is_object()) return MissingParameter("projection");
  auto type = EnumMember(projection->get_object(), "ProjectionType", "projection.projectionType",
                         {"ALL", "KEYS_ONLY", "INCLUDE"}, "");
  if (!type.ok()) return type.status();
  if (type->empty()) {
    return ValidationError(
        "One or more parameter values were invalid: Unknown ProjectionType: null");
  }
  schema.projection = *type;
  auto non_key = ArrayMember(projection->get_object(), "NonKeyAttributes");
  if (!non_key.ok()) return non_key.status();
  if (*non_key != nullptr) {
    if (schema.projection != "INCLUDE") {
      return ValidationError("One or more parameter values were invalid: ProjectionType is " +
                             schema.projection + ", but NonKeyAttributes is specified");
    }
    for (const json::value& attribute : **non_key) {
      if (attribute.is_string()) schema.non_key_attributes.emplace_back(attribute.get_string());
    }
  }
  if (global) {
    auto throughput = ReadThroughput(*index);
    if (!throughput.ok()) return throughput.status();
    if (billing_mode == "PROVISIONED" && !throughput->given) {
      return ValidationError(
          "One or more parameter values were invalid: ProvisionedThroughput must be specified for "
          "index: " +
          schema.name);
    }
    schema.read_capacity = throughput->read;
    schema.write_capacity = throughput->write;
  }
  return schema;
}

absl::Status ReadStreamSpecification(const json::object& input, TableSchema& table,
                                     const std::function<std::string()>& new_label) {
  const json::value* value = input.if_contains("StreamSpecification");
  if (value == nullptr || value->is_null()) return absl::OkStatus();
  if (!value->is_object()) return ValidationError("Invalid StreamSpecification");
  auto enabled = OptionalBool(value->get_object(), "StreamEnabled", false);
  if (!enabled.ok()) return enabled.status();
  auto view =
      EnumMember(value->get_object(), "StreamViewType", "streamSpecification.streamViewType",
                 {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"}, "");
  if (!view.ok()) return view.status();
  if (*enabled) {
    if (view->empty()) {
      return ValidationError(
          "One or more parameter values were invalid: StreamViewType must be specified when "
          "StreamEnabled is true");
    }
    if (table.stream_enabled) {
      return ValidationError("Table already has an enabled stream: TableName: " + table.name);
    }
    table.stream_enabled = true;
    table.stream_view_type = *view;
    table.stream_label = new_label();
  } else if (table.stream_enabled) {
    table.stream_enabled = false;
  } else if (!table.stream_label.empty() || value->get_object().contains("StreamEnabled")) {
    return ValidationError(
        "One or more parameter values were invalid: No stream specification to disable");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadTags(
    const json::object& input) {
  auto array = ArrayMember(input, "Tags");
  if (!array.ok()) return array.status();
  std::vector<std::pair<std::string, std::string>> tags;
  if (*array == nullptr) return tags;
  for (const json::value& entry : **array) {
    const json::object* tag = entry.if_object();
    if (tag == nullptr) return ValidationError("Invalid Tags");
    auto key = RequiredString(*tag, "Key", "tags.member.key");
    if (!key.ok()) return key.status();
    auto value = RequiredString(*tag, "Value", "tags.member.value");
    if (!value.ok()) return value.status();
    tags.emplace_back(*key, *value);
  }
  return tags;
}

void MergeTags(std::vector<std::pair<std::string, std::string>>& tags,
               const std::vector<std::pair<std::string, std::string>>& added) {
  for (const auto& tag : added) {
    auto existing = std::find_if(tags.begin(), tags.end(),
                                 [&](const auto& old) { return old.first == tag.first; });
    if (existing != tags.end()) {
      existing->second = tag.second;
    } else {
      tags.push_back(tag);
    }
  }
}

// "Some AttributeDefinitions are not used": every definition must be a key of the table or of
// an index.
absl::Status CheckDefinitionsUsed(const TableSchema& table) {
  const std::vector<std::string> keys = table.KeyAttributeNames();
  std::vector<std::string> unused;
  for (const auto& [name, type] : table.attribute_definitions) {
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) unused.push_back(name);
  }
  if (unused.empty()) return absl::OkStatus();
  std::vector<std::string> defined;
  for (const auto& [name, type] : table.attribute_definitions) defined.push_back(name);
  return ValidationError(
      "One or more parameter values were invalid: Some AttributeDefinitions are not used. "
      "AttributeDefinitions: [" +
      absl::StrJoin(defined, ", ") + "], keys used: [" + absl::StrJoin(keys, ", ") + "]");
}

std::string StreamLabel(int64_t now_millis) {
  // An ISO 8601 time with milliseconds, as DynamoDB labels streams.
  const auto seconds = static_cast<time_t>(now_millis / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[96];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03d", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(now_millis % 1000));
  return text;
}

}  // namespace

void DynamoDbService::CreateTable(const Input& input, Done done) {
  auto name = RequiredString(input, "TableName", "tableName");
  if (!name.ok()) return done(name.status());
  if (auto status = CheckTableName(*name); !status.ok()) return done(status);
  auto definitions = ReadDefinitions(input);
  if (!definitions.ok()) return done(definitions.status());
  auto key = ReadKeySchema(input.if_contains("KeySchema"), *definitions, "keySchema");
  if (!key.ok()) return done(key.status());
  auto billing = EnumMember(input, "BillingMode", "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"},
                            "PROVISIONED");
  if (!billing.ok()) return done(billing.status());
  auto throughput = ReadThroughput(input);
  if (!throughput.ok()) return done(throughput.status());
  if (*billing == "PROVISIONED" && !throughput->given) {
    return done(ValidationError(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
        "both be specified when BillingMode is PROVISIONED"));
  }
  if (*billing == "PAY_PER_REQUEST" && throughput->given) {
    return done(
        ValidationError("One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
  }
  TableSchema table;
  table.name = *name;
  table.region = account_.region;
  table.arn = "arn:aws:dynamodb:" + account_.region + ":" + account_.account_id + ":table/" + *name;
  table.table_id = NewUuid();
  table.key = *key;
  table.attribute_definitions = *definitions;
  table.billing_mode = *billing;
  table.read_capacity = throughput->read;
  table.write_capacity = throughput->write;
  table.created_seconds = static_cast<double>(clock_->NowMillis()) / 1000.0;
  for (const auto& [member, global] :
       {std::pair{"GlobalSecondaryIndexes", true}, std::pair{"LocalSecondaryIndexes", false}}) {
    auto indexes = ArrayMember(input, member);
    if (!indexes.ok()) return done(indexes.status());
    if (*indexes == nullptr) continue;
    if ((*indexes)->empty()) {
      return done(ValidationError(
          std::string("One or more parameter values were invalid: List of ") +
          (global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes") + " is empty"));
    }
    for (const json::value& entry : **indexes) {
      auto index = ReadIndex(entry, *definitions, global, *billing);
      if (!index.ok()) return done(index.status());
      if (table.FindIndex(index->name) != nullptr) {
        return done(ValidationError(
            "One or more parameter values were invalid: Duplicate index name: " + index->name));
      }
      if (!global && (!table.key.has_range() || index->key.hash_name != table.key.hash_name ||
                      !index->key.has_range())) {
        return done(ValidationError(
            "One or more parameter values were invalid: Table KeySchema does not have a range key, "
            "which is required when specifying a LocalSecondaryIndex"));
      }
      index->id = table.next_index_id++;
      table.indexes.push_back(*std::move(index));
    }
  }
  if (auto status = CheckDefinitionsUsed(table); !status.ok()) return done(status);
  const int64_t now = clock_->NowMillis();
  if (auto status = ReadStreamSpecification(input, table, [now] { return StreamLabel(now); });
      !status.ok()) {
    return done(status);
  }
  auto tags = ReadTags(input);
  if (!tags.ok()) return done(tags.status());
  table.tags = *tags;
  auto protection = OptionalBool(input, "DeletionProtectionEnabled", false);
  if (!protection.ok()) return done(protection.status());
  table.deletion_protection = *protection;
  auto table_class = EnumMember(input, "TableClass", "tableClass",
                                {"STANDARD", "STANDARD_INFREQUENT_ACCESS"}, "STANDARD");
  if (!table_class.ok()) return done(table_class.status());
  table.table_class = *table_class;
  if (tables_.contains(table.name)) {
    return done(ResourceInUse("Table already exists: " + table.name));
  }
  table.id = next_table_id_++;
  StoreTable(std::make_shared<const TableSchema>(std::move(table)), nullptr, std::nullopt,
             std::move(done));
}

void DynamoDbService::StoreTable(Table table, Table previous, std::optional<json::object> answer,
                                 Done done) {
  // Visible at once, so that a second CreateTable of the name fails and writes queue behind this
  // one on the store's writer; taken back if the store fails.
  tables_[table->name] = table;
  store_->PutTable(
      table, previous,
      [this, table, previous, answer = std::move(answer),
       done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          if (previous) {
            tables_[table->name] = previous;
          } else {
            tables_.erase(table->name);
          }
          return done(status);
        }
        if (answer) return done(*std::move(answer));
        done(json::object{{"TableDescription",
                           dynamodb::DescribeTable(*table, store_->Counts(table->id), "ACTIVE")}});
      });
}

void DynamoDbService::DescribeTable(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  done(json::object{
      {"Table", dynamodb::DescribeTable(**table, store_->Counts((*table)->id), "ACTIVE")}});
}

void DynamoDbService::ListTables(const Input& input, Done done) {
  auto limit = OptionalInt(input, "Limit");
  if (!limit.ok()) return done(limit.status());
  if (*limit && (**limit < 1 || **limit > 100)) {
    return done(protocol::ValidationFailed(
        std::to_string(**limit), "limit",
        **limit < 1 ? "Member must have value greater than or equal to 1"
                    : "Member must have value less than or equal to 100"));
  }
  auto start = OptionalString(input, "ExclusiveStartTableName");
  if (!start.ok()) return done(start.status());
  std::vector<std::string> names;
  for (const auto& [name, table] : tables_) names.push_back(name);
  std::sort(names.begin(), names.end());
  auto first = *start ? std::upper_bound(names.begin(), names.end(), **start) : names.begin();
  const size_t page = static_cast<size_t>(limit->value_or(100));
  json::array listed;
  for (auto it = first; it != names.end() && listed.size() < page; ++it) {
    listed.push_back(json::string(*it));
  }
  json::object output{{"TableNames", listed}};
  if (static_cast<size_t>(names.end() - first) > page) {
    output["LastEvaluatedTableName"] = listed.back();
  }
  done(std::move(output));
}

void DynamoDbService::UpdateTable(const Input& input, Done done) {
  auto found = FindTable(input);
  if (!found.ok()) return done(found.status());
  const Table previous = *found;
  TableSchema table = *previous;
  bool changed = false;
  auto definitions = ReadDefinitions(input);
  if (!definitions.ok()) return done(definitions.status());
  for (const auto& definition : *definitions) {
    auto existing =
        std::find_if(table.attribute_definitions.begin(), table.attribute_definitions.end(),
                     [&](const auto& entry) { return entry.first == definition.first; });
    if (existing == table.attribute_definitions.end())
      table.attribute_definitions.push_back(definition);
  }
  if (input.contains("BillingMode")) {
    auto billing = EnumMember(input, "BillingMode", "billingMode",
                              {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
    if (!billing.ok()) return done(billing.status());
    changed = changed || table.billing_mode != *billing;
    table.billing_mode = *billing;
    if (*billing == "PAY_PER_REQUEST") table.read_capacity = table.write_capacity = 0;
  }
  auto throughput = ReadThroughput(input);
  if (!throughput.ok()) return done(throughput.status());
  if (throughput->given) {
    if (table.billing_mode == "PAY_PER_REQUEST") {
      return done(ValidationError(
          "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
          "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
    }
    table.read_capacity = throughput->read;
    table.write_capacity = throughput->write;
    changed = true;
  } else if (table.billing_mode == "PROVISIONED" && table.read_capacity == 0) {
    return done(ValidationError(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
        "both be specified when BillingMode is PROVISIONED"));
  }
  auto updates = ArrayMember(input, "GlobalSecondaryIndexUpdates");
  if (!updates.ok()) return done(updates.status());
  if (*updates != nullptr) {
    for (const json::value& entry : **updates) {
      const json::object* update = entry.if_object();
      if (update == nullptr || update->size() != 1) {
        return done(
            ValidationError("Invalid GlobalSecondaryIndexUpdate: exactly one of Create, "
                            "Update or Delete"));
      }
      const auto& [action, body] = *update->begin();
      if (!body.is_object()) return done(ValidationError("Invalid GlobalSecondaryIndexUpdate"));
      if (action == "Create") {
        auto index = ReadIndex(body, table.attribute_definitions, true, table.billing_mode);
        if (!index.ok()) return done(index.status());
        if (table.FindIndex(index->name) != nullptr) {
          return done(ValidationError("One or more parameter values were invalid: Index " +
                                      index->name + " already exists"));
        }
        index->id = table.next_index_id++;
        table.indexes.push_back(*std::move(index));
      } else if (action == "Delete" || action == "Update") {
        auto index_name = RequiredString(body.get_object(), "IndexName", "indexName");
        if (!index_name.ok()) return done(index_name.status());
        auto index =
            std::find_if(table.indexes.begin(), table.indexes.end(),
                         [&](const IndexSchema& i) { return i.global && i.name == *index_name; });
        if (index == table.indexes.end()) {
          return done(ResourceNotFound("Requested resource not found: Index: " + *index_name +
                                       " not found"));
        }
        if (action == "Delete") {
          table.indexes.erase(index);
        } else {
          auto index_throughput = ReadThroughput(body.get_object());
          if (!index_throughput.ok()) return done(index_throughput.status());
          index->read_capacity = index_throughput->read;
          index->write_capacity = index_throughput->write;
        }
      } else {
        return done(
            ValidationError("Invalid GlobalSecondaryIndexUpdate action: " + std::string(action)));
      }
      changed = true;
    }
  }
  const int64_t now = clock_->NowMillis();
  const bool had_stream = table.stream_enabled;
  const std::string had_label = table.stream_label;
  if (auto status = ReadStreamSpecification(input, table, [now] { return StreamLabel(now); });
      !status.ok()) {
    return done(status);
  }
  changed = changed || table.stream_enabled != had_stream || table.stream_label != had_label;
  if (input.contains("DeletionProtectionEnabled")) {
    auto protection = OptionalBool(input, "DeletionProtectionEnabled", false);
    if (!protection.ok()) return done(protection.status());
    changed = changed || table.deletion_protection != *protection;
    table.deletion_protection = *protection;
  }
  if (input.contains("TableClass")) {
    auto table_class = EnumMember(input, "TableClass", "tableClass",
                                  {"STANDARD", "STANDARD_INFREQUENT_ACCESS"}, "STANDARD");
    if (!table_class.ok()) return done(table_class.status());
    changed = changed || table.table_class != *table_class;
    table.table_class = *table_class;
  }
  if (!changed) return done(ValidationError("Nothing to update"));
  // Definitions only the dropped indexes used go with them.
  const std::vector<std::string> keys = table.KeyAttributeNames();
  std::erase_if(table.attribute_definitions, [&](const auto& definition) {
    return std::find(keys.begin(), keys.end(), definition.first) == keys.end();
  });
  StoreTable(std::make_shared<const TableSchema>(std::move(table)), previous, std::nullopt,
             std::move(done));
}

void DynamoDbService::DeleteTable(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  if ((*table)->deletion_protection) {
    return done(
        ValidationError("1 validation error detected: Table '" + (*table)->name +
                        "' can't be deleted while DeletionProtectionEnabled is set to True"));
  }
  const Table deleted = *table;
  const TableCounts counts = store_->Counts(deleted->id);
  tables_.erase(deleted->name);
  store_->DeleteTable(deleted, [this, deleted, counts,
                                done = std::move(done)](absl::Status status) {
    if (!status.ok()) {
      tables_.emplace(deleted->name, deleted);
      return done(status);
    }
    done(json::object{{"TableDescription", dynamodb::DescribeTable(*deleted, counts, "DELETING")}});
  });
}

void DynamoDbService::UpdateTimeToLive(const Input& input, Done done) {
  auto found = FindTable(input);
  if (!found.ok()) return done(found.status());
  const json::value* spec = input.if_contains("TimeToLiveSpecification");
  if (spec == nullptr || !spec->is_object())
    return done(MissingParameter("timeToLiveSpecification"));
  auto enabled = OptionalBool(spec->get_object(), "Enabled", false);
  if (!enabled.ok()) return done(enabled.status());
  if (!spec->get_object().contains("Enabled")) {
    return done(MissingParameter("timeToLiveSpecification.enabled"));
  }
  auto attribute =
      RequiredString(spec->get_object(), "AttributeName", "timeToLiveSpecification.attributeName");
  if (!attribute.ok()) return done(attribute.status());
  if (attribute->empty()) {
    return done(protocol::ValidationFailed(*attribute, "timeToLiveSpecification.attributeName",
                                           "Member must have length greater than or equal to 1"));
  }
  const Table previous = *found;
  if (*enabled && previous->ttl_enabled) {
    return done(ValidationError("TimeToLive is already enabled"));
  }
  if (!*enabled && !previous->ttl_enabled) {
    return done(ValidationError("TimeToLive is already disabled"));
  }
  TableSchema table = *previous;
  table.ttl_enabled = *enabled;
  table.ttl_attribute = *attribute;
  json::object echo{{"TimeToLiveSpecification",
                     json::object{{"Enabled", *enabled}, {"AttributeName", *attribute}}}};
  StoreTable(std::make_shared<const TableSchema>(std::move(table)), previous, std::move(echo),
             std::move(done));
}

void DynamoDbService::DescribeTimeToLive(const Input& input, Done done) {
  auto table = FindTable(input);
  if (!table.ok()) return done(table.status());
  json::object description{{"TimeToLiveStatus", (*table)->ttl_enabled ? "ENABLED" : "DISABLED"}};
  if ((*table)->ttl_enabled) description["AttributeName"] = (*table)->ttl_attribute;
  done(json::object{{"TimeToLiveDescription", std::move(description)}});
}

absl::StatusOr<DynamoDbService::Table> DynamoDbService::FindTaggedTable(const Input& input) const {
  auto arn = RequiredString(input, "ResourceArn", "resourceArn");
  if (!arn.ok()) return arn.status();
  auto found = FindTable(*arn);
  if (!found.ok()) {
    return ResourceNotFound("Requested resource not found: ResourcArn: " + *arn + " not found");
  }
  return found;
}

void DynamoDbService::TagResource(const Input& input, Done done) {
  auto found = FindTaggedTable(input);
  if (!found.ok()) return done(found.status());
  auto tags = ReadTags(input);
  if (!tags.ok()) return done(tags.status());
  TableSchema table = **found;
  MergeTags(table.tags, *tags);
  StoreTable(std::make_shared<const TableSchema>(std::move(table)), *found, json::object{},
             std::move(done));
}

void DynamoDbService::UntagResource(const Input& input, Done done) {
  auto found = FindTaggedTable(input);
  if (!found.ok()) return done(found.status());
  auto keys = ArrayMember(input, "TagKeys");
  if (!keys.ok()) return done(keys.status());
  if (*keys == nullptr) return done(MissingParameter("tagKeys"));
  TableSchema table = **found;
  for (const json::value& key : **keys) {
    if (!key.is_string()) continue;
    std::erase_if(table.tags, [&](const auto& tag) { return tag.first == key.get_string(); });
  }
  StoreTable(std::make_shared<const TableSchema>(std::move(table)), *found, json::object{},
             std::move(done));
}

void DynamoDbService::ListTagsOfResource(const Input& input, Done done) {
  auto found = FindTaggedTable(input);
  if (!found.ok()) return done(found.status());
  json::array tags;
  for (const auto& [key, value] : (*found)->tags) {
    tags.push_back(json::object{{"Key", key}, {"Value", value}});
  }
  done(json::object{{"Tags", std::move(tags)}});
}

void DynamoDbService::DescribeEndpoints(const Input& input, Done done) {
  (void)input;
  std::string address = endpoint_;
  if (const size_t scheme = address.find("://"); scheme != std::string::npos) {
    address.erase(0, scheme + 3);
  }
  done(json::object{{"Endpoints", json::array{json::object{{"Address", address},
                                                           {"CachePeriodInMinutes", 1440}}}}});
}

}  // namespace serval::dynamodb
