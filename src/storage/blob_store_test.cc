#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/ids.h"
#include "storage/aligned_buffer.h"
#include "storage/file_blob_store.h"
#include "storage/memory_blob_store.h"
#include "storage/test_util.h"

namespace serval::storage {
namespace {

namespace fs = std::filesystem;

struct FileStore {
  static std::unique_ptr<BlobStore> Open(const fs::path& dir) {
    auto store = FileBlobStore::Open(dir);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
};

struct MemoryStore {
  static std::unique_ptr<BlobStore> Open(const fs::path&) {
    return std::make_unique<MemoryBlobStore>();
  }
};

// One suite for every implementation, so the fake cannot drift from the real store.
template <typename Impl>
class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Impl::Open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  absl::Status Put(std::string_view key, const std::vector<std::string>& chunks) {
    auto writer = store_->NewWriter(key);
    if (!writer.ok()) return writer.status();
    for (const std::string& chunk : chunks) {
      if (auto status = (*writer)->Append(chunk); !status.ok()) return status;
    }
    return (*writer)->Commit();
  }
  // The whole blob, read in `step`-byte ranges; the error's message if there is none.
  std::string ReadAll(std::string_view key, size_t step = 3) {
    auto reader = store_->NewReader(key);
    if (!reader.ok()) return reader.status().ToString();
    std::string out;
    while (out.size() < (*reader)->size()) {
      auto chunk = (*reader)->Read(out.size(), step);
      if (!chunk.ok() || chunk->empty()) return "short read";
      out += *chunk;
    }
    return out;
  }

