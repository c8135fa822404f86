#include "storage/memory_metadata_store.h"

#include <utility>

namespace serval::storage {

absl::StatusOr<std::optional<std::string>> MemoryMetadataStore::Get(std::string_view table,
                                                                    std::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto found_table = tables_.find(table);
  if (found_table == tables_.end()) return std::nullopt;
  auto found = found_table->second.find(key);
  if (found == found_table->second.end()) return std::nullopt;
  return found->second;
}

absl::StatusOr<std::vector<Record>> MemoryMetadataStore::Scan(std::string_view table,
                                                              const ScanRange& range) const {
  absl::MutexLock lock(&mu_);
  std::vector<Record> records;
  auto found_table = tables_.find(table);
  if (found_table == tables_.end()) return records;
  const Table& rows = found_table->second;
  auto it = range.start_after < range.prefix ? rows.lower_bound(range.prefix)
                                             : rows.upper_bound(range.start_after);
  for (; it != rows.end() && it->first.starts_with(range.prefix); ++it) {
    if (range.limit != 0 && records.size() == range.limit) break;
    records.push_back({it->first, it->second});
  }
  return records;
}

absl::Status MemoryMetadataStore::Write(const WriteBatch& batch) {
  if (auto status = CheckBatch(batch); !status.ok()) return status;
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  // Applied to a copy, kept only if every condition holds: all or nothing.
  auto tables = tables_;
  for (const WriteBatch::Op& op : batch.ops()) {
    Table& rows = tables[op.table];
    switch (op.kind) {
      case WriteBatch::Op::Kind::kPut:
        rows[op.key] = *op.value;
        break;
      case WriteBatch::Op::Kind::kDelete:
        rows.erase(op.key);
        break;
      case WriteBatch::Op::Kind::kDeletePrefix:
        for (auto it = rows.lower_bound(op.key); it != rows.end() && it->first.starts_with(op.key);)
          it = rows.erase(it);
        break;
      case WriteBatch::Op::Kind::kExpect: {
        auto found = rows.find(op.key);
        const std::optional<std::string> current =
            found == rows.end() ? std::nullopt : std::optional<std::string>(found->second);
        if (auto status = CheckExpect(op, current); !status.ok()) return status;
        break;
      }
    }
  }
  tables_ = std::move(tables);
  return absl::OkStatus();
}

void MemoryMetadataStore::FailWrites(absl::Status failure) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(failure);
}

void MemoryMetadataStore::WriteAsync(WriteBatch batch, WriteCallback done) {
  absl::Status status = Write(batch);
  if (done) post_to_io_([done = std::move(done), status] { done(status); });
}

}  // namespace serval::storage
