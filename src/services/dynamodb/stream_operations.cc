// The DynamoDB Streams API: ListStreams, DescribeStream, GetShardIterator, GetRecords.
#include <boost/json.hpp>

#include "absl/strings/numbers.h"
#include "common/json_fields.h"
#include "services/dynamodb/dynamodb_errors.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/request_fields.h"
#include "services/dynamodb/shard_iterator.h"
#include "services/dynamodb/stream_record.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

constexpr int64_t kMaxRecordsPerCall = 1000;

absl::Status StreamNotFound(std::string_view stream_arn) {
  return ResourceNotFound("Requested resource not found: Stream: " + std::string(stream_arn) +
                          " not found");
}

// A stored record as GetRecords returns it: the record Lambda delivers, but with the Streams
// API's member names in userIdentity (Type, PrincipalId rather than type, principalId).
json::value ApiRecord(std::string_view stored) {
  auto parsed = ParseStoredObject(stored);
  if (!parsed.ok()) return nullptr;
  json::value record = *std::move(parsed);
  if (json::value* identity = record.get_object().if_contains("userIdentity")) {
    json::object renamed;
    for (const auto& member : identity->as_object()) {
      renamed[member.key() == "type" ? "Type" : "PrincipalId"] = member.value();
    }
    *identity = std::move(renamed);
  }
  return record;
}

}  // namespace

void DynamoDbService::ListStreams(const Input& input, Done done) {
  auto table_name = OptionalString(input, "TableName");
  if (!table_name.ok()) return done(table_name.status());
  auto start = OptionalString(input, "ExclusiveStartStreamArn");
  if (!start.ok()) return done(start.status());
  auto limit = OptionalInt(input, "Limit");
  if (!limit.ok()) return done(limit.status());
  std::vector<Table> tables;
  for (const auto& [name, table] : tables_) {
    if (table->stream_label.empty()) continue;
    if (*table_name && name != **table_name) continue;
    tables.push_back(table);
  }
  std::sort(tables.begin(), tables.end(),
            [](const Table& a, const Table& b) { return a->StreamArn() < b->StreamArn(); });
  const size_t page = static_cast<size_t>(std::clamp<int64_t>(limit->value_or(100), 1, 100));
  json::array streams;
  bool more = false;
  for (const Table& table : tables) {
    if (*start && table->StreamArn() <= **start) continue;
    if (streams.size() == page) {
      more = true;
      break;
    }
    streams.push_back(json::object{{"StreamArn", table->StreamArn()},
                                   {"TableName", table->name},
                                   {"StreamLabel", table->stream_label}});
  }
  json::object output{{"Streams", streams}};
  if (more) output["LastEvaluatedStreamArn"] = streams.back().at("StreamArn");
  done(std::move(output));
}

void DynamoDbService::DescribeStream(const Input& input, Done done) {
  auto arn = RequiredString(input, "StreamArn", "streamArn");
  if (!arn.ok()) return done(arn.status());
  Table table = FindStreamTable(*arn);
  if (table == nullptr) return done(StreamNotFound(*arn));
  const int64_t latest = store_->LatestSequence(table->id);
  json::object range{{"StartingSequenceNumber", SequenceNumberText(1)}};
  if (!table->stream_enabled && latest > 0)
    range["EndingSequenceNumber"] = SequenceNumberText(latest);
  done(json::object{
      {"StreamDescription",
       json::object{{"StreamArn", *arn},
                    {"StreamLabel", table->stream_label},
                    {"StreamStatus", table->stream_enabled ? "ENABLED" : "DISABLED"},
                    {"StreamViewType", table->stream_view_type},
                    {"CreationRequestDateTime", table->created_seconds},
                    {"TableName", table->name},
                    {"KeySchema", KeySchemaJson(table->key)},
                    {"Shards", json::array{json::object{{"ShardId", ShardId(*table)},
                                                        {"SequenceNumberRange", range}}}}}}});
}

void DynamoDbService::GetShardIterator(const Input& input, Done done) {
  auto arn = RequiredString(input, "StreamArn", "streamArn");
  if (!arn.ok()) return done(arn.status());
  auto shard = RequiredString(input, "ShardId", "shardId");
  if (!shard.ok()) return done(shard.status());
  auto type =
      EnumMember(input, "ShardIteratorType", "shardIteratorType",
                 {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"}, "");
  if (!type.ok()) return done(type.status());
  if (type->empty()) return done(MissingParameter("shardIteratorType"));
  Table table = FindStreamTable(*arn);
  if (table == nullptr) return done(StreamNotFound(*arn));
  if (*shard != ShardId(*table)) {
    return done(ResourceNotFound("Requested resource not found: Shard does not exist"));
  }
  int64_t after = 0;
  if (*type == "LATEST") {
    after = store_->LatestSequence(table->id);
  } else if (*type != "TRIM_HORIZON") {
    auto sequence = OptionalString(input, "SequenceNumber");
    if (!sequence.ok()) return done(sequence.status());
    int64_t number = 0;
    if (!*sequence || !absl::SimpleAtoi(**sequence, &number)) {
      return done(ValidationError("Invalid SequenceNumber for ShardIteratorType: " + *type));
    }
    after = *type == "AT_SEQUENCE_NUMBER" ? number - 1 : number;
  }
  done(json::object{{"ShardIterator", EncodeIterator(*arn, *shard, after)}});
}

void DynamoDbService::GetRecords(const Input& input, Done done) {
  auto iterator = RequiredString(input, "ShardIterator", "shardIterator");
  if (!iterator.ok()) return done(iterator.status());
  auto position = DecodeIterator(*iterator);
  if (!position.ok()) return done(position.status());
  auto limit = OptionalInt(input, "Limit");
  if (!limit.ok()) return done(limit.status());
  if (*limit && (**limit < 1 || **limit > kMaxRecordsPerCall)) {
    return done(ValidationError("1 validation error detected: Value '" + std::to_string(**limit) +
                                "' at 'limit' failed to satisfy constraint: Member must have value "
                                "less than or equal to 1000"));
  }
  Table table = FindStreamTable(position->stream_arn);
  if (table == nullptr) return done(StreamNotFound(position->stream_arn));
  // A disabled stream's shard is closed at its last record (nothing is added to it any more):
  // read to there, the answer has no NextShardIterator, which tells consumers the shard ended.
  const std::optional<int64_t> closed_at =
      table->stream_enabled ? std::nullopt : std::optional(store_->LatestSequence(table->id));
  store_->ReadStream(
      table->id, position->after_sequence, static_cast<size_t>(limit->value_or(kMaxRecordsPerCall)),
      [position = *position, closed_at,
       done = std::move(done)](absl::StatusOr<std::vector<StoredStreamRecord>> records) {
        if (!records.ok()) return done(records.status());
        json::array out;
        int64_t last = position.after_sequence;
        for (const StoredStreamRecord& record : *records) {
          if (json::value parsed = ApiRecord(record.json); !parsed.is_null()) {
            out.push_back(std::move(parsed));
          }
          last = record.sequence;
        }
        json::object answer{{"Records", std::move(out)}};
        if (!closed_at || last < *closed_at) {
          answer["NextShardIterator"] =
              EncodeIterator(position.stream_arn, position.shard_id, last);
        }
        done(std::move(answer));
      });
}

}  // namespace serval::dynamodb