  const fs::path dir_ = FreshDir("serval-blob-test-");
  std::unique_ptr<BlobStore> store_;
};

using Implementations = ::testing::Types<FileStore, MemoryStore>;
TYPED_TEST_SUITE(BlobStoreTest, Implementations);

TYPED_TEST(BlobStoreTest, WritesInChunksAndReadsByRange) {
  const std::string key = "bucket/a key/with ünïcode?&%";
  ASSERT_TRUE(this->Put(key, {"hello ", std::string("\0\xff", 2), "", "world"}).ok());
  EXPECT_EQ(this->ReadAll(key), std::string("hello \0\xffworld", 13));
  auto reader = this->store_->NewReader(key);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 13u);
  EXPECT_EQ(*(*reader)->Read(8, 3), "wor");
  EXPECT_EQ(*(*reader)->Read(10, 100), "rld");
  EXPECT_EQ(*(*reader)->Read(13, 1), "");
  EXPECT_EQ(*(*reader)->Read(1000, 1), "");
  ASSERT_TRUE(this->Put("empty", {}).ok());
  EXPECT_EQ(this->ReadAll("empty"), "");
}

TYPED_TEST(BlobStoreTest, NothingIsVisibleBeforeCommitAndAbortKeepsTheOldBlob) {
  ASSERT_TRUE(this->Put("k", {"old"}).ok());
  {
    auto writer = this->store_->NewWriter("k");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("new").ok());
    EXPECT_EQ(this->ReadAll("k"), "old");
    (*writer)->Abort();
    EXPECT_EQ((*writer)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ((*writer)->Commit().code(), absl::StatusCode::kFailedPrecondition);
  }
  {
    auto writer = this->store_->NewWriter("fresh");
    ASSERT_TRUE((*writer)->Append("abandoned").ok());
  }  // destroyed uncommitted: aborted
  EXPECT_EQ(this->ReadAll("k"), "old");
  EXPECT_EQ(this->store_->NewReader("fresh").status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(BlobStoreTest, AnOpenReaderKeepsItsBytesThroughReplaceAndRemove) {
  ASSERT_TRUE(this->Put("k", {"first"}).ok());
  auto reader = this->store_->NewReader("k");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(this->Put("k", {"second!"}).ok());
  EXPECT_EQ(this->ReadAll("k"), "second!");
  EXPECT_EQ(*(*reader)->Read(0, 100), "first");
  ASSERT_TRUE(this->store_->Remove("k").ok());
  EXPECT_EQ(*(*reader)->Read(0, 100), "first");
  EXPECT_EQ(this->store_->NewReader("k").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(this->store_->Remove("k").code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(BlobStoreTest, ListsCommittedKeysByPrefix) {
  ASSERT_TRUE(this->Put("s3/a", {"1"}).ok());
  ASSERT_TRUE(this->Put("s3/b\xff", {"2"}).ok());
  ASSERT_TRUE(this->Put("code/c", {"3"}).ok());
  auto uncommitted = this->store_->NewWriter("s3/pending");
  ASSERT_TRUE(uncommitted.ok());
  ASSERT_TRUE((*uncommitted)->Append("x").ok());
  auto keys = this->store_->ListKeys("s3/");
  ASSERT_TRUE(keys.ok());
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys, (std::vector<std::string>{"s3/a", "s3/b\xff"}));
  ASSERT_TRUE(this->store_->Remove("s3/a").ok());
  EXPECT_EQ(this->store_->ListKeys("s3/")->size(), 1u);
}

TYPED_TEST(BlobStoreTest, RejectsBadKeys) {
  for (const std::string& key : {std::string(), std::string(BlobStore::kMaxKeyBytes + 1, 'k')}) {
    EXPECT_EQ(this->store_->NewWriter(key).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(this->store_->NewReader(key).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(this->store_->Remove(key).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(this->Put(std::string(BlobStore::kMaxKeyBytes, 'k'), {"x"}).ok());
}

// Past 8 MiB FileBlobStore writes directly (O_DIRECT): straight from aligned memory, staged
// otherwise, the unaligned tail through the page cache. Every mix must read back exactly.
TYPED_TEST(BlobStoreTest, ALargeBlobFromAlignedAndUnalignedPiecesReadsBackExactly) {
  std::string expected;
  auto writer = this->store_->NewWriter("large");
  ASSERT_TRUE(writer.ok());
  auto append = [&](std::string_view bytes) {
    expected.append(bytes);
    ASSERT_TRUE((*writer)->Append(bytes).ok());
  };
  auto pattern = [&](size_t size) {
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i)
      bytes[i] = static_cast<char>((expected.size() + i) * 131 % 251);
    return bytes;
  };
  auto aligned = [&](size_t size) {
    AlignedBuffer buffer(size);
    buffer.Fill(pattern(size));
    return buffer;
  };
  append(pattern(3 << 20));                                     // through the page cache
  for (int i = 0; i < 6; ++i) append(aligned(1 << 20).view());  // crosses 8 MiB: direct
  append(pattern(100'001));                                     // staged
  for (int i = 0; i < 3; ++i) append(pattern(1));
  append(aligned(2 << 20).view());  // aligned memory, but bytes are staged: staged again
  append(pattern(4096 * 3 + 17));   // an unaligned tail
  ASSERT_TRUE((*writer)->Commit().ok());
  for (size_t step : {size_t{1} << 20, size_t{100'003}}) {  // reads aligned and not
    const std::string read = this->ReadAll("large", step);
    ASSERT_EQ(read.size(), expected.size()) << step;
    EXPECT_TRUE(read == expected) << "bytes differ, reading by " << step;
  }
}

// tmpfs takes O_DIRECT only on recent kernels; either way the blob comes back whole.
TEST(FileBlobStore, WritesLargeBlobsOnTmpfs) {
  if (!fs::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm";
  const fs::path dir = fs::path("/dev/shm") / ("serval-blob-test-" + RandomHex(8));
  auto store = FileStore::Open(dir);
  ASSERT_NE(store, nullptr);
  auto writer = store->NewWriter("k");
  AlignedBuffer piece(1 << 20);
  piece.Fill(std::string(1 << 20, 'x'));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*writer)->Append(piece.view()).ok());
  ASSERT_TRUE((*writer)->Append("tail").ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  auto reader = store->NewReader("k");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), (10u << 20) + 4);
  EXPECT_EQ(*(*reader)->Read((10u << 20) - 2, 10), "xxtail");
  fs::remove_all(dir);
}

TEST(FileBlobStore, KeepsBlobsAcrossReopenAndDropsLeftoverTempFiles) {
  const fs::path dir = FreshDir("serval-blob-test-");
  {
    auto store = FileStore::Open(dir);
    auto writer = store->NewWriter("k");
    ASSERT_TRUE((*writer)->Append("durable").ok());
    ASSERT_TRUE((*writer)->Commit().ok());
    std::ofstream(dir / "tmp" / "0123456789abcdef") << "a crash left this";
  }
  EXPECT_FALSE(fs::is_empty(dir / "tmp"));
  auto store = FileStore::Open(dir);
  EXPECT_TRUE(fs::is_empty(dir / "tmp"));
  auto reader = store->NewReader("k");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*reader)->Read(0, 100), "durable");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace serval::storage
