#include "services/dynamodb/dynamodb_service.h"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "absl/strings/numbers.h"
#include "common/checksums.h"
#include "services/dynamodb/dynamodb_access.h"
#include "services/dynamodb/dynamodb_errors.h"
#include "services/dynamodb/request_fields.h"
#include "services/dynamodb/stream_record.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kAwsJson1_0;
constexpr std::string_view kTablePrefix = "DynamoDB_20120810.";
constexpr std::string_view kStreamsPrefix = "DynamoDBStreams_20120810.";
// Expired items are looked for this often (and whenever the simulated clock moves), up to this
// many per table at a time.
constexpr auto kSweepInterval = std::chrono::seconds(5);
constexpr size_t kSweepBatch = 100;
// Stream records are kept 24 hours, as DynamoDB keeps them.
constexpr int64_t kStreamRetentionMillis = 24 * 3600 * 1000;

// DynamoDB names its error types with their namespace ("com.amazonaws.dynamodb.v20120810#
// ResourceNotFoundException"); clients keep what follows '#'. The shared awsJson writer
// renders the bare code, so an error body is qualified here, before its CRC is taken.
void QualifyErrorType(http::Response& response) {
  boost::system::error_code error;
  json::value body = json::parse(response.body, error);
  json::object* object = body.if_object();
  if (error || object == nullptr) return;
  json::string* type = object->contains("__type") ? object->at("__type").if_string() : nullptr;
  if (type == nullptr || type->find('#') != json::string::npos) return;
  const std::string_view code(*type);
  const std::string_view space =
      code == "ValidationException" ? "com.amazon.coral.validate#"
      : (code == "SerializationException" || code == "UnknownOperationException" ||
         code == "AccessDeniedException" || code == "UnrecognizedClientException")
          ? "com.amazon.coral.service#"
          : "com.amazonaws.dynamodb.v20120810#";
  *type = std::string(space) + std::string(code);
  response.body = json::serialize(body);
}

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> DynamoDbService::Create(
    const services::Platform& platform) {
  const Clock* clock = platform.clock;
  auto store =
      ItemStore::Open({.path = std::filesystem::path(platform.data_dir) / "dynamodb" / "tables.db",
                       .post_to_io = platform.post_to_io,
                       .now_millis = [clock] { return clock->NowMillis(); }});
  if (!store.ok()) return store.status();
  auto tables = (*store)->LoadTables();
  if (!tables.ok()) return tables.status();
  auto service = std::make_unique<DynamoDbService>(platform, *std::move(store), *std::move(tables));
  if (platform.streams) platform.streams->dynamodb = service.get();
  return service;
}

DynamoDbService::DynamoDbService(const services::Platform& platform,
                                 std::unique_ptr<ItemStore> store, std::vector<TableSchema> tables)
    : account_(platform.account),
      authorizer_(platform.authorizer),
      clock_(platform.clock),
      io_(platform.io),
      endpoint_(platform.endpoint),
      store_(std::move(store)) {
  for (TableSchema& table : tables) {
    next_table_id_ = std::max(next_table_id_, table.id + 1);
    std::string name = table.name;
    tables_[name] = std::make_shared<const TableSchema>(std::move(table));
  }
  store_->SetStreamListener([this](int64_t table_id) { OnStreamAppended(table_id); });
}

DynamoDbService::~DynamoDbService() = default;

const services::ServiceInfo& DynamoDbService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "dynamodb",
      .signing_name = "dynamodb",
      .protocol = kProtocol,
      .target_prefixes = {kTablePrefix, kStreamsPrefix},
  };
  return kInfo;
}

const protocol::JsonOperationTable<DynamoDbService>& DynamoDbService::Operations() {
  static const protocol::JsonOperationTable<DynamoDbService> kOperations{
      {"CreateTable", &DynamoDbService::CreateTable},
      {"DescribeTable", &DynamoDbService::DescribeTable},
      {"ListTables", &DynamoDbService::ListTables},
      {"UpdateTable", &DynamoDbService::UpdateTable},
      {"DeleteTable", &DynamoDbService::DeleteTable},
      {"UpdateTimeToLive", &DynamoDbService::UpdateTimeToLive},
      {"DescribeTimeToLive", &DynamoDbService::DescribeTimeToLive},
      {"TagResource", &DynamoDbService::TagResource},
      {"UntagResource", &DynamoDbService::UntagResource},
      {"ListTagsOfResource", &DynamoDbService::ListTagsOfResource},
      {"DescribeEndpoints", &DynamoDbService::DescribeEndpoints},
      {"PutItem", &DynamoDbService::PutItem},
      {"GetItem", &DynamoDbService::GetItem},
      {"UpdateItem", &DynamoDbService::UpdateItem},
      {"DeleteItem", &DynamoDbService::DeleteItem},
      {"Query", &DynamoDbService::Query},
      {"Scan", &DynamoDbService::Scan},
      {"BatchWriteItem", &DynamoDbService::BatchWriteItem},
      {"BatchGetItem", &DynamoDbService::BatchGetItem},
      {"TransactWriteItems", &DynamoDbService::TransactWriteItems},
      {"TransactGetItems", &DynamoDbService::TransactGetItems},
  };
  return kOperations;
}

