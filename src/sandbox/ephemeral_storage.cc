#include "sandbox/ephemeral_storage.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/worker.h"
#include "storage/file_io.h"

extern char** environ;

namespace serval::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr char kLoopControl[] = "/dev/loop-control";

// Where `program` is on PATH (or in /usr/sbin, /sbin, where e2fsprogs lives); empty if nowhere.
std::string FindProgram(std::string_view program) {
  const char* path = std::getenv("PATH");
  const std::string dirs = absl::StrCat(path ? path : "", ":/usr/sbin:/sbin");
  for (size_t start = 0; start < dirs.size();) {
    const size_t colon = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, colon - start) + "/" + std::string(program);
    if (colon > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}

// Runs a program of e2fsprogs and waits for it. Quiet; fails unless it exits 0.
absl::Status Run(std::vector<std::string> argv) {
  argv[0] = FindProgram(argv[0]);
  std::vector<char*> pointers;
  for (auto& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  const int error = posix_spawn(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return absl::UnavailableError(absl::StrCat(argv[0], ": ", strerror(error)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(argv[0], " failed (status ", status, ")"));
  }
  return absl::OkStatus();
}

// Copies the data extents of `from` into a new sparse file `to` of the same size.
absl::Status CopySparse(const fs::path& from, const fs::path& to, int* to_fd) {
  const int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return storage::ErrnoError("cannot open", from);
  const int out = open(to.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    close(in);
    return storage::ErrnoError("cannot create", to);
  }
  absl::Status status = absl::OkStatus();
  const off_t size = lseek(in, 0, SEEK_END);
  for (off_t data = lseek(in, 0, SEEK_DATA); data >= 0 && data < size && status.ok();) {
    const off_t hole = lseek(in, data, SEEK_HOLE);
    for (loff_t from_offset = data, to_offset = data; from_offset < hole;) {
      const ssize_t n = copy_file_range(in, &from_offset, out, &to_offset,
                                        static_cast<size_t>(hole - from_offset), 0);
      if (n <= 0) {
        status = storage::ErrnoError("cannot copy", from);
        break;
      }
    }
    data = lseek(in, hole, SEEK_DATA);
  }
  if (status.ok() && ftruncate(out, size) != 0) status = storage::ErrnoError("cannot size", to);
  close(in);
  if (!status.ok()) {
    close(out);
    unlink(to.c_str());
    return status;
  }
  *to_fd = out;
  return absl::OkStatus();
}

// Attaches `image_fd` to a free loop device that detaches itself on its last close.
absl::StatusOr<EphemeralDisk> Attach(int image_fd) {
  const int control = open(kLoopControl, O_RDWR | O_CLOEXEC);
  if (control < 0) return storage::ErrnoError("cannot open", kLoopControl);
  for (int attempt = 0; attempt < 16; ++attempt) {
    const int number = ioctl(control, LOOP_CTL_GET_FREE);
    if (number < 0) break;
    std::string device = absl::StrCat("/dev/loop", number);
    const int fd = open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    loop_config config{};
    config.fd = static_cast<uint32_t>(image_fd);
    // Direct I/O keeps the image's blocks out of the page cache a second time.
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
    int result = ioctl(fd, LOOP_CONFIGURE, &config);
    if (result != 0 && errno == EINVAL) {
      config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
      result = ioctl(fd, LOOP_CONFIGURE, &config);
    }
    if (result == 0) {
      close(control);
      return EphemeralDisk(std::move(device), fd);
    }
    close(fd);  // taken by someone else meanwhile (EBUSY): ask for another
  }
  close(control);
  return storage::ErrnoError("no free loop device from", kLoopControl);
}

}  // namespace

EphemeralDisk::EphemeralDisk(EphemeralDisk&& other) noexcept { *this = std::move(other); }

EphemeralDisk& EphemeralDisk::operator=(EphemeralDisk&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    device_ = std::move(other.device_);
    fd_ = std::exchange(other.fd_, -1);
    other.device_.clear();
  }
  return *this;
}

EphemeralDisk::~EphemeralDisk() {
  if (fd_ >= 0) close(fd_);
}

// The default size's template and spares are made in the background: startup stays fast.
EphemeralStorage::EphemeralStorage(fs::path dir) : dir_(std::move(dir)) { spares_[512]; }

absl::StatusOr<std::unique_ptr<EphemeralStorage>> EphemeralStorage::Open(fs::path dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);  // images of an instance that was killed; templates are remade
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create " + dir.string() + ": " + ec.message());
  if (access(kLoopControl, R_OK | W_OK) != 0)
    return storage::ErrnoError("cannot use", kLoopControl);
  for (const char* tool : {"mkfs.ext4", "debugfs"}) {
    if (FindProgram(tool).empty()) return absl::UnavailableError(absl::StrCat(tool, " not found"));
  }
  std::unique_ptr<EphemeralStorage> storage(new EphemeralStorage(std::move(dir)));
  storage->refiller_ = std::thread([raw = storage.get()] {
    NameThisThread("tmp-disks");
    raw->RefillLoop();
  });
  return storage;
}

