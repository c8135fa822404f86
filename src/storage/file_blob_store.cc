#include "storage/file_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "absl/strings/escaping.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "storage/file_io.h"

namespace serval::storage {
namespace fs = std::filesystem;
namespace {

constexpr char kTempDir[] = "tmp";

class Reader final : public BlobReader {
 public:
  Reader(int fd, uint64_t size, fs::path path) : fd_(fd), size_(size), path_(std::move(path)) {}
  ~Reader() override { ::close(fd_); }

  uint64_t size() const override { return size_; }
  absl::StatusOr<std::string> Read(uint64_t offset, size_t max_bytes) override {
    if (offset >= size_) return std::string();
    std::string out(std::min<uint64_t>(max_bytes, size_ - offset), '\0');
    auto read = PReadUpTo(fd_, out.data(), out.size(), offset, path_);
    if (!read.ok()) return read.status();
    out.resize(*read);
    return out;
  }

 private:
  const int fd_;
  const uint64_t size_;
  const fs::path path_;
};

}  // namespace

class FileBlobStore::Writer final : public BlobWriter {
 public:
  Writer(int fd, fs::path temp, fs::path target)
      : fd_(fd), temp_(std::move(temp)), target_(std::move(target)) {}
  ~Writer() override { Abort(); }

  absl::Status Append(std::string_view chunk) override {
    if (fd_ < 0) return WriterFinishedError();
    if (auto status = PWriteAll(fd_, chunk, size_, temp_); !status.ok()) return status;
    size_ += chunk.size();
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (fd_ < 0) return WriterFinishedError();
    absl::Status status = ::fsync(fd_) == 0 ? absl::OkStatus() : ErrnoError("cannot sync", temp_);
    // The blob's directory is made on first use; its own entry must be durable before the blob's.
    std::error_code error;
    const fs::path dir = target_.parent_path();
    if (status.ok() && fs::create_directory(dir, error)) status = SyncPath(dir.parent_path());
    if (status.ok() && error) status = absl::InternalError("cannot create " + dir.string());
    if (status.ok() && ::rename(temp_.c_str(), target_.c_str()) != 0) {
      status = ErrnoError("cannot rename to", target_);
    }
    if (status.ok()) status = SyncPath(dir);
    if (status.ok()) temp_.clear();  // renamed: nothing for Abort to remove
    Abort();
    return status;
  }

  void Abort() override {
    if (fd_ < 0) return;
    ::close(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

 private:
  int fd_;
  fs::path temp_;
  const fs::path target_;
  uint64_t size_ = 0;
};

absl::StatusOr<std::unique_ptr<FileBlobStore>> FileBlobStore::Open(fs::path root) {
  std::error_code error;
  fs::create_directories(root / kTempDir, error);
  if (!error) fs::remove_all(root / kTempDir, error);
  if (!error) fs::create_directory(root / kTempDir, error);
  if (error) return absl::InternalError("cannot prepare " + root.string() + ": " + error.message());
  return std::unique_ptr<FileBlobStore>(new FileBlobStore(std::move(root)));
}

// A blob's file is named after its key in hex, so that ListKeys can give the keys back; the
// directory above it is picked by the key's hash, spreading keys that share a prefix.
fs::path FileBlobStore::PathOf(std::string_view key) const {
  return root_ / absl::BytesToHexString(Sha256(key)).substr(0, 2) /
         absl::BytesToHexString(absl::string_view(key.data(), key.size()));
}

absl::StatusOr<std::unique_ptr<BlobWriter>> FileBlobStore::NewWriter(std::string_view key) {
  if (auto status = CheckBlobKey(key); !status.ok()) return status;
  fs::path temp = root_ / kTempDir / RandomHex(16);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", temp);
  return std::make_unique<Writer>(fd, std::move(temp), PathOf(key));
}

absl::StatusOr<std::unique_ptr<BlobReader>> FileBlobStore::NewReader(std::string_view key) const {
  if (auto status = CheckBlobKey(key); !status.ok()) return status;
  fs::path path = PathOf(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return BlobNotFoundError();
  if (fd < 0) return ErrnoError("cannot open", path);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    auto status = ErrnoError("cannot stat", path);
    ::close(fd);
    return status;
  }
  return std::make_unique<Reader>(fd, static_cast<uint64_t>(info.st_size), std::move(path));
}

absl::StatusOr<std::vector<std::string>> FileBlobStore::ListKeys(std::string_view prefix) const {
  std::vector<std::string> keys;
  std::error_code error;
  for (const fs::directory_entry& shard : fs::directory_iterator(root_, error)) {
    if (shard.path().filename() == kTempDir || !shard.is_directory()) continue;
    for (const fs::directory_entry& file : fs::directory_iterator(shard.path(), error)) {
      std::string key = absl::HexStringToBytes(file.path().filename().string());
      if (key.starts_with(prefix)) keys.push_back(std::move(key));
    }
    if (error) break;
  }
  if (error) return absl::InternalError("cannot list " + root_.string() + ": " + error.message());
  return keys;
}

absl::Status FileBlobStore::Remove(std::string_view key) {
  if (auto status = CheckBlobKey(key); !status.ok()) return status;
  const fs::path path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    return errno == ENOENT ? BlobNotFoundError() : ErrnoError("cannot remove", path);
  }
  return SyncPath(path.parent_path());
}

}  // namespace serval::storage
