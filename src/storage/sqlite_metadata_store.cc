#include "storage/sqlite_metadata_store.h"

#include <string>
#include <utility>

namespace serval::storage {
namespace {

// Schema version 1: the generic table. Version 0 (before the metadata store) had a table per kind
// of record; MigrateToV1 moves their rows over, keyed as FunctionRegistry and RuleStore key them.
constexpr char kSchemaV1[] =
    "CREATE TABLE IF NOT EXISTS metadata ("
    "  tbl BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    "  PRIMARY KEY (tbl, key)) WITHOUT ROWID;";

// The version-0 tables (created empty when absent, so one script serves every database), copied
// into `metadata` and dropped. Keys: function name; name "/" version as 10 digits; name "/" alias.
constexpr char kMigrateV0ToV1[] =
    "CREATE TABLE IF NOT EXISTS lambda_functions (name TEXT PRIMARY KEY, config TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS lambda_versions (name TEXT NOT NULL, version INTEGER NOT NULL,"
    "  config TEXT NOT NULL, PRIMARY KEY (name, version));"
    "CREATE TABLE IF NOT EXISTS lambda_aliases (name TEXT NOT NULL, alias TEXT NOT NULL,"
    "  config TEXT NOT NULL, PRIMARY KEY (name, alias));"
    "CREATE TABLE IF NOT EXISTS events_rules (name TEXT PRIMARY KEY, config TEXT NOT NULL);"
    "INSERT OR REPLACE INTO metadata SELECT CAST('lambda.functions' AS BLOB), CAST(name AS BLOB),"
    "  CAST(config AS BLOB) FROM lambda_functions;"
    "INSERT OR REPLACE INTO metadata SELECT CAST('lambda.versions' AS BLOB),"
    "  CAST(name || '/' || printf('%010d', version) AS BLOB), CAST(config AS BLOB)"
    "  FROM lambda_versions;"
    "INSERT OR REPLACE INTO metadata SELECT CAST('lambda.aliases' AS BLOB),"
    "  CAST(name || '/' || alias AS BLOB), CAST(config AS BLOB) FROM lambda_aliases;"
    "INSERT OR REPLACE INTO metadata SELECT CAST('events.rules' AS BLOB), CAST(name AS BLOB),"
    "  CAST(config AS BLOB) FROM events_rules;"
    "DROP TABLE lambda_functions; DROP TABLE lambda_versions; DROP TABLE lambda_aliases;"
    "DROP TABLE events_rules;"
    "PRAGMA user_version = 1;";

absl::Status Migrate(SqliteDb& db) {
  std::string version;
  if (auto status =
          db.Run("PRAGMA user_version", {}, [&](const SqliteDb::Row& row) { version = row[0]; });
      !status.ok()) {
    return status;
  }
  if (version != "0") return absl::OkStatus();
  return db.ExecScript(std::string("BEGIN IMMEDIATE;") + kSchemaV1 + kMigrateV0ToV1 + "COMMIT;");
}

absl::StatusOr<std::optional<std::string>> ReadValue(SqliteDb& db, std::string_view table,
                                                     std::string_view key) {
  std::optional<std::string> value;
  auto status = db.Run("SELECT value FROM metadata WHERE tbl = ?1 AND key = ?2",
                       {std::string(table), std::string(key)},
                       [&](const SqliteDb::Row& row) { value = row[0]; });
  if (!status.ok()) return status;
  return value;
}

}  // namespace

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<SqliteDb> writer,
                                         std::unique_ptr<SqliteDb> reader, PostToIo post_to_io)
    : writer_(std::move(writer)),
      reader_(std::move(reader)),
      commit_({.post_to_io = std::move(post_to_io),
               .begin = [this] { return writer_->ExecScript("BEGIN IMMEDIATE;"); },
               .sync =
                   [this] {
                     absl::Status status = writer_->ExecScript("COMMIT;");
                     if (!status.ok()) status.Update(writer_->ExecScript("ROLLBACK;"));
                     return status;
                   }}) {}

