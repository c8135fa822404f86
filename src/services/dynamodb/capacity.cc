#include "services/dynamodb/capacity.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace serval::dynamodb {
namespace json = boost::json;

namespace {

json::object UnitsByIndex(const std::map<std::string, double>& indexes) {
  json::object out;
  for (const auto& [name, units] : indexes) out[name] = json::object{{"CapacityUnits", units}};
  return out;
}

// The index write units for one item change (see capacity.h).
double IndexWriteUnits(const TableSchema& table, const IndexSchema& index,
                       const json::object* old_item, const json::object* new_item) {
  const bool was_in = old_item != nullptr && HasKeyOf(index.key, *old_item);
  const bool is_in = new_item != nullptr && HasKeyOf(index.key, *new_item);
  if (!was_in && !is_in) return 0;
  if (!is_in) return WriteUnits(ItemSize(ProjectedItem(table, index, *old_item)));
  const json::object now = ProjectedItem(table, index, *new_item);
  if (!was_in) return WriteUnits(ItemSize(now));
  const json::object before = ProjectedItem(table, index, *old_item);
  auto key_value = [](const json::object& item, const std::string& name) {
    const json::value* value = name.empty() ? nullptr : item.if_contains(name);
    return value ? json::serialize(*value) : std::string();
  };
  const bool key_changed =
      key_value(before, index.key.hash_name) != key_value(now, index.key.hash_name) ||
      key_value(before, index.key.range_name) != key_value(now, index.key.range_name);
  if (key_changed) return WriteUnits(ItemSize(before)) + WriteUnits(ItemSize(now));
  if (before == now) return 0;
  return WriteUnits(std::max(ItemSize(before), ItemSize(now)));
}

}  // namespace

double WriteUnits(size_t item_bytes) {
  return std::max(1.0, std::ceil(static_cast<double>(item_bytes) / 1024.0));
}

double ReadUnits(size_t item_bytes, bool consistent) {
  const double units = std::max(1.0, std::ceil(static_cast<double>(item_bytes) / 4096.0));
  return consistent ? units : units / 2;
}

double CapacityCharge::total() const {
  double sum = table_units;
  for (const auto& [name, units] : global_indexes) sum += units;
  for (const auto& [name, units] : local_indexes) sum += units;
  return sum;
}

void CapacityCharge::Add(const CapacityCharge& other) {
  table_units += other.table_units;
  for (const auto& [name, units] : other.global_indexes) global_indexes[name] += units;
  for (const auto& [name, units] : other.local_indexes) local_indexes[name] += units;
}

CapacityCharge WriteCharge(const TableSchema& table, const json::object* old_item,
                           const json::object* new_item, double factor) {
  CapacityCharge charge{.table = table.name};
  const size_t bytes =
      std::max(old_item ? ItemSize(*old_item) : 0, new_item ? ItemSize(*new_item) : 0);
  charge.table_units = factor * WriteUnits(bytes);
  for (const IndexSchema& index : table.indexes) {
    const double units = IndexWriteUnits(table, index, old_item, new_item);
    if (units == 0) continue;
    (index.global ? charge.global_indexes : charge.local_indexes)[index.name] = factor * units;
  }
  return charge;
}

CapacityCharge ReadCharge(std::string_view table_name, const IndexSchema* index, double units) {
  CapacityCharge charge{.table = std::string(table_name)};
  if (index == nullptr) {
    charge.table_units = units;
  } else {
    (index->global ? charge.global_indexes : charge.local_indexes)[index->name] = units;
  }
  return charge;
}

std::optional<json::object> ConsumedCapacity(std::string_view mode, const CapacityCharge& charge) {
  if (mode == "NONE") return std::nullopt;
  json::object consumed{{"TableName", charge.table}, {"CapacityUnits", charge.total()}};
  if (mode != "INDEXES") return consumed;
  // A read of an index alone names no share of the table.
  if (charge.table_units != 0 || (charge.global_indexes.empty() && charge.local_indexes.empty())) {
    consumed["Table"] = json::object{{"CapacityUnits", charge.table_units}};
  }
  if (!charge.global_indexes.empty()) {
    consumed["GlobalSecondaryIndexes"] = UnitsByIndex(charge.global_indexes);
  }
  if (!charge.local_indexes.empty()) {
    consumed["LocalSecondaryIndexes"] = UnitsByIndex(charge.local_indexes);
  }
  return consumed;
}

void AddConsumedCapacity(json::object& output, std::string_view mode,
                         const std::vector<CapacityCharge>& charges) {
  if (mode == "NONE") return;
  std::vector<CapacityCharge> per_table;
  for (const CapacityCharge& charge : charges) {
    auto entry = std::find_if(per_table.begin(), per_table.end(),
                              [&](const CapacityCharge& seen) { return seen.table == charge.table; });
    if (entry == per_table.end()) {
      per_table.push_back(charge);
    } else {
      entry->Add(charge);
    }
  }
  json::array consumed;
  for (const CapacityCharge& charge : per_table) consumed.push_back(*ConsumedCapacity(mode, charge));
  output["ConsumedCapacity"] = std::move(consumed);
}

}  // namespace serval::dynamodb
