#include "services/lambda/function_registry.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "absl/synchronization/notification.h"
#include "common/ids.h"
#include "storage/memory_metadata_store.h"
#include "storage/sqlite_db.h"
#include "storage/sqlite_metadata_store.h"

namespace serval::lambda {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<FunctionRegistry> OpenRegistry(storage::MetadataStore* store) {
  auto registry = FunctionRegistry::Open(
      store, [](const FunctionConfig&) { return std::shared_ptr<const sandbox::FunctionSpec>(); });
  EXPECT_TRUE(registry.ok()) << registry.status();
  return registry.ok() ? std::move(*registry) : nullptr;
}

// The stores' completions run where the write finished: the tests wait for them with Written.
void RunNow(std::function<void()> work) { work(); }

// Makes a registry change and waits for its completion.
absl::Status Written(const std::function<void(FunctionRegistry::Done)>& change) {
  absl::Notification finished;
  absl::Status result;
  change([&](absl::Status status) {
    result = std::move(status);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

absl::StatusOr<int> Published(FunctionRegistry& registry, const std::string& name,
                              const std::string& description) {
  absl::Notification finished;
  absl::StatusOr<int> result;
  registry.Publish(name, description, [&](absl::StatusOr<int> number) {
    result = std::move(number);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

FunctionConfig Config(const std::string& name, const std::string& revision) {
  FunctionConfig config;
  config.name = name;
  config.runtime = "python3.12";
  config.handler = "app.handler";
  config.code_id = "c0de";
  config.revision_id = revision;
  return config;
}

TEST(FunctionRegistry, FindsFunctionUrlsByIdAcrossChangesAndReopens) {
  storage::MemoryMetadataStore store(RunNow);
  {
    auto registry = OpenRegistry(&store);
    FunctionConfig config = Config("f", "r1");
    config.function_urls[""] = FunctionUrlConfig{
        .url_id = "aaaa", .auth_type = "NONE", .cors = apigatewayv2::CorsConfig{.max_age = 5}};
    config.function_urls["live"] = FunctionUrlConfig{.url_id = "bbbb", .auth_type = "AWS_IAM"};
    ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(config, done); }).ok());
    ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(Config("g", "r1"), done); }).ok());
    auto live = registry->FindUrl("bbbb");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->function, registry->Find("f"));
    EXPECT_EQ(live->qualifier, "live");
    EXPECT_EQ(live->config->auth_type, "AWS_IAM");
    config.function_urls.erase("live");  // DeleteFunctionUrlConfig
    ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(config, done); }).ok());
    EXPECT_FALSE(registry->FindUrl("bbbb"));
  }
  auto registry = OpenRegistry(&store);
  auto url = registry->FindUrl("aaaa");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->qualifier, "");
  ASSERT_TRUE(url->config->cors);
  EXPECT_EQ(url->config->cors->max_age, 5);
  ASSERT_TRUE(Written([&](auto done) { registry->Remove("f", done); }).ok());
  EXPECT_FALSE(registry->FindUrl("aaaa"));
  EXPECT_FALSE(registry->FindUrl(""));
}

TEST(FunctionRegistry, WritesThroughSoAReopenSeesEveryChange) {
  storage::MemoryMetadataStore store(RunNow);
  {
    auto registry = OpenRegistry(&store);
    ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(Config("f", "r1"), done); }).ok());
    ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(Config("g", "r1"), done); }).ok());
    ASSERT_EQ(*Published(*registry, "f", "first"), 1);
    FunctionConfig updated = *registry->Find("f")->latest.config;
    updated.revision_id = "r2";
    ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(updated, done); }).ok());
    ASSERT_EQ(*Published(*registry, "f", ""), 2);
    ASSERT_TRUE(Written([&](auto done) {
                  registry->PutAlias("f", AliasConfig{.name = "live", .function_version = "2"},
                                     done);
                }).ok());
    ASSERT_TRUE(Written([&](auto done) {
                  registry->PutAlias("f", AliasConfig{.name = "old", .function_version = "1"},
                                     done);
                }).ok());
    ASSERT_TRUE(Written([&](auto done) { registry->RemoveAlias("f", "old", done); }).ok());
    ASSERT_TRUE(Written([&](auto done) { registry->RemoveVersion("f", 1, done); }).ok());
  }
  auto registry = OpenRegistry(&store);
  ASSERT_EQ(registry->size(), 2u);
  const FunctionRegistry::Function* f = registry->Find("f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->latest.config->revision_id, "r2");
  EXPECT_EQ(f->latest.config->last_published_version, 2);
  ASSERT_EQ(f->versions.size(), 1u);
  EXPECT_EQ(f->versions.at(2).config->version, "2");
  ASSERT_EQ(f->aliases.size(), 1u);
  EXPECT_EQ(f->aliases.at("live").function_version, "2");

  ASSERT_TRUE(Written([&](auto done) { registry->Remove("f", done); }).ok());
  EXPECT_EQ(OpenRegistry(&store)->Find("f"), nullptr);
  EXPECT_TRUE(store.Scan("lambda.versions", {})->empty());
  EXPECT_TRUE(store.Scan("lambda.aliases", {})->empty());
}

