#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::storage {

// POSIX file I/O that retries EINTR and reports failures as absl::Status naming the file.
// Thread-safe.

// An internal error "<what> <path>: <strerror(errno)>", for the errno a call just set.
absl::Status ErrnoError(std::string_view what, const std::filesystem::path& path);

// Writes all of `data` at `offset` of `fd` (the file at `path`).
absl::Status PWriteAll(int fd, std::string_view data, uint64_t offset,
                       const std::filesystem::path& path);

// Reads up to `size` bytes at `offset`; fewer only at end of file.
absl::StatusOr<size_t> PReadUpTo(int fd, char* out, size_t size, uint64_t offset,
                                 const std::filesystem::path& path);

// fsync()s the file or directory at `path` (a directory: so that entries created, renamed or
// removed in it are durable).
absl::Status SyncPath(const std::filesystem::path& path);

}  // namespace serval::storage
