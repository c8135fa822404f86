#include "services/dynamodb/item_store.h"

#include <boost/json.hpp>
#include <utility>

#include "common/checksums.h"
#include "common/ids.h"
#include "common/json_fields.h"
#include "services/dynamodb/stream_record.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

// Integers are stored as 8 big-endian bytes with the sign bit flipped: blobs compare by memcmp,
// so their order is the numbers' order (docs/formats.md, "dynamodb/tables.db").
std::string Ordered(int64_t value) {
  auto bits = static_cast<uint64_t>(value) ^ (uint64_t{1} << 63);
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i, bits >>= 8) bytes[static_cast<size_t>(i)] = static_cast<char>(bits);
  return bytes;
}
int64_t FromOrdered(std::string_view bytes) {
  uint64_t bits = 0;
  for (unsigned char byte : bytes.substr(0, 8)) bits = bits << 8 | byte;
  return static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
}

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS tables (tid BLOB PRIMARY KEY, schema BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS items (tid BLOB NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
    "  item BLOB NOT NULL, PRIMARY KEY (tid, pk, sk)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS index_rows (xid BLOB NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
    "  tpk BLOB NOT NULL, tsk BLOB NOT NULL, item BLOB NOT NULL,"
    "  PRIMARY KEY (xid, pk, sk, tpk, tsk)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stream_records (tid BLOB NOT NULL, seq BLOB NOT NULL,"
    "  created BLOB NOT NULL, record BLOB NOT NULL, PRIMARY KEY (tid, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS ttl_entries (tid BLOB NOT NULL, expires BLOB NOT NULL,"
    "  pk BLOB NOT NULL, sk BLOB NOT NULL, PRIMARY KEY (tid, expires, pk, sk)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS counts (tid BLOB PRIMARY KEY, items BLOB NOT NULL,"
    "  bytes BLOB NOT NULL) WITHOUT ROWID;";

// An index row's id: the table's id and the index's number within it.
std::string IndexId(const TableSchema& table, const IndexSchema& index) {
  return Ordered(table.id) + Ordered(index.id);
}

// The TTL attribute's epoch seconds, when the item has one as a number.
std::optional<int64_t> ExpiryOf(const TableSchema& table, const json::object* item) {
  if (item == nullptr || !table.ttl_enabled) return std::nullopt;
  const json::value* value = item->if_contains(table.ttl_attribute);
  if (value == nullptr || TypeOf(*value) != AttributeType::kN) return std::nullopt;
  const std::string_view text = Payload(*value).get_string();
  const std::string integral(text.substr(0, text.find('.')));
  if (integral.size() > 15) return std::nullopt;  // far beyond any expiry that will come due
  return std::stoll(integral.empty() || integral == "-" ? std::string("0") : integral);
}

absl::StatusOr<std::shared_ptr<json::object>> ParseItem(std::string_view text) {
  auto item = ParseStoredObject(text);
  if (!item.ok()) return item.status();
  return std::make_shared<json::object>(*std::move(item));
}

// Whether a write leaves the item as it was (DynamoDB then writes no stream record).
bool SameItem(const json::object* a, const json::object* b) {
  if (a == nullptr || b == nullptr) return a == b;
  if (a->size() != b->size()) return false;
  for (const auto& attribute : *a) {
    const json::value* other = b->if_contains(attribute.key());
    if (other == nullptr || !ValuesEqual(attribute.value(), *other)) return false;
  }
  return true;
}

}  // namespace

ItemKey KeyOf(const KeySchema& key, const json::object& item) {
  ItemKey encoded{EncodeKeyValue(item.at(key.hash_name)), ""};
  if (key.has_range()) encoded.range = EncodeKeyValue(item.at(key.range_name));
  return encoded;
}

// A reader thread and its own connection.
class ItemStore::Reader {
 public:
  explicit Reader(std::unique_ptr<storage::SqliteDb> db) : db_(std::move(db)) {}
  // Runs `op(db)` on the reader's thread, then `done(result)` on the io thread.
  template <typename Op, typename Done>
  void Run(const storage::PostToIo& post_to_io, Op op, Done done) {
    storage::Offload(
        worker_, post_to_io, [this, op = std::move(op)] { return op(*db_); }, std::move(done));
  }

 private:
  std::unique_ptr<storage::SqliteDb> db_;  // used only on worker_'s thread
  Worker worker_{"ddb-items"};             // last: joined before db_ closes
};

absl::StatusOr<std::unique_ptr<ItemStore>> ItemStore::Open(Options options) {
  std::error_code ignored;
  std::filesystem::create_directories(options.path.parent_path(), ignored);
  auto writer = storage::SqliteDb::Open(options.path.string(), storage::SqliteDb::Binding::kBlob);
  if (!writer.ok()) return writer.status();
  if (auto status = (*writer)->ExecScript(kSchema); !status.ok()) return status;
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < 2; ++i) {
    auto reader = storage::SqliteDb::Open(options.path.string(), storage::SqliteDb::Binding::kBlob);
    if (!reader.ok()) return reader.status();
    readers.push_back(std::make_unique<Reader>(*std::move(reader)));
  }
  std::unique_ptr<ItemStore> store(
      new ItemStore(std::move(options), std::move(*writer), std::move(readers)));
  // Counts and stream positions, read once: afterwards only the writer changes them.
  auto status = store->writer_->Run(
      "SELECT tid, items, bytes FROM counts", {}, [&](const storage::SqliteDb::Row& row) {
        absl::MutexLock lock(&store->counts_mu_);
        store->counts_[FromOrdered(row[0])] = {FromOrdered(row[1]), FromOrdered(row[2])};
      });
  if (!status.ok()) return status;
  status = store->writer_->Run("SELECT tid, max(seq) FROM stream_records GROUP BY tid", {},
                               [&](const storage::SqliteDb::Row& row) {
                                 const int64_t sequence = FromOrdered(row[1]);
                                 absl::MutexLock lock(&store->counts_mu_);
                                 store->latest_sequence_[FromOrdered(row[0])] = sequence;
                                 store->next_sequence_ =
                                     std::max(store->next_sequence_, sequence + 1);
                               });
  if (!status.ok()) return status;
  return store;
}

