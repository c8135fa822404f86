#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/worker.h"
#include "services/dynamodb/table_schema.h"
#include "storage/group_commit.h"
#include "storage/offload.h"
#include "storage/sqlite_db.h"

namespace serval::dynamodb {

// Where an item lives in its table: the encoded partition and sort key values
// (EncodeKeyValue; `range` empty when the table has no sort key).
struct ItemKey {
  std::string hash;
  std::string range;
};
// The key of `item` under `key` (which the item is known to carry).
ItemKey KeyOf(const KeySchema& key, const boost::json::object& item);

// What an ItemChange decided to do with the item.
struct ChangeOutcome {
  enum class Kind { kPut, kDelete, kKeep };
  Kind kind = Kind::kKeep;
  std::shared_ptr<const boost::json::object> item;  // kPut: the new item
};

// One item change of a write. `decide` runs on the store's writer thread with the item as it is
// now (null when absent) and returns what to do, or an error (a failed condition) that leaves
// the item as it is. It must be a pure function of its input and what it captured.
struct ItemChange {
  std::shared_ptr<const TableSchema> table;
  ItemKey key;
  std::function<absl::StatusOr<ChangeOutcome>(const boost::json::object* current)> decide;
  // A change made by DynamoDB itself (TTL expiry): its stream record names the service.
  bool by_service = false;
};

struct ChangeResult {
  absl::Status status;                                  // decide's error, or OK
  std::shared_ptr<const boost::json::object> old_item;  // null when there was none
  std::shared_ptr<const boost::json::object> new_item;  // null when there is none now
};

// A range of a table's or an index's rows, read in key order.
struct RangeRead {
  std::shared_ptr<const TableSchema> table;
  const IndexSchema* index = nullptr;  // into `table`; null for the table itself
  std::optional<std::string> hash;     // Query's partition (encoded); none for a Scan
  // Sort key bounds (encoded), for a Query.
  std::optional<std::string> lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
  bool forward = true;
  // Resume strictly after this item (ExclusiveStartKey as an item holding the key attributes).
  std::shared_ptr<const boost::json::object> start_after;
  size_t limit = SIZE_MAX;         // rows to read at most (DynamoDB's Limit)
  size_t max_bytes = 1024 * 1024;  // a page also stops after this much data read
  int segment = 0;                 // parallel Scan: rows whose partition hashes to this segment
  int total_segments = 1;
  // Runs on the reader thread on each row read: the item to return (filtered, projected), or
  // nullopt to leave it out.
  std::function<std::optional<boost::json::object>(boost::json::object item)> select;
};

struct RangePage {
  std::vector<boost::json::object> items;  // what `select` returned
  size_t scanned = 0;                      // rows read
  size_t bytes_read = 0;                   // their stored size
  // The last row read when the read stopped before the end of the range (LastEvaluatedKey).
  std::optional<boost::json::object> last_read;
};

// One record of a table's stream, as stored.
struct StoredStreamRecord {
  int64_t sequence = 0;
  int64_t created_millis = 0;
  std::string json;
};

// Thread-safe. DynamoDB's items in one SQLite database (<data_dir>/dynamodb/tables.db; schema in
// docs/formats.md): tables, items, secondary index rows, stream records, TTL expiry entries and
// per-table counts. Every write goes through a GroupCommit on one writer thread, so writes are
// serialized (a conditional write or a transaction reads and writes with nothing between) and
// the writes that arrive while one batch commits share the next fsync; a write is answered only
// once its batch is on disk. Reads run on reader threads with their own connections and see
// committed batches only. Completions are posted to the io thread.
class ItemStore {
 public:
  struct Options {
    std::filesystem::path path;
    storage::PostToIo post_to_io;
    std::function<int64_t()> now_millis;  // stream record times
  };
  static absl::StatusOr<std::unique_ptr<ItemStore>> Open(Options options);
  ~ItemStore();

  // Called on the io thread after a write that appended stream records of `table_id` committed.
  // Set once, before the first write.
  void SetStreamListener(std::function<void(int64_t table_id)> listener) {
    on_stream_appended_ = std::move(listener);
  }

  // Tables, as stored (startup).
  absl::StatusOr<std::vector<TableSchema>> LoadTables();
  TableCounts Counts(int64_t table_id) const ABSL_LOCKS_EXCLUDED(counts_mu_);

