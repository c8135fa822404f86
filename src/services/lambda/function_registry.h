#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sandbox/invocation.h"
#include "services/lambda/function_config.h"
#include "storage/sqlite_db.h"

namespace serval::lambda {

// All functions, in memory for the invoke path and written through to SQLite before any change
// is acknowledged. Runs only on the io thread.
class FunctionRegistry {
 public:
  struct Entry {
    std::shared_ptr<const FunctionConfig> config;
    std::shared_ptr<const sandbox::FunctionSpec> spec;  // what environments run
  };
  using SpecFactory =
      std::function<std::shared_ptr<const sandbox::FunctionSpec>(const FunctionConfig&)>;

  // Loads every stored function. `db` must outlive the registry.
  static absl::StatusOr<std::unique_ptr<FunctionRegistry>> Open(storage::SqliteDb* db,
                                                                SpecFactory make_spec);

  const Entry* Find(std::string_view name) const;
  // Inserts or replaces the function, durably.
  absl::Status Put(FunctionConfig config);
  absl::Status Remove(const std::string& name);
  // Up to `max` functions in name order, starting after `after` (empty: from the start).
  std::vector<const Entry*> List(std::string_view after, size_t max, bool* more) const;
  bool UsesCode(std::string_view code_id) const;
  size_t size() const { return functions_.size(); }

 private:
  FunctionRegistry(storage::SqliteDb* db, SpecFactory make_spec)
      : db_(db), make_spec_(std::move(make_spec)) {}

  storage::SqliteDb* db_;
  SpecFactory make_spec_;
  std::map<std::string, Entry, std::less<>> functions_;
};

}  // namespace serval::lambda