ItemStore::ItemStore(Options options, std::unique_ptr<storage::SqliteDb> writer,
                     std::vector<std::unique_ptr<Reader>> readers)
    : options_(std::move(options)),
      writer_(std::move(writer)),
      readers_(std::move(readers)),
      commit_({.post_to_io = options_.post_to_io,
               .begin = [this] { return writer_->ExecScript("BEGIN IMMEDIATE;"); },
               .sync =
                   [this] {
                     absl::Status status = writer_->ExecScript("COMMIT;");
                     if (!status.ok()) status.Update(writer_->ExecScript("ROLLBACK;"));
                     return status;
                   }}) {}

ItemStore::~ItemStore() = default;

ItemStore::Reader& ItemStore::NextReader() {
  return *readers_[next_reader_.fetch_add(1, std::memory_order_relaxed) % readers_.size()];
}

absl::StatusOr<std::vector<TableSchema>> ItemStore::LoadTables() {
  std::vector<TableSchema> tables;
  absl::Status parse_status;
  auto status =
      writer_->Run("SELECT schema FROM tables", {}, [&](const storage::SqliteDb::Row& row) {
        auto table = ParseTableSchema(row[0]);
        if (table.ok()) {
          tables.push_back(*std::move(table));
        } else {
          parse_status.Update(table.status());
        }
      });
  if (!status.ok()) return status;
  if (!parse_status.ok()) return parse_status;
  return tables;
}

TableCounts ItemStore::Counts(int64_t table_id) const {
  absl::MutexLock lock(&counts_mu_);
  auto found = counts_.find(table_id);
  if (found == counts_.end()) return {};
  return {found->second.items, found->second.bytes};
}

