#include "services/dynamodb/stream_record.h"

#include <boost/json.hpp>
#include <cstdio>

#include "common/ids.h"

namespace serval::dynamodb {
namespace json = boost::json;

std::string SequenceNumberText(int64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof(text), "%021lld", static_cast<long long>(sequence));
  return text;
}

std::string StreamRecordJson(const TableSchema& table, const json::object* old_item,
                             const json::object* new_item, int64_t sequence, int64_t created_millis,
                             bool by_service) {
  const json::object& some_item = new_item ? *new_item : *old_item;
  json::object keys{{table.key.hash_name, some_item.at(table.key.hash_name)}};
  if (table.key.has_range()) keys[table.key.range_name] = some_item.at(table.key.range_name);
  // SizeBytes: the record's keys and images as DynamoDB counts item sizes.
  size_t size = ItemSize(keys);
  json::object change{{"ApproximateCreationDateTime", static_cast<double>(created_millis / 1000)},
                      {"Keys", std::move(keys)}};
  const std::string& view = table.stream_view_type;
  if (new_item && (view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES")) {
    size += ItemSize(*new_item);
    change["NewImage"] = *new_item;
  }
  if (old_item && (view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES")) {
    size += ItemSize(*old_item);
    change["OldImage"] = *old_item;
  }
  change["SequenceNumber"] = SequenceNumberText(sequence);
  change["SizeBytes"] = size;
  change["StreamViewType"] = view;
  json::object record{
      {"eventID", NewUuid()},
      {"eventName", !old_item ? "INSERT" : (new_item ? "MODIFY" : "REMOVE")},
      {"eventVersion", "1.1"},
      {"eventSource", "aws:dynamodb"},
      {"awsRegion", table.region},
      {"dynamodb", std::move(change)},
      {"eventSourceARN", table.StreamArn()},
  };
  if (by_service) {
    record["userIdentity"] =
        json::object{{"type", "Service"}, {"principalId", "dynamodb.amazonaws.com"}};
  }
  return json::serialize(record);
}

}  // namespace serval::dynamodb