// Changes are made in memory before they are durable; one whose write fails is taken back, so
// what the registry serves is what a restart would load.
TEST(FunctionRegistry, AFailedWriteLeavesTheFunctionAsTheStoreHasIt) {
  storage::MemoryMetadataStore store(RunNow);
  auto registry = OpenRegistry(&store);
  FunctionConfig config = Config("f", "r1");
  config.function_urls[""] = FunctionUrlConfig{.url_id = "aaaa", .auth_type = "NONE"};
  ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(config, done); }).ok());
  ASSERT_EQ(*Published(*registry, "f", ""), 1);
  ASSERT_TRUE(Written([&](auto done) {
                registry->PutAlias("f", AliasConfig{.name = "live", .function_version = "1"}, done);
              }).ok());

  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  FunctionConfig changed = Config("f", "r2");
  changed.function_urls[""] = FunctionUrlConfig{.url_id = "bbbb", .auth_type = "NONE"};
  EXPECT_EQ(Written([&](auto done) { registry->PutLatest(changed, done); }).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(registry->Find("f")->latest.config->revision_id, "r1");
  EXPECT_TRUE(registry->FindUrl("aaaa"));
  EXPECT_FALSE(registry->FindUrl("bbbb"));
  EXPECT_FALSE(Published(*registry, "f", "").ok());
  EXPECT_EQ(registry->Find("f")->versions.size(), 1u);
  EXPECT_EQ(registry->Find("f")->latest.config->last_published_version, 1);
  EXPECT_FALSE(Written([&](auto done) { registry->RemoveAlias("f", "live", done); }).ok());
  EXPECT_EQ(registry->Find("f")->aliases.count("live"), 1u);
  EXPECT_FALSE(Written([&](auto done) { registry->RemoveVersion("f", 1, done); }).ok());
  EXPECT_EQ(registry->Find("f")->versions.count(1), 1u);
  EXPECT_FALSE(Written([&](auto done) { registry->Remove("f", done); }).ok());
  ASSERT_NE(registry->Find("f"), nullptr);
  EXPECT_TRUE(registry->FindUrl("aaaa"));
  EXPECT_FALSE(Written([&](auto done) { registry->PutLatest(Config("g", "r1"), done); }).ok());
  EXPECT_EQ(registry->Find("g"), nullptr);

  store.FailWrites(absl::OkStatus());
  ASSERT_TRUE(Written([&](auto done) { registry->PutLatest(changed, done); }).ok());
  EXPECT_TRUE(registry->FindUrl("bbbb"));
  EXPECT_EQ(OpenRegistry(&store)->Find("f")->latest.config->revision_id, "r2");
}

// A data dir written before the metadata store: its tables are migrated, and the keys the
// migration writes are the keys the registry reads.
TEST(FunctionRegistry, LoadsADatabaseOfSchemaVersion0) {
  const fs::path dir = fs::temp_directory_path() / ("serval-registry-test-" + RandomHex(8));
  fs::create_directories(dir);
  FunctionConfig latest = Config("f", "r3");
  latest.last_published_version = 3;
  FunctionConfig version = Config("f", "r3");
  version.version = "3";
  {
    auto db = storage::SqliteDb::Open((dir / "serval.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->ExecScript("CREATE TABLE lambda_functions (name TEXT PRIMARY KEY,"
                                 "  config TEXT NOT NULL);"
                                 "CREATE TABLE lambda_versions (name TEXT NOT NULL,"
                                 "  version INTEGER NOT NULL, config TEXT NOT NULL,"
                                 "  PRIMARY KEY (name, version));"
                                 "CREATE TABLE lambda_aliases (name TEXT NOT NULL,"
                                 "  alias TEXT NOT NULL, config TEXT NOT NULL,"
                                 "  PRIMARY KEY (name, alias));")
                    .ok());
    ASSERT_TRUE(
        (*db)
            ->Run("INSERT INTO lambda_functions VALUES (?1, ?2)", {"f", ToStorageJson(latest)})
            .ok());
    ASSERT_TRUE(
        (*db)
            ->Run("INSERT INTO lambda_versions VALUES (?1, 3, ?2)", {"f", ToStorageJson(version)})
            .ok());
    ASSERT_TRUE(
        (*db)
            ->Run("INSERT INTO lambda_aliases VALUES (?1, ?2, ?3)",
                  {"f", "live", AliasToStorageJson({.name = "live", .function_version = "3"})})
            .ok());
  }
  auto store = storage::SqliteMetadataStore::Open(dir / "serval.db", RunNow);
  ASSERT_TRUE(store.ok()) << store.status();
  auto registry = OpenRegistry(store->get());
  const FunctionRegistry::Function* f = registry->Find("f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->latest.config->last_published_version, 3);
  ASSERT_EQ(f->versions.count(3), 1u);
  EXPECT_EQ(f->aliases.at("live").function_version, "3");
  // Removing the function removes its migrated version and alias records too.
  ASSERT_TRUE(Written([&](auto done) { registry->Remove("f", done); }).ok());
  EXPECT_TRUE((*store)->Scan("lambda.versions", {})->empty());
  EXPECT_TRUE((*store)->Scan("lambda.aliases", {})->empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace serval::lambda