  // Stores a new or changed table; when `previous` is given, index rows of indexes it did not
  // have are filled from the items, rows of indexes it dropped are removed, and TTL entries follow
  // a TTL change.
  void PutTable(std::shared_ptr<const TableSchema> table,
                std::shared_ptr<const TableSchema> previous,
                std::function<void(absl::Status)> done);
  // Removes the table with every row it has.
  void DeleteTable(std::shared_ptr<const TableSchema> table,
                   std::function<void(absl::Status)> done);

  // Runs `changes` in one savepoint in order. With `all_or_nothing`, one failed decision undoes
  // them all (a transaction); otherwise each stands alone. `done` gets one result per change, or
  // the storage error that failed the write.
  void Write(std::vector<ItemChange> changes, bool all_or_nothing,
             std::function<void(absl::StatusOr<std::vector<ChangeResult>>)> done);

  // Items by key, all read in one read transaction (a consistent snapshot); null where absent.
  void Get(
      std::vector<std::pair<std::shared_ptr<const TableSchema>, ItemKey>> keys,
      std::function<void(absl::StatusOr<std::vector<std::shared_ptr<boost::json::object>>>)> done);
  void ReadRange(RangeRead read, std::function<void(absl::StatusOr<RangePage>)> done);

  // Stream records of a table after `after_sequence`, oldest first.
  void ReadStream(int64_t table_id, int64_t after_sequence, size_t limit,
                  std::function<void(absl::StatusOr<std::vector<StoredStreamRecord>>)> done);
  // The newest sequence number of a table's stream (0 when none).
  int64_t LatestSequence(int64_t table_id) const ABSL_LOCKS_EXCLUDED(counts_mu_);
  // Drops stream records created before `before_millis` (retention).
  void TrimStreams(int64_t before_millis);

  // Up to `limit` keys of items of `table` whose TTL entry is at or before `now_seconds`.
  void ExpiredKeys(std::shared_ptr<const TableSchema> table, int64_t now_seconds, size_t limit,
                   std::function<void(absl::StatusOr<std::vector<ItemKey>>)> done);

 private:
  class Reader;
  struct Counts_ {
    int64_t items = 0;
    int64_t bytes = 0;
  };

  ItemStore(Options options, std::unique_ptr<storage::SqliteDb> writer,
            std::vector<std::unique_ptr<Reader>> readers);
  Reader& NextReader();

  // What a write changed beyond its rows, applied to the counters once it is known to stand.
  struct WriteEffects {
    absl::flat_hash_map<int64_t, Counts_> count_deltas;
    absl::flat_hash_map<int64_t, int64_t> latest_sequence;  // tables whose stream grew
  };
  void Apply(const WriteEffects& effects) ABSL_LOCKS_EXCLUDED(counts_mu_);

  // On the writer thread, inside the batch's transaction.
  absl::Status WriteItem(const TableSchema& table, const ItemKey& key,
                         const boost::json::object* old_item, const boost::json::object* new_item,
                         bool by_service, WriteEffects& effects) ABSL_LOCKS_EXCLUDED(counts_mu_);
  absl::Status WriteIndexRows(const TableSchema& table, const ItemKey& key,
                              const boost::json::object* old_item,
                              const boost::json::object* new_item);
  absl::Status FillIndex(const TableSchema& table, const IndexSchema& index);
  absl::Status FillTtl(const TableSchema& table);
  absl::StatusOr<std::shared_ptr<boost::json::object>> ReadCurrent(const TableSchema& table,
                                                                   const ItemKey& key);

  const Options options_;
  std::function<void(int64_t)> on_stream_appended_;  // io thread only
  const std::unique_ptr<storage::SqliteDb> writer_;  // used only on commit_'s worker after Open
  std::vector<std::unique_ptr<Reader>> readers_;
  std::atomic<size_t> next_reader_{0};
  int64_t next_sequence_ = 1;  // writer thread only
  mutable absl::Mutex counts_mu_;
  absl::flat_hash_map<int64_t, Counts_> counts_ ABSL_GUARDED_BY(counts_mu_);
  absl::flat_hash_map<int64_t, int64_t> latest_sequence_ ABSL_GUARDED_BY(counts_mu_);
  storage::GroupCommit commit_;  // last: drained and joined before the connections close
};

}  // namespace serval::dynamodb
