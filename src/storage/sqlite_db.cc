#include "storage/sqlite_db.h"

#include <sqlite3.h>
#include <sys/stat.h>

namespace serval::storage {
namespace {

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::InternalError(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, Binding binding) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, binding));
  if (rc != SQLITE_OK) return SqliteError(raw, "cannot open " + path);
  sqlite3_busy_timeout(raw, 5000);
  if (auto status = db->ExecScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
      !status.ok()) {
    return status;
  }
  // Owner-only: the metadata holds secrets (IAM users' access keys). SQLite creates the file
  // 0644 and gives its -wal and -shm files the database's mode when it makes them; those that
  // already exist are narrowed too. A path that does not exist (":memory:") is no error.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    ::chmod((path + suffix).c_str(), S_IRUSR | S_IWUSR);
  }
  return db;
}

SqliteDb::~SqliteDb() {
  for (const auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);
}

absl::Status SqliteDb::Run(std::string_view sql, const std::vector<std::string>& params,
                           const std::function<void(const Row&)>& on_row) {
  return RunWhile(sql, params, [&on_row](const Row& row) {
    if (on_row) on_row(row);
    return true;
  });
}

absl::Status SqliteDb::RunWhile(std::string_view sql, const std::vector<std::string>& params,
                                const std::function<bool(const Row&)>& on_row) {
  sqlite3_stmt* statement = nullptr;
  auto cached = statements_.find(std::string(sql));
  if (cached != statements_.end()) {
    statement = cached->second;
  } else if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement,
                                nullptr) != SQLITE_OK) {
    return SqliteError(db_, "prepare failed");
  } else if (statements_.size() < kMaxCachedStatements) {
    statements_.emplace(std::string(sql), statement);
    cached = statements_.find(std::string(sql));
  }
  // A cached statement is reset for its next use; another one is finalized.
  const bool keep = cached != statements_.end();
  std::unique_ptr<sqlite3_stmt, void (*)(sqlite3_stmt*)> guard(
      statement, keep ? +[](sqlite3_stmt* s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
                      : +[](sqlite3_stmt* s) { sqlite3_finalize(s); });
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    const int size = static_cast<int>(params[i].size());
    if (binding_ == Binding::kBlob) {
      sqlite3_bind_blob(statement, index, params[i].data(), size, SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_text(statement, index, params[i].data(), size, SQLITE_TRANSIENT);
    }
  }
  while (true) {
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) return absl::OkStatus();
    if (rc != SQLITE_ROW) return SqliteError(db_, "statement failed");
    Row row(sqlite3_column_count(statement));
    for (size_t c = 0; c < row.size(); ++c) {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, c));
      row[c].assign(bytes ? bytes : "", sqlite3_column_bytes(statement, c));
    }
    if (!on_row(row)) return absl::OkStatus();
  }
}

absl::Status SqliteDb::ExecScript(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return absl::InternalError("sqlite: " + message);
  }
  return absl::OkStatus();
}

}  // namespace serval::storage
