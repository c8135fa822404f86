#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace serval::storage {

// A SQLite database in WAL mode with full fsync, so a statement that returned OK is on disk.
// Thread-compatible: callers serialize access (Serval uses it from the io thread only).
class SqliteDb {
 public:
  using Row = std::vector<std::string>;  // column values as text (or blob bytes)

  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one statement binding `params` as blobs to ?1..?N (bytes as they are: a blob compares
  // by memcmp, where text with a NUL in it is undefined), calling `on_row` for each result row.
  absl::Status Run(std::string_view sql, const std::vector<std::string>& params = {},
                   const std::function<void(const Row&)>& on_row = {});
  // Runs several ';'-separated statements without parameters (schema setup).
  absl::Status ExecScript(const std::string& sql);

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace serval::storage