int64_t ItemStore::LatestSequence(int64_t table_id) const {
  absl::MutexLock lock(&counts_mu_);
  auto found = latest_sequence_.find(table_id);
  return found == latest_sequence_.end() ? 0 : found->second;
}

void ItemStore::PutTable(std::shared_ptr<const TableSchema> table,
                         std::shared_ptr<const TableSchema> previous,
                         std::function<void(absl::Status)> done) {
  commit_.Submit(
      [this, table, previous]() -> absl::Status {
        if (auto status = writer_->ExecScript("SAVEPOINT put_table;"); !status.ok()) return status;
        absl::Status status =
            writer_->Run("INSERT OR REPLACE INTO tables(tid, schema) VALUES(?1, ?2)",
                         {Ordered(table->id), SerializeTableSchema(*table)});
        if (status.ok() && previous == nullptr) {
          status =
              writer_->Run("INSERT OR IGNORE INTO counts(tid, items, bytes) VALUES(?1, ?2, ?2)",
                           {Ordered(table->id), Ordered(0)});
        }
        if (status.ok() && previous != nullptr) {
          for (const IndexSchema& index : previous->indexes) {
            const IndexSchema* kept = table->FindIndex(index.name);
            if (kept == nullptr || kept->id != index.id) {
              status.Update(writer_->Run("DELETE FROM index_rows WHERE xid = ?1",
                                         {IndexId(*previous, index)}));
            }
          }
          for (const IndexSchema& index : table->indexes) {
            const IndexSchema* had = previous->FindIndex(index.name);
            if (status.ok() && (had == nullptr || had->id != index.id)) {
              status = FillIndex(*table, index);
            }
          }
          if (status.ok() && (previous->ttl_enabled != table->ttl_enabled ||
                              previous->ttl_attribute != table->ttl_attribute)) {
            status = writer_->Run("DELETE FROM ttl_entries WHERE tid = ?1", {Ordered(table->id)});
            if (status.ok() && table->ttl_enabled) status = FillTtl(*table);
          }
        }
        if (!status.ok()) status.Update(writer_->ExecScript("ROLLBACK TO put_table;"));
        status.Update(writer_->ExecScript("RELEASE put_table;"));
        if (status.ok() && previous == nullptr) {
          absl::MutexLock lock(&counts_mu_);
          counts_.try_emplace(table->id);
        }
        return status;
      },
      std::move(done));
}

void ItemStore::DeleteTable(std::shared_ptr<const TableSchema> table,
                            std::function<void(absl::Status)> done) {
  commit_.Submit(
      [this, table]() -> absl::Status {
        if (auto status = writer_->ExecScript("SAVEPOINT delete_table;"); !status.ok()) {
          return status;
        }
        const std::string id = Ordered(table->id);
        absl::Status status;
        for (const char* sql :
             {"DELETE FROM tables WHERE tid = ?1", "DELETE FROM items WHERE tid = ?1",
              "DELETE FROM stream_records WHERE tid = ?1", "DELETE FROM ttl_entries WHERE tid = ?1",
              "DELETE FROM counts WHERE tid = ?1"}) {
          if (status.ok()) status = writer_->Run(sql, {id});
        }
        for (const IndexSchema& index : table->indexes) {
          if (status.ok()) {
            status =
                writer_->Run("DELETE FROM index_rows WHERE xid = ?1", {IndexId(*table, index)});
          }
        }
        if (!status.ok()) status.Update(writer_->ExecScript("ROLLBACK TO delete_table;"));
        status.Update(writer_->ExecScript("RELEASE delete_table;"));
        if (status.ok()) {
          absl::MutexLock lock(&counts_mu_);
          counts_.erase(table->id);
          latest_sequence_.erase(table->id);
        }
        return status;
      },
      std::move(done));
}

absl::StatusOr<std::shared_ptr<json::object>> ItemStore::ReadCurrent(const TableSchema& table,
                                                                     const ItemKey& key) {
  std::optional<std::string> text;
  auto status = writer_->Run("SELECT item FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3",
                             {Ordered(table.id), key.hash, key.range},
                             [&](const storage::SqliteDb::Row& row) { text = row[0]; });
  if (!status.ok()) return status;
  if (!text) return std::shared_ptr<json::object>();
  return ParseItem(*text);
}

