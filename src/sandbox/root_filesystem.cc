#include "sandbox/root_filesystem.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace serval::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTopLevel[] = {"/usr", "/etc",   "/bin",   "/sbin",
                                     "/lib", "/lib32", "/lib64", "/libx32"};
// No tty: an environment has no terminal, as on AWS.
constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom"};
constexpr unsigned long kReadOnlyFlags = MS_RDONLY | MS_NOSUID | MS_NODEV;

bool Under(const std::string& path, const std::string& directory) {
  return path == directory || path.starts_with(directory + "/");
}

// Builds the step list, creating each directory once, parents first.
class Planner {
 public:
  explicit Planner(std::string new_root) : root_(std::move(new_root)) {}

  void Directory(const std::string& inside) {
    if (inside == "/" || inside.empty()) return;
    for (const auto& step : steps_) {
      if (step.target == root_ + inside) return;  // made by an earlier step
    }
    Directory(fs::path(inside).parent_path().string());
    Add(MountStep::Kind::kDirectory, inside, "");
  }
  void Add(MountStep::Kind kind, const std::string& inside, std::string text) {
    if (kind != MountStep::Kind::kDirectory) Directory(fs::path(inside).parent_path().string());
    steps_.push_back({kind, root_ + inside, std::move(text)});
  }
  std::vector<MountStep> Take() { return std::move(steps_); }

 private:
  std::string root_;
  std::vector<MountStep> steps_;
};

// Creates a mount point, or accepts the one already there (which may be on a read-only mount).
int MakeTarget(const char* target, bool directory) {
  struct stat existing;
  if (stat(target, &existing) == 0) return S_ISDIR(existing.st_mode) == directory ? 0 : -1;
  if (directory) return mkdir(target, 0755);
  const int fd = open(target, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

bool RunStep(const MountStep& step) {
  const char* target = step.target.c_str();
  const char* text = step.text.c_str();
  switch (step.kind) {
    case MountStep::Kind::kDirectory:
      return MakeTarget(target, true) == 0;
    case MountStep::Kind::kSymlink:
      return symlink(text, target) == 0;
    case MountStep::Kind::kBindReadOnly: {
      struct stat source;
      if (stat(text, &source) != 0 || MakeTarget(target, S_ISDIR(source.st_mode)) != 0) {
        return false;
      }
      return mount(text, target, nullptr, MS_BIND | MS_REC, nullptr) == 0 &&
             mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | kReadOnlyFlags, nullptr) == 0;
    }
    case MountStep::Kind::kBindDevice:
      return MakeTarget(target, false) == 0 && mount(text, target, nullptr, MS_BIND, nullptr) == 0;
    case MountStep::Kind::kTmpfs:
      return MakeTarget(target, true) == 0 &&
             mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, text) == 0;
    case MountStep::Kind::kExt4:
      return MakeTarget(target, true) == 0 &&
             mount(text, target, "ext4", MS_NOSUID | MS_NODEV, nullptr) == 0;
    case MountStep::Kind::kProc:
      return MakeTarget(target, true) == 0 &&
             mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
    case MountStep::Kind::kWriteFile: {
      const int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
      if (fd < 0) return false;
      const size_t size = step.text.size();
      const bool written = write(fd, text, size) == static_cast<ssize_t>(size);
      close(fd);
      return written;
    }
    case MountStep::Kind::kRemountReadOnly:
      return mount(nullptr, target, nullptr, MS_REMOUNT | kReadOnlyFlags, nullptr) == 0;
  }
  return false;
}

}  // namespace

RootFilesystemLayout InspectRootFilesystem() {
  RootFilesystemLayout layout;
  std::error_code ec;
  for (const char* top : kTopLevel) {
    const auto status = fs::symlink_status(top, ec);
    if (ec) continue;
    if (fs::is_symlink(status)) {
      layout.system_symlinks.emplace_back(top, fs::read_symlink(top, ec).string());
    } else if (fs::is_directory(status)) {
      layout.system_directories.emplace_back(top);
    }
  }
  return layout;
}

