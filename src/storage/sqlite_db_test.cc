#include "storage/sqlite_db.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/ids.h"

namespace serval::storage {
namespace {

TEST(SqliteDb, PersistsAcrossReopen) {
  const auto path = std::filesystem::temp_directory_path() / ("serval-db-" + RandomHex(8));
  {
    auto db = SqliteDb::Open(path.string());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->ExecScript("CREATE TABLE t(k TEXT PRIMARY KEY, v BLOB);").ok());
    ASSERT_TRUE((*db)->Run("INSERT INTO t VALUES(?1, ?2)", {"a", std::string("x\0y", 3)}).ok());
  }
  auto db = SqliteDb::Open(path.string());
  ASSERT_TRUE(db.ok());
  std::vector<SqliteDb::Row> rows;
  ASSERT_TRUE(
      (*db)
          ->Run("SELECT k, v FROM t", {}, [&](const SqliteDb::Row& r) { rows.push_back(r); })
          .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1], std::string("x\0y", 3));
  EXPECT_FALSE((*db)->Run("SELECT nope FROM t").ok());
}

}  // namespace
}  // namespace serval::storage
