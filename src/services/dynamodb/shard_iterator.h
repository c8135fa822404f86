#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::dynamodb {

// A DynamoDB Streams shard iterator: where a reader is in a shard, opaque to clients (base64 of
// "arn|shard|after"). Pure functions: thread-safe.
struct ShardPosition {
  std::string stream_arn;
  std::string shard_id;
  int64_t after_sequence = 0;
};

std::string EncodeIterator(std::string_view stream_arn, std::string_view shard_id,
                           int64_t after_sequence);
// ValidationException "Invalid ShardIterator" for anything EncodeIterator did not make.
absl::StatusOr<ShardPosition> DecodeIterator(std::string_view iterator);

}  // namespace serval::dynamodb
