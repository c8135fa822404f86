#include "services/lambda/code_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "common/crypto.h"
#include "common/ids.h"
#include "services/lambda/errors.h"

namespace serval::lambda {
namespace {

namespace fs = std::filesystem;

constexpr zip_int64_t kMaxEntries = 100000;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

absl::Status BadZip(std::string_view detail) {
  return InvalidParameter(
      "Could not unzip uploaded file. Please check your file, then try to "
      "upload again. (" +
      std::string(detail) + ")");
}

// Normalizes a relative path lexically; fails if it is absolute or climbs out of its root.
bool StaysInside(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  int depth = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (--depth < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    start = end + 1;
  }
  return true;
}

struct Entry {
  zip_uint64_t index;
  std::string name;
  enum class Kind { kFile, kDirectory, kSymlink } kind;
  mode_t mode;
  zip_uint64_t size;
};

using ZipHandle = std::unique_ptr<zip_t, decltype(&zip_discard)>;

absl::StatusOr<std::string> ReadEntry(zip_t* archive, const Entry& entry) {
  std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive, entry.index, 0),
                                                          zip_fclose);
  if (!file) return BadZip("cannot read " + entry.name);
  std::string data;
  char buffer[65536];
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), buffer, sizeof(buffer));
    if (n < 0) return BadZip("corrupt entry " + entry.name);
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > kMaxUnzippedBytes) {
      return InvalidParameter("Unzipped size must be smaller than 262144000 bytes");
    }
  }
  return data;
}

absl::StatusOr<std::vector<Entry>> ListEntries(zip_t* archive) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0 || count > kMaxEntries) return BadZip("too many entries");
  std::vector<Entry> entries;
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive, i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME)) {
      return BadZip("unreadable entry");
    }
    Entry entry{.index = static_cast<zip_uint64_t>(i),
                .name = stat.name,
                .kind = Entry::Kind::kFile,
                .mode = 0644,
                .size = stat.size};
    if (entry.name.find('\0') != std::string::npos || !StaysInside(entry.name)) {
      return InvalidParameter("Could not unzip uploaded file: entry '" + entry.name +
                              "' has an absolute path or leaves the package directory");
    }
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(archive, i, 0, &opsys, &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX && (attributes >> 16) != 0) {
      const mode_t mode = attributes >> 16;
      entry.mode = mode & 07777;
      if (S_ISLNK(mode)) entry.kind = Entry::Kind::kSymlink;
      if (S_ISDIR(mode)) entry.kind = Entry::Kind::kDirectory;
    }
    if (entry.name.back() == '/') entry.kind = Entry::Kind::kDirectory;
    total += entry.size;
    if (total > kMaxUnzippedBytes) {
      return InvalidParameter("Unzipped size must be smaller than 262144000 bytes");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::Status WriteFile(const fs::path& path, const std::string& data, mode_t mode) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  // O_NOFOLLOW|O_EXCL: never write through a link or over an earlier entry of the same name.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return BadZip("cannot create " + path.filename().string() + ": " + strerror(errno));
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) {
      ::close(fd);
      return absl::InternalError("cannot write code: " + std::string(strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  // Everyone may read and (where the zip says so) execute; nobody writes.
  ::fchmod(fd, (mode | 0444) & 0555);
  ::close(fd);
  return absl::OkStatus();
}

absl::Status Extract(zip_t* archive, const std::vector<Entry>& entries, const fs::path& into) {
  // Symlinks last, so no file is ever written through one.
  for (const Entry& entry : entries) {
    const fs::path target = into / entry.name;
    if (entry.kind == Entry::Kind::kDirectory) {
      std::error_code ec;
      fs::create_directories(target, ec);
      if (ec) return BadZip("cannot create directory " + entry.name);
      continue;
    }
    if (entry.kind != Entry::Kind::kFile) continue;
    auto data = ReadEntry(archive, entry);
    if (!data.ok()) return data.status();
    if (auto status = WriteFile(target, *data, entry.mode); !status.ok()) return status;
  }
  for (const Entry& entry : entries) {
    if (entry.kind != Entry::Kind::kSymlink) continue;
    auto link_target = ReadEntry(archive, entry);
    if (!link_target.ok()) return link_target.status();
    // The target is resolved relative to the link's own directory.
    const std::string parent = fs::path(entry.name).parent_path().string();
    const std::string resolved = parent.empty() ? *link_target : parent + "/" + *link_target;
    if (link_target->empty() || link_target->front() == '/' || !StaysInside(resolved)) {
      return InvalidParameter("Could not unzip uploaded file: symlink '" + entry.name +
                              "' points outside the package directory");
    }
    std::error_code ec;
    fs::create_directories((into / entry.name).parent_path(), ec);
    if (::symlink(link_target->c_str(), (into / entry.name).c_str()) != 0) {
      return BadZip("cannot create symlink " + entry.name);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CodeStore::StoredCode> CodeStore::Store(std::string_view zip_bytes) {
  if (zip_bytes.size() > kMaxZipBytes) {
    return RequestTooLarge("Zipped size must be smaller than 52428800 bytes");
  }
  if (zip_bytes.empty()) return BadZip("the file is empty");
  const std::string digest = Sha256(zip_bytes);
  StoredCode code{.id = Hex(digest),
                  .sha256 = Base64Encode(digest),
                  .size = static_cast<int64_t>(zip_bytes.size())};
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
  if (!source) return BadZip("cannot read buffer");
  ZipHandle archive(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error), zip_discard);
  if (!archive) {
    zip_source_free(source);
    std::string detail = zip_error_strerror(&error);
    zip_error_fini(&error);
    return BadZip(detail);
  }
  zip_error_fini(&error);
  auto entries = ListEntries(archive.get());
  if (!entries.ok()) return entries.status();

  const fs::path final_dir = CodeDir(code.id);
  std::error_code ec;
  if (fs::exists(final_dir, ec)) return code;  // this exact package is already unpacked
  fs::create_directories(root_, ec);
  const fs::path staging = root_ / (".staging-" + RandomHex(8));
  fs::create_directories(staging, ec);
  if (ec) return absl::InternalError("cannot create " + staging.string());
  auto status = Extract(archive.get(), *entries, staging);
  if (status.ok()) {
    std::ofstream zip_file(ZipPath(code.id), std::ios::binary);
    zip_file.write(zip_bytes.data(), static_cast<std::streamsize>(zip_bytes.size()));
    if (!zip_file) status = absl::InternalError("cannot store the zip");
  }
  if (status.ok()) {
    fs::permissions(staging, fs::perms(0555), ec);
    fs::rename(staging, final_dir, ec);
    if (ec) status = absl::InternalError("cannot install code: " + ec.message());
  }
  if (!status.ok()) {
    fs::permissions(staging, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(staging, ec);
    fs::remove(ZipPath(code.id), ec);
    return status;
  }
  return code;
}

void CodeStore::Remove(std::string_view id) {
  std::error_code ec;
  const fs::path dir = CodeDir(id);
  // Files were made read-only; directories need write permission back to be emptied.
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(dir, ec);
  fs::remove(ZipPath(id), ec);
}

}  // namespace serval::lambda
