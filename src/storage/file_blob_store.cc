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
#include "storage/aligned_buffer.h"
#include "storage/file_io.h"

namespace serval::storage {
namespace fs = std::filesystem;
namespace {

constexpr char kTempDir[] = "tmp";

// Blobs this long are written past this point, and read throughout, with direct I/O (see Writer).
constexpr uint64_t kDirectFromBytes = 8 << 20;

bool SetDirect(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) == 0;
}

// A large blob is read with O_DIRECT too: its writer kept all but its first 8 MiB out of the
// page cache, and filling the cache now would cost what skipping it on the way in saved. Each
// read covers the whole blocks around the range, into an aligned scratch buffer, and copies the
// range out. A device that refuses (EINVAL) turns direct reads off for this reader.
class Reader final : public BlobReader {
 public:
  Reader(int fd, uint64_t size, fs::path path)
      : fd_(fd), size_(size), path_(std::move(path)), direct_(size >= kDirectFromBytes) {
    if (direct_) direct_ = SetDirect(fd_, true);
  }
  ~Reader() override { ::close(fd_); }

  uint64_t size() const override { return size_; }
  absl::StatusOr<std::string> Read(uint64_t offset, size_t max_bytes) override {
    if (offset >= size_) return std::string();
    const size_t length = static_cast<size_t>(std::min<uint64_t>(max_bytes, size_ - offset));
    if (direct_) {
      absl::StatusOr<std::string> read = ReadDirect(offset, length);
      if (read.ok() || direct_) return read;
    }
    std::string out(length, '\0');
    auto read = PReadUpTo(fd_, out.data(), out.size(), offset, path_);
    if (!read.ok()) return read.status();
    out.resize(*read);
    return out;
  }

 private:
  absl::StatusOr<std::string> ReadDirect(uint64_t offset, size_t length) {
    const uint64_t start = AlignedBuffer::WholeBlocks(offset);
    const size_t span =
        AlignedBuffer::WholeBlocks(offset + length - start + AlignedBuffer::kAlignment - 1);
    if (scratch_.capacity() < span) scratch_ = AlignedBuffer(span);
    scratch_.Clear();
    ssize_t n;
    do {
      n = ::pread(fd_, scratch_.unfilled(), span, static_cast<off_t>(start));
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EINVAL && SetDirect(fd_, false)) {
      direct_ = false;
      return absl::UnavailableError("direct reads refused");
    }
    if (n < 0) return ErrnoError("cannot read", path_);
    scratch_.Extend(static_cast<size_t>(n));
    if (scratch_.size() < span && start + scratch_.size() < size_) {  // short before the end
      auto more = PReadUpTo(fd_, scratch_.unfilled(), span - scratch_.size(),
                            start + scratch_.size(), path_);
      if (!more.ok()) return more.status();
      scratch_.Extend(*more);
    }
    const std::string_view read =
        scratch_.view().substr(std::min<size_t>(offset - start, scratch_.size()));
    return std::string(read.substr(0, length));
  }

  const int fd_;
  const uint64_t size_;
  const fs::path path_;
  bool direct_;
  AlignedBuffer scratch_;
};

}  // namespace

// Writes through the page cache until the blob is kDirectFromBytes long, then with O_DIRECT:
// a large blob neither evicts what the cache holds nor leaves a gigabyte of dirty pages for the
// final fsync, and its bytes are not copied into the cache first (on this project's VMs that
// copy cost several times the disk's own time). Whole blocks go straight from the caller's
// memory when it is aligned (storage::AlignedBuffer), through a staging buffer otherwise; the
// unaligned tail is written through the cache again at Commit. A filesystem or device that
// refuses direct I/O keeps the page cache throughout.
class FileBlobStore::Writer final : public BlobWriter {
 public:
  Writer(int fd, fs::path temp, fs::path target)
      : fd_(fd), temp_(std::move(temp)), target_(std::move(target)) {}
  ~Writer() override { Abort(); }

  absl::Status Append(std::string_view chunk) override {
    if (fd_ < 0) return WriterFinishedError();
    if (!direct_) StartDirectIfDue();
    if (!direct_) {
      // Bytes staged before the device refused direct writes come first.
      if (auto status = Write(staging_.view()); !status.ok()) return status;
      staging_.Clear();
      return Write(chunk);
    }
    if (staging_.size() == 0 && AlignedBuffer::IsAligned(chunk.data())) {
      const size_t blocks = AlignedBuffer::WholeBlocks(chunk.size());
      if (auto status = Write(chunk.substr(0, blocks)); !status.ok()) return status;
      chunk.remove_prefix(blocks);
    }
    while (!chunk.empty()) {
      if (staging_.capacity() == 0) staging_ = AlignedBuffer(kStagingBytes);
      chunk.remove_prefix(staging_.Fill(chunk));
      if (!staging_.full()) break;
      if (auto status = Write(staging_.view()); !status.ok()) return status;
      staging_.Clear();
    }
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (fd_ < 0) return WriterFinishedError();
    absl::Status status = FlushStaged();
    if (status.ok() && ::fsync(fd_) != 0) status = ErrnoError("cannot sync", temp_);
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
  static constexpr size_t kStagingBytes = 1 << 20;

  // Direct I/O starts on a block boundary of the file, once the blob is large enough.
  void StartDirectIfDue() {
    if (direct_refused_ || size_ < kDirectFromBytes || size_ % AlignedBuffer::kAlignment != 0) {
      return;
    }
    direct_ = SetDirect(fd_, true);
    direct_refused_ = !direct_;
  }

  // Writes at the end of the blob. A direct write the device refuses (its blocks are larger than
  // AlignedBuffer's alignment: EINVAL) goes through the page cache, and so does everything after
  // it (Append writes what is staged first).
  absl::Status Write(std::string_view bytes) {
    if (bytes.empty()) return absl::OkStatus();
    if (direct_) {
      const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
      if (n < 0 && errno == EINVAL && SetDirect(fd_, false)) {
        direct_ = false;
        direct_refused_ = true;
      } else if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        size_ += static_cast<uint64_t>(n);
      }  // other failures: PWriteAll retries them and reports what stays
    }
    absl::Status status = PWriteAll(fd_, bytes, size_, temp_);
    if (status.ok()) size_ += bytes.size();
    return status;
  }

  // Before the final sync: the staged whole blocks directly, then the tail through the cache.
  absl::Status FlushStaged() {
    if (staging_.size() == 0) return absl::OkStatus();
    const size_t blocks = AlignedBuffer::WholeBlocks(staging_.size());
    if (auto status = Write(staging_.view().substr(0, blocks)); !status.ok()) return status;
    staging_.DropFront(blocks);
    if (direct_ && staging_.size() > 0) {
      if (!SetDirect(fd_, false)) return ErrnoError("cannot end direct writes to", temp_);
      direct_ = false;
    }
    absl::Status status = Write(staging_.view());
    staging_.Clear();
    return status;
  }

  int fd_;
  fs::path temp_;
  const fs::path target_;
  uint64_t size_ = 0;
  bool direct_ = false;
  bool direct_refused_ = false;
  AlignedBuffer staging_;
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
