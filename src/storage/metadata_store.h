#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::storage {

// One record of a metadata table.
struct Record {
  std::string key;
  std::string value;
  bool operator==(const Record&) const = default;
};

// Thread-compatible value type. Changes to one or more tables that apply together or not at
// all, in the order added.
class WriteBatch {
 public:
  struct Op {
    enum class Kind { kPut, kDelete, kDeletePrefix, kExpect };
    Kind kind;
    std::string table;
    std::string key;                   // kDeletePrefix: the prefix
    std::optional<std::string> value;  // kPut: the value; kExpect: the value, or nullopt: absent
  };

  WriteBatch& Put(std::string table, std::string key, std::string value);
  WriteBatch& Delete(std::string table, std::string key);
  // Deletes every record of `table` whose key starts with `prefix` (all of them if it is empty).
  WriteBatch& DeletePrefix(std::string table, std::string prefix);
  // A condition: the batch applies only if `key` holds `value` at this point of the batch
  // (std::nullopt: has no record); otherwise the whole batch fails with FailedPrecondition and
  // changes nothing. Compare-and-set for conditional writes (S3 If-Match, DynamoDB conditions).
  WriteBatch& Expect(std::string table, std::string key, std::optional<std::string> value);

  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

// Which records a Scan returns: those of one table whose key starts with `prefix` and sorts after
// `start_after` (the last key of the previous page; empty: from the first), in key order, at most
// `limit` of them (0: all). To learn whether more follow, ask for one more than a page.
struct ScanRange {
  std::string prefix;
  std::string start_after;
  size_t limit = 0;
};

// Thread-safe. Records by key, in named tables: the metadata of every service (functions, rules,
// object metadata, table items). Keys are non-empty byte strings ordered bytewise (memcmp);
// values are byte strings. A write that returned OK (or completed OK) is durable.
//
// Reads run on the calling thread. Write blocks until the batch is durable, so it is for
// startup, tools and tests; WriteAsync is for the io thread: it never blocks and `done` runs on
// the io thread once the batch is durable, completions in submission order. Implementations:
// SqliteMetadataStore (embedded), MemoryMetadataStore (unit tests); docs/architecture.md
// ("Storage seams") shows how a PostgreSQL store satisfies the same contract.
class MetadataStore {
 public:
  using WriteCallback = std::function<void(absl::Status)>;

  virtual ~MetadataStore() = default;

  // The value under `key`, or std::nullopt if there is none.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                         std::string_view key) const = 0;
  virtual absl::StatusOr<std::vector<Record>> Scan(std::string_view table,
                                                   const ScanRange& range) const = 0;
  // Applies `batch` atomically. InvalidArgument for an empty key or table; FailedPrecondition
  // when an Expect does not hold (nothing changed).
  virtual absl::Status Write(const WriteBatch& batch) = 0;
  virtual void WriteAsync(WriteBatch batch, WriteCallback done) = 0;
};

// InvalidArgument if an op of `batch` names an empty table or (but for DeletePrefix) an empty
// key. Implementations check every batch with it first.
absl::Status CheckBatch(const WriteBatch& batch);

// OK if the kExpect `op` holds for `current` (the key's record, or nullopt), else
// FailedPrecondition.
absl::Status CheckExpect(const WriteBatch::Op& op, const std::optional<std::string>& current);

// The least string greater than every string that starts with `prefix`, or std::nullopt if
// there is none (`prefix` empty or all 0xff): the exclusive end of a prefix range.
std::optional<std::string> PrefixEnd(std::string_view prefix);

}  // namespace serval::storage
