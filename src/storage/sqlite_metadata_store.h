#pragma once

#include <filesystem>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/group_commit.h"
#include "storage/metadata_store.h"
#include "storage/offload.h"
#include "storage/sqlite_db.h"

namespace serval::storage {

// Thread-safe. The embedded MetadataStore: one SQLite database (WAL, synchronous=FULL) with every
// table's records in one table keyed by (table, key) as blobs (docs/formats.md, "serval.db").
// Writes go through a GroupCommit: the batches that arrive while one commits share the next
// transaction (a savepoint each, so a failed condition undoes only its own batch) and its one
// fsync. Reads use a second connection, which sees committed batches only.
class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens (creating) the database at `path` and migrates an older schema (docs/formats.md).
  // `post_to_io` is needed only by WriteAsync.
  static absl::StatusOr<std::unique_ptr<SqliteMetadataStore>> Open(
      const std::filesystem::path& path, PostToIo post_to_io = {});

  absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                 std::string_view key) const override;
  absl::StatusOr<std::vector<Record>> Scan(std::string_view table,
                                           const ScanRange& range) const override;
  absl::Status Write(const WriteBatch& batch) override;
  void WriteAsync(WriteBatch batch, WriteCallback done) override;

 private:
  SqliteMetadataStore(std::unique_ptr<SqliteDb> writer, std::unique_ptr<SqliteDb> reader,
                      PostToIo post_to_io);
  // Applies one batch inside the group's transaction, under a savepoint. On commit_'s worker.
  absl::Status Apply(const WriteBatch& batch);

  const std::unique_ptr<SqliteDb> writer_;  // used only on commit_'s worker (after Open)
  mutable absl::Mutex read_mu_;
  const std::unique_ptr<SqliteDb> reader_ ABSL_PT_GUARDED_BY(read_mu_);
  GroupCommit commit_;  // last: drained and joined before the connections close
};

}  // namespace serval::storage
