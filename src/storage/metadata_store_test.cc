#include "storage/metadata_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "storage/memory_metadata_store.h"
#include "storage/sqlite_db.h"
#include "storage/sqlite_metadata_store.h"
#include "storage/test_util.h"

namespace serval::storage {
namespace {

namespace fs = std::filesystem;

struct SqliteStore {
  static std::unique_ptr<MetadataStore> Open(const fs::path& dir, PostToIo post_to_io) {
    auto store = SqliteMetadataStore::Open(dir / "metadata.db", std::move(post_to_io));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
};

struct MemoryStore {
  static std::unique_ptr<MetadataStore> Open(const fs::path&, PostToIo post_to_io) {
    return std::make_unique<MemoryMetadataStore>(std::move(post_to_io));
  }
};

// One suite for every implementation, so the fake cannot drift from the real store.
template <typename Impl>
class MetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Impl::Open(dir_, io_.Poster());
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  std::optional<std::string> Get(std::string_view table, std::string_view key) {
    auto value = store_->Get(table, key);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : std::nullopt;
  }
  std::vector<std::string> Keys(std::string_view table, const ScanRange& range) {
    auto records = store_->Scan(table, range);
    EXPECT_TRUE(records.ok()) << records.status();
    std::vector<std::string> keys;
    if (records.ok()) {
      for (const Record& record : *records) keys.push_back(record.key);
    }
    return keys;
  }