void ItemStore::Write(std::vector<ItemChange> changes, bool all_or_nothing,
                      std::function<void(absl::StatusOr<std::vector<ChangeResult>>)> done) {
  auto results = std::make_shared<std::vector<ChangeResult>>(changes.size());
  auto streams = std::make_shared<std::vector<int64_t>>();
  auto shared_changes = std::make_shared<std::vector<ItemChange>>(std::move(changes));
  commit_.Submit(
      [this, all_or_nothing, results, streams, shared_changes]() -> absl::Status {
        if (auto status = writer_->ExecScript("SAVEPOINT write;"); !status.ok()) return status;
        absl::Status storage_status;
        bool cancelled = false;
        WriteEffects effects;
        for (size_t i = 0; i < shared_changes->size() && storage_status.ok(); ++i) {
          const ItemChange& change = (*shared_changes)[i];
          ChangeResult& result = (*results)[i];
          auto current = ReadCurrent(*change.table, change.key);
          if (!current.ok()) {
            storage_status = current.status();
            break;
          }
          result.old_item = *current;
          result.new_item = *current;
          auto outcome = change.decide(current->get());
          if (!outcome.ok()) {
            result.status = outcome.status();
            cancelled = cancelled || all_or_nothing;
            continue;
          }
          if (cancelled || outcome->kind == ChangeOutcome::Kind::kKeep) continue;
          const json::object* new_item =
              outcome->kind == ChangeOutcome::Kind::kPut ? outcome->item.get() : nullptr;
          storage_status = WriteItem(*change.table, change.key, current->get(), new_item,
                                     change.by_service, effects);
          result.new_item = outcome->kind == ChangeOutcome::Kind::kPut ? outcome->item : nullptr;
        }
        if (!storage_status.ok() || cancelled) {
          storage_status.Update(writer_->ExecScript("ROLLBACK TO write;"));
          for (ChangeResult& result : *results) result.new_item = result.old_item;
          effects = {};
        }
        storage_status.Update(writer_->ExecScript("RELEASE write;"));
        if (storage_status.ok()) Apply(effects);
        for (const auto& [table_id, sequence] : effects.latest_sequence)
          streams->push_back(table_id);
        return storage_status;
      },
      [this, results, streams, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        if (on_stream_appended_) {
          for (int64_t table_id : *streams) on_stream_appended_(table_id);
        }
        done(std::move(*results));
      });
}

void ItemStore::Apply(const WriteEffects& effects) {
  absl::MutexLock lock(&counts_mu_);
  for (const auto& [table_id, delta] : effects.count_deltas) {
    Counts_& counts = counts_[table_id];
    counts.items += delta.items;
    counts.bytes += delta.bytes;
  }
  for (const auto& [table_id, sequence] : effects.latest_sequence) {
    latest_sequence_[table_id] = sequence;
  }
}

