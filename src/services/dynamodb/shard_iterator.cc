#include "services/dynamodb/shard_iterator.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "services/dynamodb/dynamodb_errors.h"

namespace serval::dynamodb {

std::string EncodeIterator(std::string_view stream_arn, std::string_view shard_id,
                           int64_t after_sequence) {
  return Base64Encode(std::string(stream_arn) + "|" + std::string(shard_id) + "|" +
                      std::to_string(after_sequence));
}

absl::StatusOr<ShardPosition> DecodeIterator(std::string_view iterator) {
  const auto invalid = [] { return ValidationError("Invalid ShardIterator"); };
  auto text = Base64Decode(iterator);
  if (!text.ok()) return invalid();
  std::vector<std::string> parts = absl::StrSplit(*text, '|');
  ShardPosition position;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &position.after_sequence)) return invalid();
  position.stream_arn = parts[0];
  position.shard_id = parts[1];
  return position;
}

}  // namespace serval::dynamodb
