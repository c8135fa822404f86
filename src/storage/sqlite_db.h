#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace serval::storage {

// A SQLite database in WAL mode with full fsync, so a statement that returned OK is on disk.
// Thread-compatible: callers serialize access (Serval uses it from the io thread only).
class SqliteDb {
 public:
  using Row = std::vector<std::string>;  // column values as text (or blob bytes)

  // How Run binds its parameters: as text, or as blobs, which compare by memcmp (text with a NUL
  // inside compares in an undefined way).
  enum class Binding { kText, kBlob };

  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                        Binding binding = Binding::kText);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one statement binding `params` to ?1..?N (as the connection's Binding says), calling
  // `on_row` for each result row. The first kMaxCachedStatements distinct statements stay
  // prepared for the next call (parsing one costs about as much as a point lookup).
  absl::Status Run(std::string_view sql, const std::vector<std::string>& params = {},
                   const std::function<void(const Row&)>& on_row = {});
  // As Run, but stops stepping once `on_row` returns false (a page that filled up).
  absl::Status RunWhile(std::string_view sql, const std::vector<std::string>& params,
                        const std::function<bool(const Row&)>& on_row);
  // Runs several ';'-separated statements without parameters (schema setup).
  absl::Status ExecScript(const std::string& sql);

 private:
  static constexpr size_t kMaxCachedStatements = 64;

  SqliteDb(sqlite3* db, Binding binding) : db_(db), binding_(binding) {}
  sqlite3* db_;
  const Binding binding_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;  // by SQL text
};

}  // namespace serval::storage
