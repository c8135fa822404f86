#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/dynamodb/table_schema.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::dynamodb {

// Capacity units, as ReturnConsumedCapacity reports them (TOTAL: the sum per table; INDEXES: the
// table's share and each index's too). A write costs 1 unit per KB of the item (the larger of
// its old and new images), a read 1 per 4 KB (half when eventually consistent); a write also
// writes each secondary index whose entry for the item it changes: 1 write of the projected
// item when an entry is added, removed or rewritten, 2 when the index key changes (a delete and a
// put). Transactions cost twice as much.

double WriteUnits(size_t item_bytes);
double ReadUnits(size_t item_bytes, bool consistent);

// What one action, or a whole request on one table, consumed.
struct CapacityCharge {
  std::string table;
  double table_units = 0;
  std::map<std::string, double> global_indexes;
  std::map<std::string, double> local_indexes;

  double total() const;
  // Adds `other` (of the same table).
  void Add(const CapacityCharge& other);
};

// A write that turned `old_item` into `new_item` (either null: none), times `factor`.
CapacityCharge WriteCharge(const TableSchema& table, const boost::json::object* old_item,
                           const boost::json::object* new_item, double factor = 1);
// A read of `units` from the table, or from `index` when not null.
CapacityCharge ReadCharge(std::string_view table_name, const IndexSchema* index, double units);

// The ConsumedCapacity member for `charge` under ReturnConsumedCapacity `mode`; nullopt for
// NONE.
std::optional<boost::json::object> ConsumedCapacity(std::string_view mode,
                                                    const CapacityCharge& charge);
// A batch's or transaction's ConsumedCapacity: a list with one entry per table, its actions'
// charges summed; nothing for NONE.
void AddConsumedCapacity(boost::json::object& output, std::string_view mode,
                         const std::vector<CapacityCharge>& charges);

}  // namespace serval::dynamodb
