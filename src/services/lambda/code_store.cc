#include "services/lambda/code_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "services/lambda/errors.h"
#include "storage/file_io.h"

namespace serval::lambda {
namespace {

namespace fs = std::filesystem;

constexpr zip_int64_t kMaxEntries = 100000;
// Longest symlink target accepted (Linux's PATH_MAX).
constexpr zip_uint64_t kMaxLinkTarget = 4096;
// Links followed while resolving one path before giving up, as the kernel does (MAXSYMLINKS).
constexpr int kMaxLinkHops = 40;
constexpr std::string_view kStagingPrefix = ".staging-";

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

absl::Status LinkLeaves(std::string_view name) {
  return InvalidParameter("Could not unzip uploaded file: symlink '" + std::string(name) +
                          "' points outside the package directory");
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Normalizes a relative path lexically; fails if it is absolute or climbs out of its root.
bool StaysInside(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  int depth = 0;
  for (const std::string& part : SplitPath(path)) {
    if (part == "..") {
      if (--depth < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
  }
  return true;
}

// Resolves `path` below `root` the way the kernel does - every symlink followed, each ".."
// applied to the directory the walk has really reached - and says whether no step leaves
// `root`. Checking link texts one at a time is not enough: `x -> ../..` can be harmless where it
// sits and still carry a path that goes through it ("x/../..") above the package. A walk that
// meets a missing component or a non-directory stops inside, because the kernel fails there too.
bool ResolvesInside(const fs::path& root, std::string_view path) {
  std::vector<std::string> reached;  // directories below root, outermost first
  std::deque<std::string> pending;
  for (std::string& part : SplitPath(path)) pending.push_back(std::move(part));
  int hops = 0;
  while (!pending.empty()) {
    const std::string part = std::move(pending.front());
    pending.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (reached.empty()) return false;
      reached.pop_back();
      continue;
    }
    fs::path here = root;
    for (const std::string& directory : reached) here /= directory;
    here /= part;
    struct stat info;
    if (::lstat(here.c_str(), &info) != 0 || !(S_ISLNK(info.st_mode) || S_ISDIR(info.st_mode))) {
      return true;
    }
    if (S_ISDIR(info.st_mode)) {
      reached.push_back(part);
      continue;
    }
    if (++hops > kMaxLinkHops) return false;
    std::error_code ec;
    const std::string target = fs::read_symlink(here, ec).string();
    if (ec || target.empty() || target.front() == '/') return false;
    const std::vector<std::string> parts = SplitPath(target);
    pending.insert(pending.begin(), parts.begin(), parts.end());
  }
  return true;
}

struct Entry {
  zip_uint64_t index;
  std::string name;  // lexically normal, relative
  enum class Kind { kFile, kDirectory, kSymlink } kind;
  mode_t mode;
  zip_uint64_t size;  // as the zip declares it
};

using ZipHandle = std::unique_ptr<zip_t, decltype(&zip_discard)>;
// Takes bytes in order; a failure stops the producer.
using Sink = absl::FunctionRef<absl::Status(std::string_view)>;

// Inflates one entry, handing `consume` each chunk. The declared size is only a claim: the
// stream is cut at the first byte beyond it, so a lying entry costs no more than the truth it
// declared (and declared sizes are held to the unzipped limit). libzip checks the CRC-32 and the
// size at the end of the stream and fails the last read if either differs.
absl::Status ReadEntry(zip_t* archive, const Entry& entry, Sink consume) {
  std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive, entry.index, 0),
                                                          zip_fclose);
  if (!file) return BadZip("cannot read " + entry.name);
  zip_uint64_t inflated = 0;
  char buffer[65536];
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), buffer, sizeof(buffer));
    if (n < 0) {
      return BadZip("corrupt entry " + entry.name + ": " + zip_file_strerror(file.get()));
    }
    if (n == 0) break;
    inflated += static_cast<zip_uint64_t>(n);
    if (inflated > entry.size) return BadZip("entry " + entry.name + " exceeds its declared size");
    if (auto status = consume(std::string_view(buffer, static_cast<size_t>(n))); !status.ok()) {
      return status;
    }
  }
  if (inflated != entry.size) return BadZip("entry " + entry.name + " is shorter than declared");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Entry>> ListEntries(zip_t* archive) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0 || count > kMaxEntries) return BadZip("too many entries");
  std::vector<Entry> entries;
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive, i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME) ||
        !(stat.valid & ZIP_STAT_SIZE)) {
      return BadZip("unreadable entry");
    }
    const std::string name = stat.name;
    if (name.find('\0') != std::string::npos || !StaysInside(name)) {
      return InvalidParameter("Could not unzip uploaded file: entry '" + name +
                              "' has an absolute path or leaves the package directory");
    }
    Entry entry{.index = static_cast<zip_uint64_t>(i),
                .name = fs::path(name).lexically_normal().string(),
                .kind = name.back() == '/' ? Entry::Kind::kDirectory : Entry::Kind::kFile,
                .mode = 0644,
                .size = stat.size};
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(archive, i, 0, &opsys, &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX && (attributes >> 16) != 0) {
      const mode_t mode = attributes >> 16;
      entry.mode = mode & 07777;
      if (S_ISLNK(mode)) entry.kind = Entry::Kind::kSymlink;
      if (S_ISDIR(mode)) entry.kind = Entry::Kind::kDirectory;
    }
    if (entry.kind == Entry::Kind::kSymlink && entry.size > kMaxLinkTarget) {
      return BadZip("symlink " + entry.name + " is too long");
    }
    total += entry.size;
    if (total > kMaxUnzippedBytes) return UnzippedTooLarge();
    entries.push_back(std::move(entry));
  }
  return entries;
}

