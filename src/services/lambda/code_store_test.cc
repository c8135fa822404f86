#include "services/lambda/code_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/aws_error.h"
#include "common/ids.h"

namespace serval::lambda {
namespace {

namespace fs = std::filesystem;

struct ZipEntry {
  std::string name;
  std::string data;
  mode_t mode = S_IFREG | 0644;
};

// Builds a zip in memory with libzip (through a temporary file).
std::string MakeZip(const std::vector<ZipEntry>& entries) {
  const fs::path path = fs::temp_directory_path() / ("serval-zip-" + RandomHex(8) + ".zip");
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  for (const auto& entry : entries) {
    zip_source_t* source = zip_source_buffer(archive, entry.data.data(), entry.data.size(), 0);
    const zip_int64_t index = zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    EXPECT_GE(index, 0);
    zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX,
                                     static_cast<zip_uint32_t>(entry.mode) << 16);
  }
  EXPECT_EQ(zip_close(archive), 0);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  fs::remove(path);
  return bytes.str();
}

class CodeStoreTest : public ::testing::Test {
 protected:
  fs::path root_ = fs::temp_directory_path() / ("serval-code-" + RandomHex(8));
  CodeStore store_{root_};

  // Nothing but the (possibly absent) root itself: no staging leftovers, no partial installs.
  bool StoreIsEmpty() {
    std::error_code ec;
    return !fs::exists(root_) || fs::is_empty(root_, ec);
  }
};

TEST_F(CodeStoreTest, UnpacksFilesWithModesAndReportsDigest) {
  const std::string zip = MakeZip({{"bootstrap", "#!/bin/sh\n", S_IFREG | 0755},
                                   {"lib/helper.py", "x = 1\n"},
                                   {"lib/link.py", "helper.py", S_IFLNK | 0777}});
  auto stored = store_.Store(zip);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->size, static_cast<int64_t>(zip.size()));
  EXPECT_EQ(stored->sha256.size(), 44u);
  const fs::path dir = store_.CodeDir(stored->id);
  EXPECT_TRUE(fs::exists(dir / "lib/helper.py"));
  EXPECT_TRUE(fs::is_symlink(dir / "lib/link.py"));
  struct stat info;
  ASSERT_EQ(stat((dir / "bootstrap").c_str(), &info), 0);
  EXPECT_TRUE(info.st_mode & S_IXUSR);
  EXPECT_FALSE(info.st_mode & S_IWUSR);
  // The same package again is not unpacked twice, and removal cleans up read-only trees.
  EXPECT_TRUE(store_.Store(zip).ok());
  store_.Remove(stored->id);
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(CodeStoreTest, RejectsNonZip) {
  for (const char* bytes : {"this is not a zip file", ""}) {
    auto stored = store_.Store(bytes);
    ASSERT_FALSE(stored.ok()) << bytes;
    EXPECT_EQ(AwsErrorCode(stored.status()), "InvalidParameterValueException");
    EXPECT_TRUE(StoreIsEmpty());
  }
}

TEST_F(CodeStoreTest, RejectsEscapingPaths) {
  for (const auto& entries : std::vector<std::vector<ZipEntry>>{
           {{"ok.py", "1"}, {"../evil", "x"}},
           {{"/etc/evil", "x"}},
           {{"a/../../evil", "x"}},
           {{"link", "../../etc/passwd", S_IFLNK | 0777}},
           {{"sub/link", "/etc", S_IFLNK | 0777}},
       }) {
    auto stored = store_.Store(MakeZip(entries));
    ASSERT_FALSE(stored.ok()) << entries.back().name;
    EXPECT_EQ(AwsErrorCode(stored.status()), "InvalidParameterValueException");
    EXPECT_TRUE(StoreIsEmpty()) << entries.back().name;
  }
}

TEST_F(CodeStoreTest, RejectsOversizedZip) {
  auto stored = store_.Store(std::string(kMaxZipBytes + 1, 'x'));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(AwsErrorCode(stored.status()), "RequestEntityTooLargeException");
}

}  // namespace
}  // namespace serval::lambda