EphemeralStorage::~EphemeralStorage() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  refill_cv_.SignalAll();
  if (refiller_.joinable()) refiller_.join();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

absl::StatusOr<fs::path> EphemeralStorage::Template(int size_mb) {
  absl::MutexLock lock(&template_mu_);
  const fs::path path = dir_ / absl::StrCat("template-", size_mb, ".img");
  if (fs::exists(path)) return path;
  const fs::path partial = dir_ / absl::StrCat("template-", size_mb, ".partial");
  const std::string image = partial.string();
  // No journal (nothing survives the environment anyway), no reserved blocks, inode tables
  // initialised lazily: a template of a few hundred KB. Then an empty root anyone may write to
  // (sticky, as /tmp is) and no lost+found.
  absl::Status status =
      Run({"mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-m", "0", "-E",
           "lazy_itable_init=1,nodiscard,root_owner=0:0", image,
           // ext4's own metadata takes about 2%: the function gets at least what it asked for.
           absl::StrCat(size_mb + size_mb / 40 + 8, "M")});
  if (status.ok()) status = Run({"debugfs", "-w", "-R", "rmdir lost+found", image});
  if (status.ok()) status = Run({"debugfs", "-w", "-R", "sif / mode 041777", image});
  std::error_code ec;
  if (status.ok()) fs::rename(partial, path, ec);
  if (!status.ok() || ec) {
    fs::remove(partial, ec);
    return status.ok() ? absl::InternalError("cannot rename " + image) : status;
  }
  return path;
}

absl::StatusOr<EphemeralDisk> EphemeralStorage::Make(int size_mb) {
  auto template_path = Template(size_mb);
  if (!template_path.ok()) return template_path.status();
  uint64_t number;
  {
    absl::MutexLock lock(&mu_);
    number = next_image_++;
  }
  const fs::path image = dir_ / absl::StrCat("disk-", number, ".img");
  int image_fd = -1;
  if (auto status = CopySparse(*template_path, image, &image_fd); !status.ok()) return status;
  auto disk = Attach(image_fd);
  close(image_fd);
  unlink(image.c_str());  // the loop device holds the file; its blocks go when it detaches
  return disk;
}

absl::StatusOr<EphemeralDisk> EphemeralStorage::Acquire(int size_mb) {
  {
    absl::MutexLock lock(&mu_);
    auto& spares = spares_[size_mb];  // from now on the refiller keeps spares of this size
    if (!spares.empty()) {
      EphemeralDisk disk = std::move(spares.back());
      spares.pop_back();
      refill_cv_.Signal();
      return disk;
    }
  }
  refill_cv_.Signal();
  return Make(size_mb);
}

void EphemeralStorage::RefillLoop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    int wanted = 0;
    for (const auto& [size, spares] : spares_) {
      if (spares.size() < kSpares) wanted = size;
    }
    if (closing_) return;
    if (wanted == 0) {
      refill_cv_.Wait(&mu_);
      continue;
    }
    mu_.Unlock();
    auto disk = Make(wanted);
    mu_.Lock();
    if (!disk.ok()) {
      // Out of loop devices or disk space: try again on the next Acquire.
      refill_cv_.Wait(&mu_);
      continue;
    }
    spares_[wanted].push_back(std::move(*disk));
  }
}

}  // namespace serval::sandbox