const protocol::JsonOperationTable<DynamoDbService>& DynamoDbService::StreamOperations() {
  static const protocol::JsonOperationTable<DynamoDbService> kOperations{
      {"ListStreams", &DynamoDbService::ListStreams},
      {"DescribeStream", &DynamoDbService::DescribeStream},
      {"GetShardIterator", &DynamoDbService::GetShardIterator},
      {"GetRecords", &DynamoDbService::GetRecords},
  };
  return kOperations;
}

void DynamoDbService::Handle(protocol::RequestContext context, http::Responder respond) {
  // Every answer, errors included, carries the CRC-32 of its body: boto3 checks it and retries
  // a mismatch (docs/dynamodb.md).
  http::Responder with_crc = [respond = std::move(respond)](http::Response response) {
    if (response.status >= 400) QualifyErrorType(response);
    response.SetHeader("x-amz-crc32", std::to_string(Crc32(0, response.body)));
    respond(std::move(response));
  };
  const auto authorize = [this, &context](const protocol::JsonRpcRequest& request) {
    return services::CheckAccess(authorizer_, context.caller, "AccessDeniedException", [&] {
      return AccessRequestsFor(request.operation, request.input, account_);
    });
  };
  if (context.request.Header("x-amz-target").starts_with(kStreamsPrefix)) {
    return protocol::ServeJsonRpc(kProtocol, kStreamsPrefix, StreamOperations(), *this, context,
                                  authorize, std::move(with_crc));
  }
  protocol::ServeJsonRpc(kProtocol, kTablePrefix, Operations(), *this, context, authorize,
                         std::move(with_crc));
}

void DynamoDbService::Start() {
  sweep_timer_ = std::make_unique<boost::asio::steady_timer>(*io_);
  ArmSweep();
}

void DynamoDbService::ArmSweep() {
  sweep_timer_->expires_after(kSweepInterval);
  sweep_timer_->async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    SweepExpired();
    ArmSweep();
  });
}

void DynamoDbService::SweepExpired() {
  ++sweeps_;
  const int64_t now_millis = clock_->NowMillis();
  store_->TrimStreams(now_millis - kStreamRetentionMillis);
  for (const auto& entry : tables_) {
    const Table& table = entry.second;
    if (!table->ttl_enabled) continue;
    const int64_t now_seconds = now_millis / 1000;
    store_->ExpiredKeys(
        table, now_seconds, kSweepBatch,
        [this, table, now_seconds](absl::StatusOr<std::vector<ItemKey>> keys) {
          if (!keys.ok() || keys->empty()) return;
          std::vector<ItemChange> changes;
          for (ItemKey& key : *keys) {
            // Deleted only if the item is still there and still expired when the writer gets to it.
            changes.push_back(ItemChange{
                .table = table,
                .key = std::move(key),
                .decide = [table, now_seconds](
                              const json::object* current) -> absl::StatusOr<ChangeOutcome> {
                  const json::value* expiry =
                      current ? current->if_contains(table->ttl_attribute) : nullptr;
                  if (expiry == nullptr || TypeOf(*expiry) != AttributeType::kN ||
                      CompareNumbers(Payload(*expiry).get_string(), std::to_string(now_seconds)) >
                          0) {
                    return ChangeOutcome{};
                  }
                  return ChangeOutcome{ChangeOutcome::Kind::kDelete, nullptr};
                },
                .by_service = true});
          }
          store_->Write(std::move(changes), /*all_or_nothing=*/false,
                        [this](absl::StatusOr<std::vector<ChangeResult>> results) {
                          if (!results.ok()) return;
                          for (const ChangeResult& result : *results) {
                            if (result.old_item && !result.new_item) ++expired_deleted_;
                          }
                        });
        });
  }
}

