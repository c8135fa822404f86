#include "services/lambda/code_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
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

// Overwrites a 32-bit little-endian field of the first entry in both its local header (at
// `local_offset`) and its central directory record (at `central_offset`), so the zip stays
// self-consistent while it lies.
void PatchFirstEntry(std::string& zip, size_t local_offset, size_t central_offset, uint32_t value) {
  const size_t local = zip.find("PK\x03\x04");
  const size_t central = zip.find("PK\x01\x02");
  ASSERT_NE(local, std::string::npos);
  ASSERT_NE(central, std::string::npos);
  for (size_t at : {local + local_offset, central + central_offset}) {
    for (int i = 0; i < 4; ++i) zip[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}
constexpr size_t kLocalCrc = 14, kCentralCrc = 16;
constexpr size_t kLocalSize = 22, kCentralSize = 24;  // uncompressed size

ZipEntry Link(std::string name, std::string target) {
  return {std::move(name), std::move(target), S_IFLNK | 0777};
}
ZipEntry Directory(std::string name) { return {std::move(name), "", S_IFDIR | 0755}; }

class CodeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.Open().ok()); }
  void TearDown() override {
    // Installed trees are read-only.
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_directory() && !entry.is_symlink()) {
        fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add);
      }
    }
    fs::remove_all(root_);
  }

  // What a code upload does: unpack (on the worker) and install.
  absl::StatusOr<CodeStore::StoredCode> Store(std::string_view zip) {
    auto staged = store_.Unpack(zip);
    if (!staged.ok()) return staged.status();
    return store_.Install(*std::move(staged));
  }

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
  auto stored = Store(zip);
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
  EXPECT_TRUE(Store(zip).ok());
  store_.Remove(stored->id);
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(CodeStoreTest, RejectsNonZip) {
  for (const char* bytes : {"this is not a zip file", ""}) {
    auto stored = Store(bytes);
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
    auto stored = Store(MakeZip(entries));
    ASSERT_FALSE(stored.ok()) << entries.back().name;
    EXPECT_EQ(AwsErrorCode(stored.status()), "InvalidParameterValueException");
    EXPECT_TRUE(StoreIsEmpty()) << entries.back().name;
  }
}

TEST_F(CodeStoreTest, RejectsEntriesThatDoNotInflateToWhatTheyDeclare) {
  struct Case {
    const char* lie;
    std::string data;
    size_t local_offset, central_offset;
    uint32_t value;
  };
  for (const Case& c : {
           // 8 MiB that deflate to a few KiB, declared as 1,000 bytes: cut off at byte 1,001.
           Case{"larger", std::string(8 << 20, 'a'), kLocalSize, kCentralSize, 1000},
           Case{"shorter", std::string(4096, 'a'), kLocalSize, kCentralSize, 5000},
           Case{"crc", "def handler(event, context):\n  return 1\n", kLocalCrc, kCentralCrc,
                0x12345678},
       }) {
    std::string zip = MakeZip({{"entry", c.data}});
    PatchFirstEntry(zip, c.local_offset, c.central_offset, c.value);
    auto stored = Store(zip);
    ASSERT_FALSE(stored.ok()) << c.lie;
    EXPECT_EQ(AwsErrorCode(stored.status()), "InvalidParameterValueException");
    EXPECT_TRUE(absl::StartsWith(stored.status().message(), "Could not unzip uploaded file."))
        << stored.status();
    EXPECT_TRUE(StoreIsEmpty()) << c.lie;
  }
}

TEST_F(CodeStoreTest, RejectsDeclaredSizesOverTheLimit) {
  std::string zip = MakeZip({{"big.bin", std::string(4096, 'a')}});
  PatchFirstEntry(zip, kLocalSize, kCentralSize, kMaxUnzippedBytes + 1);
  auto stored = Store(zip);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().message(), "Unzipped size must be smaller than 262144000 bytes");
  EXPECT_TRUE(StoreIsEmpty());
}

TEST_F(CodeStoreTest, RejectsLinksThatEscapeThroughOtherLinks) {
  const std::vector<ZipEntry> deep = {Directory("a/b/c/d/"), Link("a/b/c/d/x", "../../../..")};
  auto with = [&](std::vector<ZipEntry> more) {
    std::vector<ZipEntry> entries = deep;
    entries.insert(entries.end(), more.begin(), more.end());
    return entries;
  };
  for (const auto& entries : std::vector<std::vector<ZipEntry>>{
           // Each text stays inside; followed, "esc" is four levels above the package.
           with({Link("esc", "a/b/c/d/x/../../../..")}),
           // "up" is the store's root; a link made through it would land outside the package.
           with({Link("up", "a/b/c/d/x/.."), Link("up/planted", "anything")}),
           // Dangling when made; the later "a/b/q" completes a path out of the package.
           {Directory("a/b/"), Link("p", "a/b/q/../../.."), Link("a/b/q", "../..")},
           // A loop never resolves; refused rather than handed to the kernel.
           {Link("loop1", "loop2"), Link("loop2", "loop1/x")},
       }) {
    auto stored = Store(MakeZip(entries));
    ASSERT_FALSE(stored.ok()) << entries.back().name;
    EXPECT_EQ(AwsErrorCode(stored.status()), "InvalidParameterValueException");
    EXPECT_TRUE(StoreIsEmpty()) << entries.back().name;
  }
}

TEST_F(CodeStoreTest, KeepsLinksThatStayInside) {
  auto stored = Store(MakeZip({{"lib/libx.so.1.2", "ELF"},
                               Link("lib/libx.so.1", "libx.so.1.2"),
                               Link("lib/libx.so", "libx.so.1"),
                               {"versions/1/handler.py", "x = 1\n"},
                               Link("current", "versions/1"),
                               Link("handler.py", "current/handler.py"),
                               Link("missing", "not/there")}));
  ASSERT_TRUE(stored.ok()) << stored.status();
  const fs::path dir = store_.CodeDir(stored->id);
  std::ifstream library(dir / "lib/libx.so");
  std::string contents;
  library >> contents;
  EXPECT_EQ(contents, "ELF");
  EXPECT_TRUE(fs::exists(dir / "handler.py"));
  EXPECT_TRUE(fs::exists(store_.ZipPath(stored->id)));
}

TEST_F(CodeStoreTest, OpenRemovesStagingLeftovers) {
  auto stored = Store(MakeZip({{"keep.py", "1"}}));
  ASSERT_TRUE(stored.ok()) << stored.status();
  // What a kill -9 mid-unpack leaves: a staging tree (sealed read-only) and a staging zip.
  const fs::path staging = root_ / ".staging-0123456789abcdef";
  fs::create_directories(staging / "sub");
  std::ofstream(staging / "sub/file") << "partial";
  std::ofstream(root_ / ".staging-0123456789abcdef.zip") << "PK";
  fs::permissions(staging, fs::perms(0555));
  ASSERT_TRUE(CodeStore(root_).Open().ok());
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(root_)) {
    left.push_back(entry.path().filename().string());
  }
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{stored->id, stored->id + ".zip"}));
}

TEST_F(CodeStoreTest, RejectsAZipLargerThanAnyUnzippedPackage) {
  auto stored = Store(std::string(kMaxUnzippedBytes + 1, 'x'));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(AwsErrorCode(stored.status()), "InvalidParameterValueException");
  EXPECT_EQ(stored.status().message(), "Unzipped size must be smaller than 262144000 bytes");
}

}  // namespace
}  // namespace serval::lambda
