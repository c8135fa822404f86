#include "storage/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace serval::storage {

absl::Status ErrnoError(std::string_view what, const std::filesystem::path& path) {
  return absl::InternalError(std::string(what) + " " + path.string() + ": " + strerror(errno));
}

absl::Status PWriteAll(int fd, std::string_view data, uint64_t offset,
                       const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> PReadUpTo(int fd, char* out, size_t size, uint64_t offset,
                                 const std::filesystem::path& path) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

absl::Status SyncPath(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return ErrnoError("cannot open", path);
  const int result = ::fsync(fd);
  ::close(fd);
  return result == 0 ? absl::OkStatus() : ErrnoError("cannot sync", path);
}

}  // namespace serval::storage
