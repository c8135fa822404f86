#include "sandbox/isolation.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>
#include <sstream>

#include "sandbox/kernel_files.h"
#include "sandbox/root_filesystem.h"
#include "sandbox/syscall_filter.h"

namespace serval::sandbox {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) { return ReadKernelFile(path).value_or(""); }

// Where the root filesystems are assembled: an empty directory that stays empty on the host.
constexpr char kNewRoot[] = "/run/serval-sandbox-root";

// This process's cgroup in the hierarchy named `controller` ("memory", "pids"; "" for v2), from
// /proc/self/cgroup lines such as "4:memory:/some/path" and "0::/some/path".
std::string OwnCgroup(std::string_view controller) {
  std::istringstream lines(ReadFile("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    const size_t first = line.find(':');
    const size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string_view controllers(line.data() + first + 1, second - first - 1);
    bool match = controller.empty() && line.starts_with("0::");
    for (size_t start = 0; !controller.empty() && !match && start <= controllers.size();) {
      const size_t comma = std::min(controllers.find(',', start), controllers.size());
      match = controllers.substr(start, comma - start) == controller;
      start = comma + 1;
    }
    if (match) return line.substr(second + 1);
  }
  return "/";
}

// The directory of this process's cgroup in the v1 hierarchy of `controller`.
fs::path OwnV1Cgroup(const char* controller) {
  return fs::path("/sys/fs/cgroup") / controller / OwnCgroup(controller).substr(1);
}

bool MakeCgroupDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  return !ec && fs::exists(dir / "cgroup.procs");
}

// Removes the cgroups of Serval instances that died without cleaning up (kill -9): their
// directories are named serval-<pid> for a pid that is gone. Leftover processes in them (orphaned
// environments) are killed first, since a cgroup with members cannot be removed.
void RemoveStaleCgroups(const fs::path& controller_root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(controller_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("serval-") || !entry.is_directory(ec)) continue;
    const std::string pid = name.substr(7);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos ||
        fs::exists("/proc/" + pid, ec)) {
      continue;
    }
    std::vector<fs::path> children;
    for (const auto& child : fs::directory_iterator(entry.path(), ec)) {
      if (child.is_directory(ec)) children.push_back(child.path());
    }
    children.push_back(entry.path());  // the instance's own directory last
    for (const fs::path& dir : children) {
      std::istringstream procs(ReadFile((dir / "cgroup.procs").string()));
      for (pid_t member; procs >> member;) kill(member, SIGKILL);
      for (int attempt = 0; attempt < 50 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++attempt) {
        usleep(1000);
      }
    }
  }
}

void DetectCgroups(const std::string& instance_name, IsolationSupport& support) {
  const fs::path v2_root = fs::path("/sys/fs/cgroup") / OwnCgroup("").substr(1);
  const std::string v2_controllers = ReadFile("/sys/fs/cgroup/cgroup.controllers");
  if (v2_controllers.find("memory") != std::string::npos) {
    // v2: processes may only live in leaves, so this instance gets a child of our own cgroup,
    // with the memory and pids controllers delegated to it.
    const fs::path parent = v2_root / instance_name;
    if (MakeCgroupDir(parent) &&
        WriteKernelFile((parent / "cgroup.subtree_control").string(), "+memory +pids")) {
      support.cgroup = CgroupVersion::kV2;
      support.memory_root = parent.string();
      support.pids_root = parent.string();
      return;
    }
    std::error_code ignored;
    fs::remove(parent, ignored);
  }
  const fs::path v1_memory = OwnV1Cgroup("memory");
  if (fs::exists(v1_memory / "memory.limit_in_bytes")) {
    const fs::path parent = v1_memory / instance_name;
    if (MakeCgroupDir(parent) && fs::exists(parent / "memory.limit_in_bytes")) {
      support.cgroup = CgroupVersion::kV1;
      support.memory_root = parent.string();
      const fs::path v1_pids = OwnV1Cgroup("pids");
      const fs::path pids_parent = v1_pids / instance_name;
      if (fs::exists(v1_pids / "cgroup.procs") && MakeCgroupDir(pids_parent)) {
        support.pids_root = pids_parent.string();
      }
    }
  }
}

// Forks a child that tries to enter new namespaces and pivot into a tmpfs at `new_root`;
// reports success.
bool NamespacesWork(const char* new_root) {
  const long pid =
      syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
              nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return false;
  if (pid == 0) {
    const bool ok = mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
                    EnterRootFilesystem(new_root, nullptr, 0) < 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(static_cast<pid_t>(pid), &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::vector<std::string> IsolationSupport::Missing() const {
  std::vector<std::string> missing;
  if (cgroup == CgroupVersion::kNone) {
    missing.push_back(
        "memory cgroup (memory limit falls back to RLIMIT_DATA, peak memory to VmHWM)");
  }
  if (pids_root.empty())
    missing.push_back("pids cgroup (the number of processes per environment is not limited)");
  if (!namespaces) {
    missing.push_back(
        "mount/pid/ipc/uts namespaces and pivot_root (environments see the host's filesystem "
        "and processes)");
  }
  if (!dedicated_uids) {
    missing.push_back(
        "a uid per environment (Serval does not run as root: environments share its uid, so "
        "they can reach each other's Runtime API and files)");
  }
  if (!syscall_filter) missing.push_back("seccomp (no system call filter)");
  if (namespaces && !ephemeral_disks) {
    missing.push_back(
        "loop devices or mkfs.ext4/debugfs (/tmp is a tmpfs, charged to the function's memory)");
  }
  return missing;
}

IsolationSupport DetectIsolation(const std::string& instance_name) {
  IsolationSupport support;
  // Where earlier instances put their cgroups: under our own cgroup of each hierarchy, and (before
  // they nested) at the roots of the v1 hierarchies. Each directory is swept once.
  const std::set<fs::path> parents = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids",
                                      OwnV1Cgroup("memory"), OwnV1Cgroup("pids"),
                                      fs::path("/sys/fs/cgroup") / OwnCgroup("").substr(1)};
  for (const fs::path& parent : parents) RemoveStaleCgroups(parent);
  DetectCgroups(instance_name, support);
  std::error_code ec;
  fs::create_directories(kNewRoot, ec);
  if (!ec && NamespacesWork(kNewRoot)) {
    support.namespaces = true;
    support.new_root = kNewRoot;
  }
  support.dedicated_uids = geteuid() == 0;
  support.syscall_filter =
      prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && !EnvironmentSyscallFilter().empty();
  return support;
}

void ReleaseIsolation(const IsolationSupport& support) {
  std::error_code ignored;
  if (!support.memory_root.empty()) fs::remove(support.memory_root, ignored);
  if (!support.pids_root.empty() && support.pids_root != support.memory_root) {
    fs::remove(support.pids_root, ignored);
  }
}

}  // namespace serval::sandbox
