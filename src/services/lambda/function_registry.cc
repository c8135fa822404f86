#include "services/lambda/function_registry.h"

namespace serval::lambda {

absl::StatusOr<std::unique_ptr<FunctionRegistry>> FunctionRegistry::Open(storage::SqliteDb* db,
                                                                         SpecFactory make_spec) {
  std::unique_ptr<FunctionRegistry> registry(new FunctionRegistry(db, std::move(make_spec)));
  if (auto status = db->ExecScript("CREATE TABLE IF NOT EXISTS lambda_functions ("
                                   "  name TEXT PRIMARY KEY, config TEXT NOT NULL);");
      !status.ok()) {
    return status;
  }
  absl::Status load_error;
  auto status =
      db->Run("SELECT config FROM lambda_functions", {}, [&](const storage::SqliteDb::Row& row) {
        auto config = FromStorageJson(row[0]);
        if (!config.ok()) {
          load_error = config.status();
          return;
        }
        auto shared = std::make_shared<const FunctionConfig>(std::move(*config));
        registry->functions_[shared->name] = Entry{shared, registry->make_spec_(*shared)};
      });
  if (!status.ok()) return status;
  if (!load_error.ok()) return load_error;
  return registry;
}

const FunctionRegistry::Entry* FunctionRegistry::Find(std::string_view name) const {
  auto found = functions_.find(name);
  return found == functions_.end() ? nullptr : &found->second;
}

absl::Status FunctionRegistry::Put(FunctionConfig config) {
  if (auto status = db_->Run("INSERT OR REPLACE INTO lambda_functions(name, config) VALUES(?1, ?2)",
                             {config.name, ToStorageJson(config)});
      !status.ok()) {
    return status;
  }
  auto shared = std::make_shared<const FunctionConfig>(std::move(config));
  functions_[shared->name] = Entry{shared, make_spec_(*shared)};
  return absl::OkStatus();
}

absl::Status FunctionRegistry::Remove(const std::string& name) {
  if (auto status = db_->Run("DELETE FROM lambda_functions WHERE name = ?1", {name});
      !status.ok()) {
    return status;
  }
  functions_.erase(name);
  return absl::OkStatus();
}

std::vector<const FunctionRegistry::Entry*> FunctionRegistry::List(std::string_view after,
                                                                   size_t max, bool* more) const {
  std::vector<const Entry*> page;
  auto it = after.empty() ? functions_.begin() : functions_.upper_bound(after);
  for (; it != functions_.end() && page.size() < max; ++it) page.push_back(&it->second);
  *more = it != functions_.end();
  return page;
}

bool FunctionRegistry::UsesCode(std::string_view code_id) const {
  for (const auto& [name, entry] : functions_) {
    if (entry.config->code_id == code_id) return true;
  }
  return false;
}

}  // namespace serval::lambda