  const fs::path dir_ = FreshDir("serval-metadata-test-");
  IoQueue io_;
  std::unique_ptr<MetadataStore> store_;
};

using Implementations = ::testing::Types<SqliteStore, MemoryStore>;
TYPED_TEST_SUITE(MetadataStoreTest, Implementations);

TYPED_TEST(MetadataStoreTest, PutsGetsAndDeletesByTableAndKey) {
  const std::string binary("v\0\xff", 3);
  ASSERT_TRUE(this->store_->Write(WriteBatch().Put("t", "a", binary).Put("u", "a", "")).ok());
  EXPECT_EQ(this->Get("t", "a"), binary);
  EXPECT_EQ(this->Get("u", "a"), "");  // an empty value is a value
  EXPECT_EQ(this->Get("t", "b"), std::nullopt);
  EXPECT_EQ(this->Get("v", "a"), std::nullopt);
  ASSERT_TRUE(this->store_->Write(WriteBatch().Put("t", "a", "2").Delete("u", "a")).ok());
  EXPECT_EQ(this->Get("t", "a"), "2");
  EXPECT_EQ(this->Get("u", "a"), std::nullopt);
}

TYPED_TEST(MetadataStoreTest, ScansInByteOrderByPrefixAndPage) {
  WriteBatch batch;
  for (const std::string& key :
       std::vector<std::string>{"b", "a/2", "a", "a/1", "a0", std::string("a/\xff", 3),
                                std::string("a/\0", 3), "a/10"}) {
    batch.Put("t", key, "value of " + key);
  }
  batch.Put("other", "a/3", "x");
  ASSERT_TRUE(this->store_->Write(batch).ok());
  const std::vector<std::string> under_a{std::string("a/\0", 3), "a/1", "a/10", "a/2",
                                         std::string("a/\xff", 3)};
  EXPECT_EQ(this->Keys("t", {.prefix = "a/"}), under_a);
  EXPECT_EQ(this->Keys("t", {}).size(), 8u);
  EXPECT_EQ(this->Keys("t", {.prefix = "a/", .limit = 2}),
            (std::vector<std::string>{under_a[0], under_a[1]}));
  EXPECT_EQ(this->Keys("t", {.prefix = "a/", .start_after = "a/1", .limit = 2}),
            (std::vector<std::string>{"a/10", "a/2"}));
  EXPECT_EQ(this->Keys("t", {.prefix = "a/", .start_after = "a0"}), std::vector<std::string>{});
  EXPECT_EQ(this->Keys("t", {.start_after = "a0"}), std::vector<std::string>{"b"});
  EXPECT_EQ(this->Keys("t", {.prefix = "\xff"}), std::vector<std::string>{});
  auto records = this->store_->Scan("t", {.prefix = "b"});
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(*records, (std::vector<Record>{{"b", "value of b"}}));
}

TYPED_TEST(MetadataStoreTest, DeletePrefixStaysInsideItsPrefixAndTable) {
  ASSERT_TRUE(this->store_
                  ->Write(WriteBatch()
                              .Put("t", "f", "1")
                              .Put("t", "f/1", "1")
                              .Put("t", "f/2", "1")
                              .Put("t", "g", "1")
                              .Put("u", "f/1", "1"))
                  .ok());
  ASSERT_TRUE(this->store_->Write(WriteBatch().DeletePrefix("t", "f/")).ok());
  EXPECT_EQ(this->Keys("t", {}), (std::vector<std::string>{"f", "g"}));
  ASSERT_TRUE(this->store_->Write(WriteBatch().DeletePrefix("t", "")).ok());
  EXPECT_EQ(this->Keys("t", {}), std::vector<std::string>{});
  EXPECT_EQ(this->Keys("u", {}), std::vector<std::string>{"f/1"});
}

TYPED_TEST(MetadataStoreTest, ABatchWhoseConditionFailsChangesNothing) {
  ASSERT_TRUE(
      this->store_->Write(WriteBatch().Expect("t", "k", std::nullopt).Put("t", "k", "1")).ok());
  // Puts before and after the failing condition are both undone.
  auto status = this->store_->Write(
      WriteBatch().Put("t", "other", "x").Expect("t", "k", std::nullopt).Put("t", "k", "2"));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(this->Get("t", "k"), "1");
  EXPECT_EQ(this->Get("t", "other"), std::nullopt);
  // A condition sees the batch's earlier changes.
  EXPECT_TRUE(
      this->store_->Write(WriteBatch().Put("t", "k", "3").Expect("t", "k", "3").Delete("t", "k"))
          .ok());
  EXPECT_EQ(this->Get("t", "k"), std::nullopt);
}

TYPED_TEST(MetadataStoreTest, RejectsEmptyNames) {
  EXPECT_EQ(this->store_->Write(WriteBatch().Put("t", "", "v")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store_->Write(WriteBatch().Put("", "k", "v")).code(),
            absl::StatusCode::kInvalidArgument);
}

TYPED_TEST(MetadataStoreTest, WriteAsyncCompletesOnTheIoThreadInOrder) {
  std::vector<std::pair<int, absl::StatusCode>> completed;
  for (int i = 0; i < 20; ++i) {
    WriteBatch batch;
    // Every fifth batch expects a record that is never there.
    if (i % 5 == 4) batch.Expect("t", "absent", "x");
    batch.Put("t", "k" + std::to_string(i), std::to_string(i));
    this->store_->WriteAsync(std::move(batch), [&completed, i](absl::Status status) {
      completed.emplace_back(i, status.code());
    });
  }
  this->store_->WriteAsync(WriteBatch().Put("t", "", "x"), [&completed](absl::Status status) {
    completed.emplace_back(20, status.code());
  });
  ASSERT_TRUE(this->io_.RunUntil([&] { return completed.size() == 21; }));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(completed[i].first, i);
    EXPECT_EQ(completed[i].second,
              i % 5 == 4 ? absl::StatusCode::kFailedPrecondition : absl::StatusCode::kOk);
    EXPECT_EQ(this->Get("t", "k" + std::to_string(i)),
              i % 5 == 4 ? std::nullopt : std::optional<std::string>(std::to_string(i)));
  }
  EXPECT_EQ(completed[20].second, absl::StatusCode::kInvalidArgument);
}

TEST(SqliteMetadataStore, KeepsWhatWasWrittenAcrossReopen) {
  const fs::path dir = FreshDir("serval-metadata-test-");
  {
    auto store = SqliteStore::Open(dir, {});
    ASSERT_TRUE(store->Write(WriteBatch().Put("t", "k", "v")).ok());
  }
  auto store = SqliteStore::Open(dir, {});
  auto value = store->Get("t", "k");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "v");
  fs::remove_all(dir);
}

TEST(SqliteMetadataStore, MigratesTheTablesOfVersion0) {
  const fs::path dir = FreshDir("serval-metadata-test-");
  {
    auto db = SqliteDb::Open((dir / "metadata.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(
        (*db)
            ->ExecScript(
                "CREATE TABLE lambda_functions (name TEXT PRIMARY KEY, config TEXT NOT NULL);"
                "CREATE TABLE lambda_versions (name TEXT NOT NULL, version INTEGER NOT NULL,"
                "  config TEXT NOT NULL, PRIMARY KEY (name, version));"
                "CREATE TABLE lambda_aliases (name TEXT NOT NULL, alias TEXT NOT NULL,"
                "  config TEXT NOT NULL, PRIMARY KEY (name, alias));"
                "CREATE TABLE events_rules (name TEXT PRIMARY KEY, config TEXT NOT NULL);"
                "INSERT INTO lambda_functions VALUES ('f', '{\"name\":\"f\"}');"
                "INSERT INTO lambda_versions VALUES ('f', 12, '{\"version\":\"12\"}');"
                "INSERT INTO lambda_aliases VALUES ('f', 'live', '{\"name\":\"live\"}');"
                "INSERT INTO events_rules VALUES ('r', '{\"name\":\"r\"}');")
            .ok());
  }
  for (int open = 0; open < 2; ++open) {  // the second open finds version 1: nothing to do
    auto store = SqliteStore::Open(dir, {});
    EXPECT_EQ(*store->Scan("lambda.functions", {}),
              (std::vector<Record>{{"f", "{\"name\":\"f\"}"}}));
    EXPECT_EQ(*store->Scan("lambda.versions", {}),
              (std::vector<Record>{{"f/0000000012", "{\"version\":\"12\"}"}}));
    EXPECT_EQ(*store->Scan("lambda.aliases", {}),
              (std::vector<Record>{{"f/live", "{\"name\":\"live\"}"}}));
    EXPECT_EQ(*store->Scan("events.rules", {}), (std::vector<Record>{{"r", "{\"name\":\"r\"}"}}));
    // Migrated keys are blobs like new ones, so they sort together.
    ASSERT_TRUE(store->Write(WriteBatch().Put("lambda.functions", "e", "{}")).ok());
    EXPECT_EQ(store->Scan("lambda.functions", {})->front().key, "e");
    ASSERT_TRUE(store->Write(WriteBatch().Delete("lambda.functions", "e")).ok());
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace serval::storage