// Writes `path` (which must not exist yet) with what `fill` hands the sink it is given, then
// gives it `mode` and fsyncs it.
absl::Status WriteFile(const fs::path& path, mode_t mode,
                       absl::FunctionRef<absl::Status(Sink)> fill) {
  // O_NOFOLLOW|O_EXCL: never write through a link or over an earlier entry of the same name.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return BadZip("cannot create " + path.filename().string() + ": " + strerror(errno));
  uint64_t written = 0;
  absl::Status status = fill([&](std::string_view chunk) {
    written += chunk.size();
    return storage::PWriteAll(fd, chunk, written - chunk.size(), path);
  });
  if (status.ok() && (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0)) {
    status = storage::ErrnoError("cannot sync", path);
  }
  ::close(fd);
  return status;
}

// Makes a tree this store wrote removable again (it made directories read-only) and removes it.
void RemoveTree(const fs::path& path) {
  std::error_code ec;
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  fs::remove_all(path, ec);
}

absl::Status Extract(zip_t* archive, const std::vector<Entry>& entries, const fs::path& into) {
  // Files first, while the tree has no links, so none is written through one.
  for (const Entry& entry : entries) {
    const fs::path target = into / entry.name;
    std::error_code ec;
    if (entry.kind == Entry::Kind::kDirectory) {
      fs::create_directories(target, ec);
      if (ec) return BadZip("cannot create directory " + entry.name);
      continue;
    }
    if (entry.kind != Entry::Kind::kFile) continue;
    fs::create_directories(target.parent_path(), ec);
    // Everyone may read and (where the zip says so) execute; nobody writes.
    auto status = WriteFile(target, (entry.mode | 0444) & 0555,
                            [&](Sink write) { return ReadEntry(archive, entry, write); });
    if (!status.ok()) return status;
  }
  for (const Entry& entry : entries) {
    if (entry.kind != Entry::Kind::kSymlink) continue;
    std::string link_target;
    auto status = ReadEntry(archive, entry, [&](std::string_view chunk) {
      link_target.append(chunk);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    // The target is resolved relative to the link's own directory.
    const fs::path parent = fs::path(entry.name).parent_path();
    if (link_target.empty() || link_target.front() == '/' ||
        !StaysInside((parent / link_target).string())) {
      return LinkLeaves(entry.name);
    }
    // The links made so far decide where this one lands: never somewhere they lead outside.
    if (!ResolvesInside(into, parent.string())) return LinkLeaves(entry.name);
    std::error_code ec;
    fs::create_directories(into / parent, ec);
    if (::symlink(link_target.c_str(), (into / entry.name).c_str()) != 0) {
      return BadZip("cannot create symlink " + entry.name);
    }
  }
  // Each link judged in the finished tree, where a later link may have completed its path.
  for (const Entry& entry : entries) {
    if (entry.kind == Entry::Kind::kSymlink && !ResolvesInside(into, entry.name)) {
      return LinkLeaves(entry.name);
    }
  }
  return absl::OkStatus();
}

// Makes the unpacked tree read-only at the top and fsyncs every directory in it, so the entries
// written are durable once it is renamed into place.
absl::Status SealTree(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      if (auto status = storage::SyncPath(it->path()); !status.ok()) return status;
    }
  }
  if (ec) return absl::InternalError("cannot list " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0555) != 0) return storage::ErrnoError("cannot seal", dir);
  return storage::SyncPath(dir);
}

}  // namespace

