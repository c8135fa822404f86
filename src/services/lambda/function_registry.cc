#include "services/lambda/function_registry.h"

#include <fmt/format.h>

#include <charconv>

namespace serval::lambda {
namespace {

// The metadata tables and keys (docs/formats.md). Function and alias names have no '/'.
constexpr char kFunctions[] = "lambda.functions";
constexpr char kVersions[] = "lambda.versions";
constexpr char kAliases[] = "lambda.aliases";

std::string VersionKey(std::string_view name, int version) {
  return fmt::format("{}/{:010d}", name, version);
}
std::string AliasKey(std::string_view name, std::string_view alias) {
  return fmt::format("{}/{}", name, alias);
}

// The function name a version or alias key starts with.
std::string_view OwnerOf(std::string_view key) { return key.substr(0, key.find('/')); }

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
  Entry entry{shared, make_spec_(*shared)};
  if (shared->policies.empty()) return entry;
  auto policies = std::make_shared<std::map<std::string, iam::PolicyDocument, std::less<>>>();
  for (const auto& [qualifier, statements] : shared->policies) {
    auto policy = iam::ParsePolicy(FunctionPolicyText(statements), iam::PolicyKind::kResource);
    if (!policy.ok()) {
      // Stored before IAM's parser checked AddPermission's statements: held to none.
      fmt::print(stderr, "serval: the policy of function {} ({}) is ignored: {}\n", shared->name,
                 qualifier.empty() ? "unqualified" : qualifier, policy.status().ToString());
      continue;
    }
    policies->emplace(qualifier, *std::move(policy));
  }
  entry.policies = std::move(policies);
  return entry;
}

const iam::PolicyDocument* FunctionRegistry::Function::Policy(std::string_view qualifier) const {
  if (!latest.policies) return nullptr;
  auto found = latest.policies->find(qualifier);
  return found == latest.policies->end() ? nullptr : &found->second;
}

absl::StatusOr<std::unique_ptr<FunctionRegistry>> FunctionRegistry::Open(
    storage::MetadataStore* store, SpecFactory make_spec) {
  std::unique_ptr<FunctionRegistry> registry(new FunctionRegistry(store, std::move(make_spec)));
  if (auto status = registry->Load(); !status.ok()) return status;
  return registry;
}

absl::Status FunctionRegistry::Load() {
  auto functions = store_->Scan(kFunctions, {});
  if (!functions.ok()) return functions.status();
  for (const storage::Record& record : *functions) {
    auto config = FromStorageJson(record.value);
    if (!config.ok()) return config.status();
    const std::string name = config->name;
    IndexUrls(name, &*config);
    functions_[name].latest = MakeEntry(std::move(*config));
  }
  auto versions = store_->Scan(kVersions, {});
  if (!versions.ok()) return versions.status();
  for (const storage::Record& record : *versions) {
    if (absl::Status added = AddVersion(record); !added.ok()) return added;
  }
  auto aliases = store_->Scan(kAliases, {});
  if (!aliases.ok()) return aliases.status();
  for (const storage::Record& record : *aliases) {
    if (absl::Status added = AddAlias(record); !added.ok()) return added;
  }
  return absl::OkStatus();
}

absl::Status FunctionRegistry::AddVersion(const storage::Record& record) {
  auto config = FromStorageJson(record.value);
  if (!config.ok()) return config.status();
  const std::string_view owner = OwnerOf(record.key);
  const char* const end = record.key.data() + record.key.size();
  int number = 0;
  if (owner.size() == record.key.size() ||
      std::from_chars(owner.data() + owner.size() + 1, end, number).ptr != end) {
    return absl::DataLossError("stored function version has a bad key: " + record.key);
  }
  auto function = functions_.find(owner);
  if (function == functions_.end()) return absl::OkStatus();  // orphan: ignore
  function->second.versions[number] = MakeEntry(std::move(*config));
  return absl::OkStatus();
}

absl::Status FunctionRegistry::AddAlias(const storage::Record& record) {
  auto alias = AliasFromStorageJson(record.value);
  if (!alias.ok()) return alias.status();
  auto function = functions_.find(OwnerOf(record.key));
  if (function == functions_.end()) return absl::OkStatus();
  const std::string alias_name = alias->name;
  function->second.aliases[alias_name] = std::move(*alias);
  return absl::OkStatus();
}

absl::Status FunctionRegistry::Reload(const std::string& name) {
  // Read first: a store that cannot be read leaves memory as it was.
  auto latest = store_->Get(kFunctions, name);
  if (!latest.ok()) return latest.status();
  const storage::ScanRange owned{.prefix = name + "/"};
  auto versions = store_->Scan(kVersions, owned);
  if (!versions.ok()) return versions.status();
  auto aliases = store_->Scan(kAliases, owned);
  if (!aliases.ok()) return aliases.status();
  std::optional<FunctionConfig> config;
  if (latest->has_value()) {
    auto parsed = FromStorageJson(**latest);
    if (!parsed.ok()) return parsed.status();
    config = *std::move(parsed);
  }
  IndexUrls(name, config ? &*config : nullptr);
  functions_.erase(name);
  if (!config) return absl::OkStatus();
  functions_[name].latest = MakeEntry(*std::move(config));
  for (const storage::Record& record : *versions) {
    if (absl::Status added = AddVersion(record); !added.ok()) return added;
  }
  for (const storage::Record& record : *aliases) {
    if (absl::Status added = AddAlias(record); !added.ok()) return added;
  }
  return absl::OkStatus();
}

void FunctionRegistry::Commit(storage::WriteBatch batch, const std::string& name, Done done) {
  writer_.Write(
      std::move(batch),
      [this, name] {
        if (absl::Status reloaded = Reload(name); !reloaded.ok()) {
          fmt::print(stderr, "serval: function {} not read back after a failed write: {}\n", name,
                     reloaded.ToString());
        }
      },
      std::move(done));
}

const FunctionRegistry::Function* FunctionRegistry::Find(std::string_view name) const {
  auto found = functions_.find(name);
  return found == functions_.end() ? nullptr : &found->second;
}

void FunctionRegistry::PutLatest(FunctionConfig config, Done done) {
  config.version = kLatest;
  storage::WriteBatch batch;
  batch.Put(kFunctions, config.name, ToStorageJson(config));
  const std::string name = config.name;
  IndexUrls(name, &config);
  functions_[name].latest = MakeEntry(std::move(config));
  Commit(std::move(batch), name, std::move(done));
}

void FunctionRegistry::IndexUrls(const std::string& name, const FunctionConfig* now) {
  if (const Function* before = Find(name); before && before->latest.config) {
    for (const auto& [qualifier, url] : before->latest.config->function_urls) {
      urls_.erase(url.url_id);
    }
  }
  if (!now) return;
  for (const auto& [qualifier, url] : now->function_urls) {
    urls_[url.url_id] = {name, qualifier};
  }
}

std::optional<FunctionRegistry::Url> FunctionRegistry::FindUrl(std::string_view url_id) const {
  auto found = urls_.find(url_id);
  if (found == urls_.end()) return std::nullopt;
  const Function* function = Find(found->second.first);
  const auto& urls = function->latest.config->function_urls;
  auto url = urls.find(found->second.second);
  return Url{function, url->first, &url->second};
}

void FunctionRegistry::Remove(std::string name, Done done) {
  storage::WriteBatch batch;
  batch.Delete(kFunctions, name)
      .DeletePrefix(kVersions, name + "/")
      .DeletePrefix(kAliases, name + "/");
  IndexUrls(name, nullptr);
  functions_.erase(name);
  Commit(std::move(batch), name, std::move(done));
}

void FunctionRegistry::Publish(std::string name, const std::string& description,
                               std::function<void(absl::StatusOr<int>)> done) {
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
  storage::WriteBatch batch;
  batch.Put(kFunctions, name, ToStorageJson(latest))
      .Put(kVersions, VersionKey(name, number), ToStorageJson(snapshot));
  function.latest = MakeEntry(std::move(latest));
  function.versions[number] = MakeEntry(std::move(snapshot));
  Commit(std::move(batch), name, [number, done = std::move(done)](absl::Status status) {
    if (!status.ok()) return done(std::move(status));
    done(number);
  });
}

void FunctionRegistry::RemoveVersion(const std::string& name, int version, Done done) {
  storage::WriteBatch batch;
  batch.Delete(kVersions, VersionKey(name, version));
  functions_.find(name)->second.versions.erase(version);
  Commit(std::move(batch), name, std::move(done));
}

void FunctionRegistry::PutAlias(const std::string& name, AliasConfig alias, Done done) {
  storage::WriteBatch batch;
  batch.Put(kAliases, AliasKey(name, alias.name), AliasToStorageJson(alias));
  const std::string alias_name = alias.name;
  functions_.find(name)->second.aliases[alias_name] = std::move(alias);
  Commit(std::move(batch), name, std::move(done));
}

void FunctionRegistry::RemoveAlias(const std::string& name, const std::string& alias, Done done) {
  storage::WriteBatch batch;
  batch.Delete(kAliases, AliasKey(name, alias));
  functions_.find(name)->second.aliases.erase(alias);
  Commit(std::move(batch), name, std::move(done));
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

void FunctionRegistry::ForEach(const std::function<void(const Function&)>& visit) const {
  for (const auto& entry : functions_) visit(entry.second);
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