std::vector<MountStep> PlanRootFilesystem(const RootFilesystemLayout& layout,
                                          const std::string& new_root,
                                          const EnvironmentTree& tree) {
  using Kind = MountStep::Kind;
  Planner plan(new_root);
  const auto& system = layout.system_directories;
  for (const auto& directory : system) plan.Add(Kind::kBindReadOnly, directory, directory);
  for (const auto& [link, text] : layout.system_symlinks) plan.Add(Kind::kSymlink, link, text);
  std::error_code ec;
  const fs::path real_interpreter =
      tree.interpreter.empty() ? fs::path() : fs::canonical(tree.interpreter, ec);
  if (!real_interpreter.empty()) {
    const std::string prefix = real_interpreter.parent_path().parent_path().string();
    const bool covered = prefix == "/" || std::any_of(system.begin(), system.end(),
                                                      [&](const std::string& directory) {
                                                        return Under(prefix, directory);
                                                      });
    if (!covered) plan.Add(Kind::kBindReadOnly, prefix, prefix);
  }
  if (tree.task_root_host.empty()) {
    // A spare's: its adoption mounts the code here. The dynamic loader of the spare's
    // interpreter reads LD_LIBRARY_PATH once, at start, and never again looks in a directory
    // of it that did not exist then: /var/task/lib must exist, for a library the function
    // packages in lib/ to load by soname.
    plan.Directory("/var/task/lib");
  } else {
    plan.Add(Kind::kBindReadOnly, "/var/task", tree.task_root_host);
  }
  plan.Add(Kind::kBindReadOnly, "/var/runtime", tree.runtime_dir_host);
  if (!tree.spare_bootstrap_host.empty()) {
    plan.Add(Kind::kBindReadOnly, kSpareBootstrapMount, tree.spare_bootstrap_host);
  }
  plan.Directory("/opt");
  if (tree.tmp_device.empty()) {
    plan.Add(Kind::kTmpfs, "/tmp", "size=" + std::to_string(tree.tmp_size_mb) + "m,mode=1777");
  } else {
    plan.Add(Kind::kExt4, "/tmp", tree.tmp_device);
  }
  plan.Add(Kind::kProc, "/proc", "");
  plan.Add(Kind::kTmpfs, "/dev", "size=64k,mode=0755");
  for (const char* device : kDevices) {
    plan.Add(Kind::kBindDevice, std::string("/dev/") + device, std::string("/dev/") + device);
  }
  plan.Add(Kind::kSymlink, "/dev/fd", "/proc/self/fd");
  plan.Add(Kind::kSymlink, "/dev/stdin", "/proc/self/fd/0");
  plan.Add(Kind::kSymlink, "/dev/stdout", "/proc/self/fd/1");
  plan.Add(Kind::kSymlink, "/dev/stderr", "/proc/self/fd/2");
  plan.Add(Kind::kRemountReadOnly, "/dev", "");
  // The environment's uid has a name, so getpwuid and os.homedir() work as on AWS.
  if (std::find(system.begin(), system.end(), "/etc") != system.end()) {
    const std::string id = std::to_string(tree.uid);
    plan.Add(Kind::kWriteFile, "/.serval/passwd",
             "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:" + id + ":" + id +
                 "::/home/sbx_user1051:/sbin/nologin\n");
    plan.Add(Kind::kWriteFile, "/.serval/group", "root:x:0:\nsbx_user1051:x:" + id + ":\n");
    plan.Add(Kind::kBindReadOnly, "/etc/passwd", new_root + "/.serval/passwd");
    plan.Add(Kind::kBindReadOnly, "/etc/group", new_root + "/.serval/group");
  }
  return plan.Take();
}

int EnterRootFilesystem(const char* new_root, const MountStep* steps, int count) {
  if (mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) {
    return 0;
  }
  for (int i = 0; i < count; ++i) {
    if (!RunStep(steps[i])) return i;
  }
  // pivot_root(".", "."): the old root ends up stacked on the new one, and detaching it leaves
  // only the new tree (no directory for the old root is needed).
  if (chdir(new_root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
      umount2(".", MNT_DETACH) != 0 || chdir("/") != 0 ||
      mount(nullptr, "/", nullptr, MS_REMOUNT | kReadOnlyFlags, nullptr) != 0) {
    return count;
  }
  return -1;
}

}  // namespace serval::sandbox