absl::Status UnzippedTooLarge() {
  return InvalidParameter("Unzipped size must be smaller than 262144000 bytes");
}

absl::Status CodeStore::Open() {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return absl::InternalError("cannot create " + root_.string() + ": " + ec.message());
  for (const fs::directory_entry& entry : fs::directory_iterator(root_, ec)) {
    if (entry.path().filename().string().starts_with(kStagingPrefix)) RemoveTree(entry.path());
  }
  if (ec) return absl::InternalError("cannot list " + root_.string() + ": " + ec.message());
  // No sync: a leftover that comes back after a crash is removed again at the next start.
  return absl::OkStatus();
}

absl::StatusOr<CodeStore::Staged> CodeStore::Unpack(std::string_view zip_bytes) const {
  if (zip_bytes.size() > kMaxUnzippedBytes) return UnzippedTooLarge();
  if (zip_bytes.empty()) return BadZip("the file is empty");
  const std::string digest = Sha256(zip_bytes);
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

  const std::string staging = std::string(kStagingPrefix) + RandomHex(8);
  Staged staged{.code = {.id = Hex(digest),
                         .sha256 = Base64Encode(digest),
                         .size = static_cast<int64_t>(zip_bytes.size())},
                .dir = root_ / staging,
                .zip = root_ / (staging + ".zip")};
  absl::Status status;
  if (::mkdir(staged.dir.c_str(), 0755) != 0) {
    status = storage::ErrnoError("cannot create", staged.dir);
  }
  if (status.ok()) status = Extract(archive.get(), *entries, staged.dir);
  if (status.ok()) status = SealTree(staged.dir);
  if (status.ok()) {
    status = WriteFile(staged.zip, 0444, [&](Sink write) { return write(zip_bytes); });
  }
  if (!status.ok()) {
    RemoveTree(staged.dir);
    RemoveTree(staged.zip);
    return status;
  }
  return staged;
}

absl::StatusOr<CodeStore::StoredCode> CodeStore::Install(Staged staged) {
  const fs::path final_dir = CodeDir(staged.code.id);
  std::error_code ec;
  absl::Status status;
  if (fs::exists(final_dir, ec)) {
    // This exact package is already installed: keep it, drop the copy.
  } else if (::rename(staged.zip.c_str(), ZipPath(staged.code.id).c_str()) != 0 ||
             ::rename(staged.dir.c_str(), final_dir.c_str()) != 0) {
    status = storage::ErrnoError("cannot install", final_dir);
  } else {
    // The renames are durable (and the package with them) once the root is synced.
    status = storage::SyncPath(root_);
  }
  RemoveTree(staged.dir);
  RemoveTree(staged.zip);
  if (!status.ok()) return status;
  return staged.code;
}

void CodeStore::Remove(std::string_view id) {
  RemoveTree(CodeDir(id));
  RemoveTree(ZipPath(id));
}

}  // namespace serval::lambda