absl::StatusOr<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(
    const std::filesystem::path& path, PostToIo post_to_io) {
  auto writer = SqliteDb::Open(path.string(), SqliteDb::Binding::kBlob);
  if (!writer.ok()) return writer.status();
  if (auto status = Migrate(**writer); !status.ok()) {
    (*writer)->ExecScript("ROLLBACK;").IgnoreError();  // fails if the script did not begin
    return status;
  }
  auto reader = SqliteDb::Open(path.string(), SqliteDb::Binding::kBlob);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<SqliteMetadataStore>(
      new SqliteMetadataStore(std::move(*writer), std::move(*reader), std::move(post_to_io)));
}

absl::StatusOr<std::optional<std::string>> SqliteMetadataStore::Get(std::string_view table,
                                                                    std::string_view key) const {
  absl::MutexLock lock(&read_mu_);
  return ReadValue(*reader_, table, key);
}

absl::StatusOr<std::vector<Record>> SqliteMetadataStore::Scan(std::string_view table,
                                                              const ScanRange& range) const {
  // One lower bound, the larger of the two, so that SQLite seeks to it: with both, it seeks on one
  // and filters by the other, and every later page of a listing rescans from the prefix.
  const bool after_start =  // bytewise, as SQLite compares blobs
      !range.start_after.empty() && range.start_after >= range.prefix;
  std::string sql = after_start ? "SELECT key, value FROM metadata WHERE tbl = ?1 AND key > ?2"
                                : "SELECT key, value FROM metadata WHERE tbl = ?1 AND key >= ?2";
  std::vector<std::string> params{std::string(table),
                                  after_start ? range.start_after : range.prefix};
  // ?3: the prefix's end, when it has one.
  if (auto end = PrefixEnd(range.prefix)) {
    sql += " AND key < ?3";
    params.push_back(std::move(*end));
  }
  sql += " ORDER BY key";
  if (range.limit != 0) sql += " LIMIT " + std::to_string(range.limit);
  std::vector<Record> records;
  absl::MutexLock lock(&read_mu_);
  auto status = reader_->Run(sql, params, [&](const SqliteDb::Row& row) {
    records.push_back({row[0], row[1]});
  });
  if (!status.ok()) return status;
  return records;
}

absl::Status SqliteMetadataStore::Write(const WriteBatch& batch) {
  if (auto status = CheckBatch(batch); !status.ok()) return status;
  return commit_.Run([this, &batch] { return Apply(batch); });
}

void SqliteMetadataStore::WriteAsync(WriteBatch batch, WriteCallback done) {
  if (auto status = CheckBatch(batch); !status.ok()) {
    commit_.Submit([status] { return status; }, std::move(done));
    return;
  }
  commit_.Submit([this, batch = std::move(batch)] { return Apply(batch); }, std::move(done));
}

absl::Status SqliteMetadataStore::Apply(const WriteBatch& batch) {
  if (auto status = writer_->ExecScript("SAVEPOINT batch;"); !status.ok()) return status;
  absl::Status status;
  for (const WriteBatch::Op& op : batch.ops()) {
    switch (op.kind) {
      case WriteBatch::Op::Kind::kPut:
        status = writer_->Run("INSERT OR REPLACE INTO metadata(tbl, key, value) VALUES(?1, ?2, ?3)",
                              {op.table, op.key, *op.value});
        break;
      case WriteBatch::Op::Kind::kDelete:
        status =
            writer_->Run("DELETE FROM metadata WHERE tbl = ?1 AND key = ?2", {op.table, op.key});
        break;
      case WriteBatch::Op::Kind::kDeletePrefix:
        if (auto end = PrefixEnd(op.key)) {
          status = writer_->Run("DELETE FROM metadata WHERE tbl = ?1 AND key >= ?2 AND key < ?3",
                                {op.table, op.key, *end});
        } else {
          status =
              writer_->Run("DELETE FROM metadata WHERE tbl = ?1 AND key >= ?2", {op.table, op.key});
        }
        break;
      case WriteBatch::Op::Kind::kExpect: {
        auto current = ReadValue(*writer_, op.table, op.key);
        status = current.ok() ? CheckExpect(op, *current) : current.status();
        break;
      }
    }
    if (!status.ok()) break;
  }
  if (!status.ok()) status.Update(writer_->ExecScript("ROLLBACK TO batch;"));
  status.Update(writer_->ExecScript("RELEASE batch;"));
  return status;
}

}  // namespace serval::storage