absl::Status ItemStore::WriteItem(const TableSchema& table, const ItemKey& key,
                                  const json::object* old_item, const json::object* new_item,
                                  bool by_service, WriteEffects& effects) {
  const std::string table_id = Ordered(table.id);
  absl::Status status =
      new_item
          ? writer_->Run("INSERT OR REPLACE INTO items(tid, pk, sk, item) VALUES(?1, ?2, ?3, ?4)",
                         {table_id, key.hash, key.range, json::serialize(*new_item)})
          : writer_->Run("DELETE FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3",
                         {table_id, key.hash, key.range});
  if (status.ok()) status = WriteIndexRows(table, key, old_item, new_item);
  // TTL entries follow the item's expiry attribute.
  const std::optional<int64_t> old_expiry = ExpiryOf(table, old_item);
  const std::optional<int64_t> new_expiry = ExpiryOf(table, new_item);
  if (status.ok() && old_expiry && old_expiry != new_expiry) {
    status = writer_->Run(
        "DELETE FROM ttl_entries WHERE tid = ?1 AND expires = ?2 AND pk = ?3 AND sk = ?4",
        {table_id, Ordered(*old_expiry), key.hash, key.range});
  }
  if (status.ok() && new_expiry && old_expiry != new_expiry) {
    status = writer_->Run(
        "INSERT OR REPLACE INTO ttl_entries(tid, expires, pk, sk) VALUES(?1, ?2, ?3, ?4)",
        {table_id, Ordered(*new_expiry), key.hash, key.range});
  }
  // Counts: the stored row holds the totals as of this write.
  Counts_& delta = effects.count_deltas[table.id];
  delta.items += (new_item ? 1 : 0) - (old_item ? 1 : 0);
  delta.bytes += static_cast<int64_t>(new_item ? ItemSize(*new_item) : 0) -
                 static_cast<int64_t>(old_item ? ItemSize(*old_item) : 0);
  if (status.ok()) {
    const TableCounts now = Counts(table.id);
    status = writer_->Run(
        "INSERT OR REPLACE INTO counts(tid, items, bytes) VALUES(?1, ?2, ?3)",
        {table_id, Ordered(now.items + delta.items), Ordered(now.bytes + delta.bytes)});
  }
  // The stream, when the item really changed.
  if (status.ok() && table.stream_enabled && !SameItem(old_item, new_item)) {
    const int64_t sequence = next_sequence_++;
    const int64_t created = options_.now_millis();
    status =
        writer_->Run("INSERT INTO stream_records(tid, seq, created, record) VALUES(?1, ?2, ?3, ?4)",
                     {table_id, Ordered(sequence), Ordered(created),
                      StreamRecordJson(table, old_item, new_item, sequence, created, by_service)});
    effects.latest_sequence[table.id] = sequence;
  }
  return status;
}

