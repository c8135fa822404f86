#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::services {

// One change record of a stream (a DynamoDB table's stream), as a Lambda event source mapping
// delivers it: `json` is the record object exactly as it goes into the event's "Records" array
// (for DynamoDB: eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb{...},
// eventSourceARN).
struct StreamRecord {
  // Decimal digits; strictly increasing within a shard, in the order the changes committed.
  std::string sequence_number;
  std::string json;
  int64_t created_millis = 0;  // when the change committed (ApproximateCreationDateTime)
  size_t size_bytes = 0;       // the change's size as the source counts it (SizeBytes)
};

// A stream's shard. Records of one partition key always go to one shard, in order.
struct StreamShard {
  std::string shard_id;
  std::string parent_shard_id;  // empty for a first-generation shard
  bool open = true;             // still receiving records
};

// Change streams for another front end (Lambda's event source mappings), so that it needs
// nothing of the owning service's internals. The DynamoDB front end implements it. Runs only on
// the io thread; every callback is called there.
class StreamSource {
 public:
  virtual ~StreamSource() = default;

  // Whether `stream_arn` names a stream this source has (enabled or not yet trimmed away).
  virtual bool HasStream(const std::string& stream_arn) const = 0;
  // The stream's shards; NotFound when there is no such stream.
  virtual void ListShards(const std::string& stream_arn,
                          std::function<void(absl::StatusOr<std::vector<StreamShard>>)> done) = 0;
  // Up to `limit` records of the shard with sequence numbers greater than `after_sequence`
  // (empty: from the oldest record kept, TRIM_HORIZON), oldest first.
  virtual void ReadRecords(const std::string& stream_arn, const std::string& shard_id,
                           const std::string& after_sequence, size_t limit,
                           std::function<void(absl::StatusOr<std::vector<StreamRecord>>)> done) = 0;
  // The sequence number of the shard's newest record, or "0" when it has none (a LATEST start
  // reads after it).
  virtual void LatestSequence(const std::string& stream_arn, const std::string& shard_id,
                              std::function<void(absl::StatusOr<std::string>)> done) = 0;
  // Calls `wake` (on the io thread) whenever records are appended to the stream, until the
  // returned id is passed to Unwatch: a reader can wait for news instead of polling in a loop.
  virtual uint64_t Watch(const std::string& stream_arn, std::function<void()> wake) = 0;
  virtual void Unwatch(uint64_t watch_id) = 0;
};

// Where the DynamoDB front end leaves its stream source when it is created. Front ends are
// created one after another and requests come only once all exist, so a user reads `source`
// when it serves one (or in Start()).
struct StreamSourceSlot {
  StreamSource* dynamodb = nullptr;
};

}  // namespace serval::services
