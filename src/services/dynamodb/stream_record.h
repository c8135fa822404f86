#pragma once

#include <cstdint>
#include <string>

#include "services/dynamodb/table_schema.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::dynamodb {

// A stream record's SequenceNumber: the store's sequence as 21 decimal digits, so that text
// order is numeric order.
std::string SequenceNumberText(int64_t sequence);

// The record a change of an item writes to its table's stream, exactly as GetRecords returns it
// and Lambda delivers it (eventID, eventName INSERT|MODIFY|REMOVE, eventVersion, eventSource,
// awsRegion, dynamodb{ApproximateCreationDateTime, Keys, NewImage, OldImage, SequenceNumber,
// SizeBytes, StreamViewType}, eventSourceARN; userIdentity for a TTL deletion). The images
// present follow the table's StreamViewType. `old_item`/`new_item` are null when absent.
std::string StreamRecordJson(const TableSchema& table, const boost::json::object* old_item,
                             const boost::json::object* new_item, int64_t sequence,
                             int64_t created_millis, bool by_service);

}  // namespace serval::dynamodb