absl::Status ItemStore::WriteIndexRows(const TableSchema& table, const ItemKey& key,
                                       const json::object* old_item, const json::object* new_item) {
  for (const IndexSchema& index : table.indexes) {
    const std::string index_id = IndexId(table, index);
    if (old_item && HasKeyOf(index.key, *old_item)) {
      const ItemKey old_key = KeyOf(index.key, *old_item);
      if (auto status = writer_->Run(
              "DELETE FROM index_rows WHERE xid = ?1 AND pk = ?2 AND sk = ?3 AND tpk = ?4 AND "
              "tsk = ?5",
              {index_id, old_key.hash, old_key.range, key.hash, key.range});
          !status.ok()) {
        return status;
      }
    }
    if (new_item && HasKeyOf(index.key, *new_item)) {
      const ItemKey new_key = KeyOf(index.key, *new_item);
      if (auto status =
              writer_->Run("INSERT OR REPLACE INTO index_rows(xid, pk, sk, tpk, tsk, item) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           {index_id, new_key.hash, new_key.range, key.hash, key.range,
                            json::serialize(ProjectedItem(table, index, *new_item))});
          !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ItemStore::FillIndex(const TableSchema& table, const IndexSchema& index) {
  std::vector<std::pair<ItemKey, std::shared_ptr<json::object>>> items;
  absl::Status parse_status;
  auto status = writer_->Run("SELECT pk, sk, item FROM items WHERE tid = ?1", {Ordered(table.id)},
                             [&](const storage::SqliteDb::Row& row) {
                               auto item = ParseItem(row[2]);
                               if (!item.ok()) return parse_status.Update(item.status());
                               if (HasKeyOf(index.key, **item)) {
                                 items.emplace_back(ItemKey{row[0], row[1]}, *std::move(item));
                               }
                             });
  if (!status.ok()) return status;
  if (!parse_status.ok()) return parse_status;
  for (const auto& [key, item] : items) {
    const ItemKey index_key = KeyOf(index.key, *item);
    status = writer_->Run(
        "INSERT OR REPLACE INTO index_rows(xid, pk, sk, tpk, tsk, item) VALUES(?1, ?2, ?3, ?4, ?5, "
        "?6)",
        {IndexId(table, index), index_key.hash, index_key.range, key.hash, key.range,
         json::serialize(ProjectedItem(table, index, *item))});
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ItemStore::FillTtl(const TableSchema& table) {
  std::vector<std::pair<ItemKey, int64_t>> entries;
  auto status = writer_->Run("SELECT pk, sk, item FROM items WHERE tid = ?1", {Ordered(table.id)},
                             [&](const storage::SqliteDb::Row& row) {
                               auto item = ParseItem(row[2]);
                               if (!item.ok()) return;
                               if (auto expiry = ExpiryOf(table, item->get())) {
                                 entries.emplace_back(ItemKey{row[0], row[1]}, *expiry);
                               }
                             });
  if (!status.ok()) return status;
  for (const auto& [key, expiry] : entries) {
    status = writer_->Run(
        "INSERT OR REPLACE INTO ttl_entries(tid, expires, pk, sk) VALUES(?1, ?2, ?3, ?4)",
        {Ordered(table.id), Ordered(expiry), key.hash, key.range});
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void ItemStore::Get(
    std::vector<std::pair<std::shared_ptr<const TableSchema>, ItemKey>> keys,
    std::function<void(absl::StatusOr<std::vector<std::shared_ptr<json::object>>>)> done) {
  NextReader().Run(
      options_.post_to_io,
      [keys = std::move(keys)](
          storage::SqliteDb& db) -> absl::StatusOr<std::vector<std::shared_ptr<json::object>>> {
        const bool snapshot = keys.size() > 1;
        if (snapshot) {
          if (auto status = db.ExecScript("BEGIN;"); !status.ok()) return status;
        }
        std::vector<std::shared_ptr<json::object>> items;
        absl::Status status;
        for (const auto& [table, key] : keys) {
          std::optional<std::string> text;
          status = db.Run("SELECT item FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3",
                          {Ordered(table->id), key.hash, key.range},
                          [&](const storage::SqliteDb::Row& row) { text = row[0]; });
          if (!status.ok()) break;
          if (!text) {
            items.emplace_back();
            continue;
          }
          auto item = ParseItem(*text);
          if (!item.ok()) {
            status = item.status();
            break;
          }
          items.push_back(*std::move(item));
        }
        if (snapshot) status.Update(db.ExecScript("COMMIT;"));
        if (!status.ok()) return status;
        return items;
      },
      std::move(done));
}

void ItemStore::ReadRange(RangeRead read, std::function<void(absl::StatusOr<RangePage>)> done) {
  NextReader().Run(
      options_.post_to_io,
      [read = std::move(read)](storage::SqliteDb& db) -> absl::StatusOr<RangePage> {
        const TableSchema& table = *read.table;
        const bool index = read.index != nullptr;
        std::vector<std::string> params{index ? IndexId(table, *read.index) : Ordered(table.id)};
        auto param = [&params](std::string value) {
          params.push_back(std::move(value));
          return "?" + std::to_string(params.size());
        };
        std::string sql = index ? "SELECT pk, item FROM index_rows WHERE xid = ?1"
                                : "SELECT pk, item FROM items WHERE tid = ?1";
        // The columns that order the rows: a Query's fix the partition, a Scan's do not.
        std::vector<std::string> columns = index
                                               ? std::vector<std::string>{"pk", "sk", "tpk", "tsk"}
                                               : std::vector<std::string>{"pk", "sk"};
        if (read.hash) {
          sql += " AND pk = " + param(*read.hash);
          if (read.lower)
            sql += (read.lower_inclusive ? " AND sk >= " : " AND sk > ") + param(*read.lower);
          if (read.upper)
            sql += (read.upper_inclusive ? " AND sk <= " : " AND sk < ") + param(*read.upper);
          columns.erase(columns.begin());
        }
        if (read.start_after) {
          const ItemKey table_key = KeyOf(table.key, *read.start_after);
          std::vector<std::string> position{table_key.hash, table_key.range};
          if (index) {
            const ItemKey index_key = KeyOf(read.index->key, *read.start_after);
            position.insert(position.begin(), {index_key.hash, index_key.range});
          }
          if (read.hash) position.erase(position.begin());
          std::string left, right;
          for (size_t i = 0; i < columns.size(); ++i) {
            left += (i ? ", " : "") + columns[i];
            right += (i ? ", " : "") + param(position[i]);
          }
          sql += " AND (" + left + (read.forward ? ") > (" : ") < (") + right + ")";
        }
        sql += " ORDER BY ";
        for (size_t i = 0; i < columns.size(); ++i) {
          sql += (i ? ", " : "") + columns[i] + (read.forward ? " ASC" : " DESC");
        }
        RangePage page;
        size_t bytes = 0;
        bool stopped = false;
        std::string last_text;
        absl::Status parse_status;
        auto status = db.RunWhile(sql, params, [&](const storage::SqliteDb::Row& row) {
          if (read.total_segments > 1 &&
              Crc32(0, row[0]) % static_cast<uint32_t>(read.total_segments) !=
                  static_cast<uint32_t>(read.segment)) {
            return true;
          }
          ++page.scanned;
          bytes += row[1].size();
          auto item = ParseItem(row[1]);
          if (!item.ok()) {
            parse_status = item.status();
            return false;
          }
          last_text = row[1];
          if (auto selected = read.select(std::move(**item)))
            page.items.push_back(*std::move(selected));
          stopped = page.scanned >= read.limit || bytes >= read.max_bytes;
          return !stopped;
        });
        if (!status.ok()) return status;
        if (!parse_status.ok()) return parse_status;
        page.bytes_read = bytes;
        if (stopped) {
          auto last = ParseItem(last_text);
          if (!last.ok()) return last.status();
          page.last_read = std::move(**last);
        }
        return page;
      },
      std::move(done));
}

void ItemStore::ReadStream(
    int64_t table_id, int64_t after_sequence, size_t limit,
    std::function<void(absl::StatusOr<std::vector<StoredStreamRecord>>)> done) {
  NextReader().Run(
      options_.post_to_io,
      [table_id, after_sequence,
       limit](storage::SqliteDb& db) -> absl::StatusOr<std::vector<StoredStreamRecord>> {
        std::vector<StoredStreamRecord> records;
        auto status = db.RunWhile(
            "SELECT seq, created, record FROM stream_records WHERE tid = ?1 AND seq > ?2 ORDER BY "
            "seq",
            {Ordered(table_id), Ordered(after_sequence)}, [&](const storage::SqliteDb::Row& row) {
              records.push_back({FromOrdered(row[0]), FromOrdered(row[1]), row[2]});
              return records.size() < limit;
            });
        if (!status.ok()) return status;
        return records;
      },
      std::move(done));
}

void ItemStore::TrimStreams(int64_t before_millis) {
  commit_.Submit(
      [this, before_millis] {
        return writer_->Run("DELETE FROM stream_records WHERE created < ?1",
                            {Ordered(before_millis)});
      },
      {});
}

void ItemStore::ExpiredKeys(std::shared_ptr<const TableSchema> table, int64_t now_seconds,
                            size_t limit,
                            std::function<void(absl::StatusOr<std::vector<ItemKey>>)> done) {
  NextReader().Run(
      options_.post_to_io,
      [table, now_seconds, limit](storage::SqliteDb& db) -> absl::StatusOr<std::vector<ItemKey>> {
        std::vector<ItemKey> keys;
        auto status = db.RunWhile(
            "SELECT pk, sk FROM ttl_entries WHERE tid = ?1 AND expires <= ?2 ORDER BY expires",
            {Ordered(table->id), Ordered(now_seconds)}, [&](const storage::SqliteDb::Row& row) {
              keys.push_back({row[0], row[1]});
              return keys.size() < limit;
            });
        if (!status.ok()) return status;
        return keys;
      },
      std::move(done));
}

}  // namespace serval::dynamodb
