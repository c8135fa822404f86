#include "services/lambda/function_registry.h"

#include <charconv>

namespace serval::lambda {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS lambda_functions ("
    "  name TEXT PRIMARY KEY, config TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS lambda_versions ("
    "  name TEXT NOT NULL, version INTEGER NOT NULL, config TEXT NOT NULL,"
    "  PRIMARY KEY (name, version));"
    "CREATE TABLE IF NOT EXISTS lambda_aliases ("
    "  name TEXT NOT NULL, alias TEXT NOT NULL, config TEXT NOT NULL,"
    "  PRIMARY KEY (name, alias));";

}  // namespace

const FunctionRegistry::Entry* FunctionRegistry::Function::Version(std::string_view version) const {
  if (version.empty() || version == kLatest) return &latest;
  int number = 0;
  const auto [end, error] =
      std::from_chars(version.data(), version.data() + version.size(), number);
  if (error != std::errc() || end != version.data() + version.size()) return nullptr;
  auto found = versions.find(number);
  return found == versions.end() ? nullptr : &found->second;
}

FunctionRegistry::Entry FunctionRegistry::MakeEntry(FunctionConfig config) const {
  auto shared = std::make_shared<const FunctionConfig>(std::move(config));
  return Entry{shared, make_spec_(*shared)};
}

absl::StatusOr<std::unique_ptr<FunctionRegistry>> FunctionRegistry::Open(storage::SqliteDb* db,
                                                                         SpecFactory make_spec) {
  std::unique_ptr<FunctionRegistry> registry(new FunctionRegistry(db, std::move(make_spec)));
  if (auto status = db->ExecScript(kSchema); !status.ok()) return status;
  if (auto status = registry->Load(); !status.ok()) return status;
  return registry;
}

absl::Status FunctionRegistry::Load() {
  absl::Status load_error;
  auto keep_error = [&load_error](const absl::Status& status) {
    if (load_error.ok()) load_error = status;
  };
  auto status =
      db_->Run("SELECT config FROM lambda_functions", {}, [&](const storage::SqliteDb::Row& row) {
        auto config = FromStorageJson(row[0]);
        if (!config.ok()) return keep_error(config.status());
        const std::string name = config->name;
        functions_[name].latest = MakeEntry(std::move(*config));
      });
  if (status.ok()) {
    status = db_->Run("SELECT name, version, config FROM lambda_versions", {},
                      [&](const storage::SqliteDb::Row& row) {
                        auto config = FromStorageJson(row[2]);
                        auto function = functions_.find(row[0]);
                        if (!config.ok()) return keep_error(config.status());
                        if (function == functions_.end()) return;  // orphan: ignore
                        function->second.versions[std::stoi(row[1])] =
                            MakeEntry(std::move(*config));
                      });
  }
  if (status.ok()) {
    status = db_->Run("SELECT name, config FROM lambda_aliases", {},
                      [&](const storage::SqliteDb::Row& row) {
                        auto alias = AliasFromStorageJson(row[1]);
                        auto function = functions_.find(row[0]);
                        if (!alias.ok()) return keep_error(alias.status());
                        if (function == functions_.end()) return;
                        const std::string alias_name = alias->name;
                        function->second.aliases[alias_name] = std::move(*alias);
                      });
  }
  return status.ok() ? load_error : status;
}

absl::Status FunctionRegistry::InTransaction(const std::function<absl::Status()>& statements) {
  if (auto status = db_->ExecScript("BEGIN IMMEDIATE;"); !status.ok()) return status;
  absl::Status status = statements();
  if (status.ok()) status = db_->ExecScript("COMMIT;");
  if (!status.ok()) db_->ExecScript("ROLLBACK;").IgnoreError();
  return status;
}

const FunctionRegistry::Function* FunctionRegistry::Find(std::string_view name) const {
  auto found = functions_.find(name);
  return found == functions_.end() ? nullptr : &found->second;
}

absl::Status FunctionRegistry::PutLatest(FunctionConfig config) {
  config.version = kLatest;
  if (auto status = db_->Run("INSERT OR REPLACE INTO lambda_functions(name, config) VALUES(?1, ?2)",
                             {config.name, ToStorageJson(config)});
      !status.ok()) {
    return status;
  }
  const std::string name = config.name;
  functions_[name].latest = MakeEntry(std::move(config));
  return absl::OkStatus();
}

absl::Status FunctionRegistry::Remove(const std::string& name) {
  auto status = InTransaction([&] {
    for (const char* table : {"lambda_functions", "lambda_versions", "lambda_aliases"}) {
      if (auto s = db_->Run(std::string("DELETE FROM ") + table + " WHERE name = ?1", {name});
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
  if (status.ok()) functions_.erase(name);
  return status;
}

absl::StatusOr<int> FunctionRegistry::Publish(const std::string& name,
                                              const std::string& description) {
  Function& function = functions_.find(name)->second;
  FunctionConfig latest = *function.latest.config;
  const int number = latest.last_published_version + 1;
  latest.last_published_version = number;
  latest.published_revision_id = latest.revision_id;
  FunctionConfig snapshot = latest;
  snapshot.version = std::to_string(number);
  snapshot.description = description.empty() ? latest.description : description;
  snapshot.last_published_version = 0;
  snapshot.published_revision_id.clear();
  auto status = InTransaction([&] {
    if (auto s = db_->Run("UPDATE lambda_functions SET config = ?2 WHERE name = ?1",
                          {name, ToStorageJson(latest)});
        !s.ok()) {
      return s;
    }
    return db_->Run("INSERT INTO lambda_versions(name, version, config) VALUES(?1, ?2, ?3)",
                    {name, snapshot.version, ToStorageJson(snapshot)});
  });
  if (!status.ok()) return status;
  function.latest = MakeEntry(std::move(latest));
  function.versions[number] = MakeEntry(std::move(snapshot));
  return number;
}

absl::Status FunctionRegistry::RemoveVersion(const std::string& name, int version) {
  if (auto status = db_->Run("DELETE FROM lambda_versions WHERE name = ?1 AND version = ?2",
                             {name, std::to_string(version)});
      !status.ok()) {
    return status;
  }
  functions_.find(name)->second.versions.erase(version);
  return absl::OkStatus();
}

absl::Status FunctionRegistry::PutAlias(const std::string& name, AliasConfig alias) {
  if (auto status =
          db_->Run("INSERT OR REPLACE INTO lambda_aliases(name, alias, config) VALUES(?1, ?2, ?3)",
                   {name, alias.name, AliasToStorageJson(alias)});
      !status.ok()) {
    return status;
  }
  const std::string alias_name = alias.name;
  functions_.find(name)->second.aliases[alias_name] = std::move(alias);
  return absl::OkStatus();
}

absl::Status FunctionRegistry::RemoveAlias(const std::string& name, const std::string& alias) {
  if (auto status =
          db_->Run("DELETE FROM lambda_aliases WHERE name = ?1 AND alias = ?2", {name, alias});
      !status.ok()) {
    return status;
  }
  functions_.find(name)->second.aliases.erase(alias);
  return absl::OkStatus();
}

std::vector<const FunctionRegistry::Function*> FunctionRegistry::List(std::string_view after,
                                                                      size_t max,
                                                                      bool* more) const {
  std::vector<const Function*> page;
  auto it = after.empty() ? functions_.begin() : functions_.upper_bound(after);
  for (; it != functions_.end() && page.size() < max; ++it) page.push_back(&it->second);
  *more = it != functions_.end();
  return page;
}

bool FunctionRegistry::UsesCode(std::string_view code_id) const {
  for (const auto& [name, function] : functions_) {
    if (function.latest.config->code_id == code_id) return true;
    for (const auto& [number, version] : function.versions) {
      if (version.config->code_id == code_id) return true;
    }
  }
  return false;
}

}  // namespace serval::lambda
