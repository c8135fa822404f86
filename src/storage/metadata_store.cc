#include "storage/metadata_store.h"

#include <utility>

namespace serval::storage {

WriteBatch& WriteBatch::Put(std::string table, std::string key, std::string value) {
  ops_.push_back({Op::Kind::kPut, std::move(table), std::move(key), std::move(value)});
  return *this;
}

WriteBatch& WriteBatch::Delete(std::string table, std::string key) {
  ops_.push_back({Op::Kind::kDelete, std::move(table), std::move(key), std::nullopt});
  return *this;
}

WriteBatch& WriteBatch::DeletePrefix(std::string table, std::string prefix) {
  ops_.push_back({Op::Kind::kDeletePrefix, std::move(table), std::move(prefix), std::nullopt});
  return *this;
}

WriteBatch& WriteBatch::Expect(std::string table, std::string key,
                               std::optional<std::string> value) {
  ops_.push_back({Op::Kind::kExpect, std::move(table), std::move(key), std::move(value)});
  return *this;
}

absl::Status CheckBatch(const WriteBatch& batch) {
  for (const WriteBatch::Op& op : batch.ops()) {
    if (op.table.empty()) return absl::InvalidArgumentError("metadata table name is empty");
    if (op.key.empty() && op.kind != WriteBatch::Op::Kind::kDeletePrefix) {
      return absl::InvalidArgumentError("metadata key is empty");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckExpect(const WriteBatch::Op& op, const std::optional<std::string>& current) {
  if (current == op.value) return absl::OkStatus();
  return absl::FailedPreconditionError("condition failed for a record of " + op.table);
}

std::optional<std::string> PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::nullopt;
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

}  // namespace serval::storage
