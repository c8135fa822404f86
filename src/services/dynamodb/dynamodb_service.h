#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/arn.h"
#include "common/clock.h"
#include "protocol/json_rpc.h"
#include "services/dynamodb/item_store.h"
#include "services/dynamodb/table_schema.h"
#include "services/platform.h"
#include "services/service.h"
#include "services/stream_source.h"

namespace serval::dynamodb {

// The DynamoDB front end: the JSON 1.0 API (X-Amz-Target: DynamoDB_20120810.*) for tables and
// items, and DynamoDB Streams (DynamoDBStreams_20120810.*, signed for "dynamodb" too) for their
// change records, over one ItemStore. Every answer carries x-amz-crc32. Also the StreamSource
// Lambda's event source mappings read, and the TTL sweeper. Runs only on the io thread; the
// store's threads do the disk work (docs/dynamodb.md).
class DynamoDbService : public services::Service, public services::StreamSource {
 public:
  using Done = protocol::JsonOperationDone;
  using Input = boost::json::object;

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  DynamoDbService(const services::Platform& platform, std::unique_ptr<ItemStore> store,
                  std::vector<TableSchema> tables);
  ~DynamoDbService() override;

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void Start() override;
  void OnClockAdvanced() override { SweepExpired(); }
  void AddStats(boost::json::object& stats) const override;

  // StreamSource.
  bool HasStream(const std::string& stream_arn) const override;
  void ListShards(
      const std::string& stream_arn,
      std::function<void(absl::StatusOr<std::vector<services::StreamShard>>)> done) override;
  void ReadRecords(
      const std::string& stream_arn, const std::string& shard_id, const std::string& after_sequence,
      size_t limit,
      std::function<void(absl::StatusOr<std::vector<services::StreamRecord>>)> done) override;
  void LatestSequence(const std::string& stream_arn, const std::string& shard_id,
                      std::function<void(absl::StatusOr<std::string>)> done) override;
  uint64_t Watch(const std::string& stream_arn, std::function<void()> wake) override;
  void Unwatch(uint64_t watch_id) override;

 private:
  using Table = std::shared_ptr<const TableSchema>;

  static const protocol::JsonOperationTable<DynamoDbService>& Operations();
  static const protocol::JsonOperationTable<DynamoDbService>& StreamOperations();

  // Tables (table_operations.cc).
  void CreateTable(const Input& input, Done done);
  void DescribeTable(const Input& input, Done done);
  void ListTables(const Input& input, Done done);
  void UpdateTable(const Input& input, Done done);
  void DeleteTable(const Input& input, Done done);
  void UpdateTimeToLive(const Input& input, Done done);
  void DescribeTimeToLive(const Input& input, Done done);
  void TagResource(const Input& input, Done done);
  void UntagResource(const Input& input, Done done);
  void ListTagsOfResource(const Input& input, Done done);
  void DescribeEndpoints(const Input& input, Done done);
  // Stores `table` (replacing `previous`) and answers with `answer`, or by default with
  // {"TableDescription": ...}.
  void StoreTable(Table table, Table previous, std::optional<boost::json::object> answer,
                  Done done);
  // The table a tagging request's ResourceArn names, or AWS's ResourceNotFound for it.
  absl::StatusOr<Table> FindTaggedTable(const Input& input) const;

  // Items (item_operations.cc).
  void PutItem(const Input& input, Done done);
  void GetItem(const Input& input, Done done);
  void UpdateItem(const Input& input, Done done);
  void DeleteItem(const Input& input, Done done);
  // Queries (query_operations.cc).
  void Query(const Input& input, Done done);
  void Scan(const Input& input, Done done);
  // Batches and transactions (batch_operations.cc).
  void BatchWriteItem(const Input& input, Done done);
  void BatchGetItem(const Input& input, Done done);
  void TransactWriteItems(const Input& input, Done done);
  void TransactGetItems(const Input& input, Done done);
  // Streams API (stream_operations.cc).
  void ListStreams(const Input& input, Done done);
  void DescribeStream(const Input& input, Done done);
  void GetShardIterator(const Input& input, Done done);
  void GetRecords(const Input& input, Done done);

  // The table named by the request's TableName (or a table ARN), or ResourceNotFound.
  absl::StatusOr<Table> FindTable(const Input& input) const;
  absl::StatusOr<Table> FindTable(std::string_view name_or_arn) const;
  // The table whose current stream is `stream_arn`.
  Table FindStreamTable(std::string_view stream_arn) const;
  std::string ShardId(const TableSchema& table) const;

  // TTL: deletes expired items of every table with TTL on (on a timer, and when the simulated
  // clock moves).
  void SweepExpired();
  void ArmSweep();
  void OnStreamAppended(int64_t table_id);

  AccountContext account_;
  iam::Authorizer* authorizer_;  // null: every request is allowed
  const Clock* clock_;
  boost::asio::io_context* io_;
  std::string endpoint_;
  std::unique_ptr<ItemStore> store_;
  absl::flat_hash_map<std::string, Table> tables_;  // by name
  int64_t next_table_id_ = 1;
  // Stream watchers: id -> (table id, wake).
  absl::flat_hash_map<uint64_t, std::pair<int64_t, std::function<void()>>> watchers_;
  uint64_t next_watch_id_ = 1;
  // TransactWriteItems ClientRequestTokens of the last 10 minutes: token -> (request hash,
  // millis).
  absl::flat_hash_map<std::string, std::pair<std::string, int64_t>> transaction_tokens_;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  uint64_t sweeps_ = 0;
  uint64_t expired_deleted_ = 0;
};

}  // namespace serval::dynamodb