void DynamoDbService::AddStats(json::object& stats) const {
  stats["dynamodb"] = json::object{{"tables", tables_.size()},
                                   {"ttl_sweeps", sweeps_},
                                   {"ttl_deleted", expired_deleted_},
                                   {"stream_watchers", watchers_.size()}};
}

absl::StatusOr<DynamoDbService::Table> DynamoDbService::FindTable(const Input& input) const {
  auto name = RequiredString(input, "TableName", "tableName");
  if (!name.ok()) return name.status();
  return FindTable(*name);
}

absl::StatusOr<DynamoDbService::Table> DynamoDbService::FindTable(
    std::string_view name_or_arn) const {
  std::string_view name = name_or_arn;
  if (name.starts_with("arn:")) {
    const size_t slash = name.find(":table/");
    if (slash == std::string_view::npos) return ResourceNotFound();
    name = name.substr(slash + 7);
  }
  auto found = tables_.find(std::string(name));
  if (found == tables_.end()) return TableNotFound(name);
  return found->second;
}

DynamoDbService::Table DynamoDbService::FindStreamTable(std::string_view stream_arn) const {
  const size_t marker = stream_arn.find("/stream/");
  if (marker == std::string_view::npos) return nullptr;
  auto table = FindTable(stream_arn.substr(0, marker));
  if (!table.ok() || (*table)->stream_label.empty() || (*table)->StreamArn() != stream_arn) {
    return nullptr;
  }
  return *table;
}

std::string DynamoDbService::ShardId(const TableSchema& table) const {
  // One shard per stream: every partition key's records are in order in it.
  return "shardId-" + std::string(20 - std::min<size_t>(20, std::to_string(table.id).size()), '0') +
         std::to_string(table.id) + "-" + table.table_id.substr(0, 8);
}

void DynamoDbService::OnStreamAppended(int64_t table_id) {
  std::vector<std::function<void()>> wakes;
  for (const auto& [id, watcher] : watchers_) {
    if (watcher.first == table_id) wakes.push_back(watcher.second);
  }
  for (auto& wake : wakes) wake();
}

bool DynamoDbService::HasStream(const std::string& stream_arn) const {
  return FindStreamTable(stream_arn) != nullptr;
}

void DynamoDbService::ListShards(
    const std::string& stream_arn,
    std::function<void(absl::StatusOr<std::vector<services::StreamShard>>)> done) {
  Table table = FindStreamTable(stream_arn);
  if (table == nullptr) return done(ResourceNotFound());
  done(std::vector<services::StreamShard>{{ShardId(*table), "", table->stream_enabled}});
}

void DynamoDbService::ReadRecords(
    const std::string& stream_arn, const std::string& shard_id, const std::string& after_sequence,
    size_t limit, std::function<void(absl::StatusOr<std::vector<services::StreamRecord>>)> done) {
  Table table = FindStreamTable(stream_arn);
  if (table == nullptr || shard_id != ShardId(*table)) return done(ResourceNotFound());
  int64_t after = 0;
  if (!after_sequence.empty() && !absl::SimpleAtoi(after_sequence, &after)) {
    return done(ValidationError("Invalid SequenceNumber: " + after_sequence));
  }
  store_->ReadStream(
      table->id, after, limit,
      [done = std::move(done)](absl::StatusOr<std::vector<StoredStreamRecord>> stored) {
        if (!stored.ok()) return done(stored.status());
        std::vector<services::StreamRecord> records;
        for (StoredStreamRecord& record : *stored) {
          const size_t size = record.json.size();
          records.push_back({SequenceNumberText(record.sequence), std::move(record.json),
                             record.created_millis, size});
        }
        done(std::move(records));
      });
}

void DynamoDbService::LatestSequence(const std::string& stream_arn, const std::string& shard_id,
                                     std::function<void(absl::StatusOr<std::string>)> done) {
  Table table = FindStreamTable(stream_arn);
  if (table == nullptr || shard_id != ShardId(*table)) return done(ResourceNotFound());
  const int64_t latest = store_->LatestSequence(table->id);
  done(latest == 0 ? std::string("0") : SequenceNumberText(latest));
}

uint64_t DynamoDbService::Watch(const std::string& stream_arn, std::function<void()> wake) {
  Table table = FindStreamTable(stream_arn);
  const uint64_t id = next_watch_id_++;
  watchers_[id] = {table ? table->id : -1, std::move(wake)};
  return id;
}

void DynamoDbService::Unwatch(uint64_t watch_id) { watchers_.erase(watch_id); }

}  // namespace serval::dynamodb
