#include "sandbox/process.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "sandbox/kernel_files.h"

namespace serval::sandbox {
namespace {

namespace fs = std::filesystem;

// Everything the child does between clone and exec: only async-signal-safe calls, no
// allocation, and raw system calls for the uid change (glibc's setresuid would try to signal the
// parent's threads, which a raw clone does not copy). Reports a failure as (step, errno) on
// `error_fd` and exits.
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  const char* memory_procs;  // cgroup.procs files to join, or nullptr
  const char* pids_procs;
  bool namespaces;
  const char* new_root;  // with namespaces: where the root filesystem is assembled
  const MountStep* root_steps;
  int root_step_count;
  const char* task_root_host;  // without namespaces: the working directory
  int output_fd;
  int error_fd;
  rlim_t data_limit;  // 0 = none; used only without a memory cgroup
  uid_t uid;          // 0 = keep Serval's
  const sock_fprog* syscall_filter;
};

enum ChildStep {
  kJoinMemoryCgroup = 1,
  kJoinPidsCgroup,
  kMountNamespace,
  kRootFilesystem,
  kRedirectOutput,
  kEnterCodeDirectory,
  kDropPrivileges,
  kSyscallFilter,
  kExec,
};

[[noreturn]] void ChildFail(const ChildPlan& plan, int step) {
  const int report[2] = {step, errno};
  [[maybe_unused]] ssize_t ignored = write(plan.error_fd, report, sizeof(report));
  _exit(127);
}

void JoinCgroup(const ChildPlan& plan, const char* procs_file, int step) {
  const int fd = open(procs_file, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) ChildFail(plan, step);
  close(fd);
}

// Leaves the process no way back to privilege: an empty capability bounding set, the
// environment's own uid and gid with no supplementary groups (which clears every capability).
bool DropPrivileges(uid_t uid) {
  for (int capability = 0; capability < 64; ++capability) {
    if (prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 && errno != EINVAL) return false;
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  return syscall(SYS_setgroups, 0, nullptr) == 0 && syscall(SYS_setresgid, uid, uid, uid) == 0 &&
         syscall(SYS_setresuid, uid, uid, uid) == 0;
}

// Closes every descriptor from 3 up except `keep_a` and `keep_b` (both at least 3).
void CloseAllBut(int keep_a, int keep_b) {
  const unsigned low = std::min(keep_a, keep_b);
  const unsigned high = std::max(keep_a, keep_b);
  if (low > 3) syscall(SYS_close_range, 3, low - 1, 0);
  if (high > low + 1) syscall(SYS_close_range, low + 1, high - 1, 0);
  syscall(SYS_close_range, high + 1, ~0U, 0);
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  // Serval's descriptors go first, before the slow steps below: among them is the data dir's
  // lock, which a Serval restarted right after this one was killed would otherwise wait for.
  CloseAllBut(plan.output_fd, plan.error_fd);
  if (plan.memory_procs) JoinCgroup(plan, plan.memory_procs, kJoinMemoryCgroup);
  if (plan.pids_procs) JoinCgroup(plan, plan.pids_procs, kJoinPidsCgroup);
  if (plan.namespaces) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      ChildFail(plan, kMountNamespace);
    }
    if (EnterRootFilesystem(plan.new_root, plan.root_steps, plan.root_step_count) >= 0) {
      ChildFail(plan, kRootFilesystem);
    }
    sethostname("localhost", 9);
  }
  // A session of its own, without a controlling terminal: else a function could open Serval's
  // terminal and inject keystrokes into the operator's shell (TIOCSTI), and a ^C meant for
  // Serval would reach it.
  setsid();
  if (plan.data_limit) {
    const rlimit limit{plan.data_limit, plan.data_limit};
    setrlimit(RLIMIT_DATA, &limit);
  }
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(plan.output_fd, 1) < 0 ||
      dup2(plan.output_fd, 2) < 0) {
    ChildFail(plan, kRedirectOutput);
  }
  syscall(SYS_close_range, 3, plan.error_fd - 1, 0);
  syscall(SYS_close_range, plan.error_fd + 1, ~0U, 0);
  // Lambda's limit of 1024 open files, set only now: the child starts with a copy of Serval's
  // descriptor table, whose numbers may be far above 1024 until the lines above close them.
  const rlimit files{1024, 1024};
  setrlimit(RLIMIT_NOFILE, &files);
  if (chdir(plan.namespaces ? kTaskRootMount : plan.task_root_host) != 0) {
    ChildFail(plan, kEnterCodeDirectory);
  }
  if (plan.uid != 0 && !DropPrivileges(plan.uid)) ChildFail(plan, kDropPrivileges);
  // Nothing the function executes (setuid binaries, file capabilities) can raise it again.
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (plan.syscall_filter &&
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, plan.syscall_filter, 0, 0) != 0) {
    ChildFail(plan, kSyscallFilter);
  }
  // Leave the signal mask and dispositions clean for the runtime.
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  execve(plan.argv[0], plan.argv, plan.envp);
  ChildFail(plan, kExec);
}

const char* DescribeStep(int step) {
  switch (step) {
    case kJoinMemoryCgroup:
      return "joining the memory cgroup";
    case kJoinPidsCgroup:
      return "joining the pids cgroup";
    case kMountNamespace:
      return "setting up the mount namespace";
    case kRootFilesystem:
      return "assembling the root filesystem";
    case kRedirectOutput:
      return "redirecting output";
    case kEnterCodeDirectory:
      return "entering the code directory";
    case kDropPrivileges:
      return "dropping privileges";
    case kSyscallFilter:
      return "installing the system call filter";
    default:
      return "starting the bootstrap";
  }
}

// Sets a memory cgroup's limit. Both v1 files are written limit first, which is the order that
// works on a fresh cgroup (the memsw limit may never be below the memory limit) and whenever the
// limit goes down.
void WriteMemoryLimit(CgroupVersion version, const std::string& cgroup, uint64_t bytes) {
  const std::string limit = std::to_string(bytes);
  if (version == CgroupVersion::kV1) {
    WriteKernelFile(cgroup + "/memory.limit_in_bytes", limit);
    // Without a memsw limit the environment could swap instead of being stopped.
    if (fs::exists(cgroup + "/memory.memsw.limit_in_bytes")) {
      WriteKernelFile(cgroup + "/memory.memsw.limit_in_bytes", limit);
    }
  } else {
    WriteKernelFile(cgroup + "/memory.max", limit);
    WriteKernelFile(cgroup + "/memory.swap.max", "0");
  }
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

std::string TaskRoot(const IsolationSupport& support, const LaunchSpec& spec) {
  return support.namespaces ? kTaskRootMount : spec.task_root_host_path;
}

std::string RuntimeDir(const IsolationSupport& support, const LaunchSpec& spec) {
  return support.namespaces ? kRuntimeDirMount : spec.runtime_dir_host_path;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    CloseFds();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    output_fd_ = std::exchange(other.output_fd_, -1);
    start_status_fd_ = std::exchange(other.start_status_fd_, -1);
    memory_peak_fd_ = std::exchange(other.memory_peak_fd_, -1);
    reaped_ = std::exchange(other.reaped_, true);
    cgroup_version_ = other.cgroup_version_;
    memory_cgroup_ = std::move(other.memory_cgroup_);
    pids_cgroup_ = std::move(other.pids_cgroup_);
    other.memory_cgroup_.clear();
    other.pids_cgroup_.clear();
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    Kill();
    Reap();
  }
  Release();
  CloseFds();
}

void ChildProcess::CloseFds() {
  for (int* fd : {&pidfd_, &output_fd_, &start_status_fd_, &memory_peak_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

std::optional<std::string> ChildProcess::StartFailure() {
  if (start_status_fd_ < 0) return std::nullopt;
  int report[2] = {0, 0};
  ssize_t got;
  do {
    got = read(start_status_fd_, report, sizeof(report));
  } while (got < 0 && errno == EINTR);
  if (got != sizeof(report)) return std::nullopt;  // exec'd (EOF) or still starting (EAGAIN)
  return std::string(DescribeStep(report[0])) + " failed: " + strerror(report[1]);
}

int ChildProcess::TakePidfd() { return std::exchange(pidfd_, -1); }
int ChildProcess::TakeOutputFd() { return std::exchange(output_fd_, -1); }

void ChildProcess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  // In a pid namespace the child is its init: killing it kills the namespace. Otherwise it leads
  // its own session and process group.
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  if (!memory_cgroup_.empty()) {
    // Anything that escaped the process group is still in the cgroup.
    std::ifstream procs(memory_cgroup_ + "/cgroup.procs");
    for (pid_t member; procs >> member;) kill(member, SIGKILL);
  }
}

std::string ChildProcess::Reap() {
  if (pid_ <= 0 || reaped_) return "already reaped";
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, 0);
  } while (result < 0 && errno == EINTR);
  reaped_ = true;
  if (result < 0) return "unknown exit";
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    if (signal == SIGKILL) return "signal: killed";
    return std::string("signal: ") + strsignal(signal);
  }
  return "unknown exit";
}

uint64_t ChildProcess::PeakMemoryBytes() const {
  if (memory_peak_fd_ >= 0) {
    // cgroup v1 keeps the peak in memory.max_usage_in_bytes, v2 in memory.peak; the file was
    // opened once at launch, so an invocation costs one pread.
    char text[32];
    const ssize_t n = pread(memory_peak_fd_, text, sizeof(text) - 1, 0);
    if (n > 0) {
      text[n] = '\0';
      return std::strtoull(text, nullptr, 10);
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string key; status >> key;) {
    if (key == "VmHWM:") {
      uint64_t kilobytes = 0;
      status >> kilobytes;
      return kilobytes * 1024;
    }
  }
  return 0;
}

void ChildProcess::LowerMemoryLimit(int memory_mb) {
  if (memory_cgroup_.empty()) return;
  WriteMemoryLimit(cgroup_version_, memory_cgroup_, static_cast<uint64_t>(memory_mb) << 20);
}

void ChildProcess::Release() {
  std::error_code ignored;
  // A cgroup can only be removed once empty; the kernel may need a moment after the last exit.
  // (Environments call this on their process cleaner thread, where the wait blocks nobody.)
  for (std::string* dir : {&memory_cgroup_, &pids_cgroup_}) {
    if (dir->empty()) continue;
    for (int attempt = 0; attempt < 50 && fs::exists(*dir); ++attempt) {
      if (rmdir(dir->c_str()) == 0 || errno == ENOENT) break;
      usleep(1000);
    }
    dir->clear();
  }
}

absl::StatusOr<ChildProcess> Launch(const IsolationSupport& support, const LaunchSpec& spec) {
  ChildProcess child;
  const uint64_t memory_bytes = static_cast<uint64_t>(spec.memory_mb) << 20;
  std::string memory_procs, pids_procs;
  if (!support.memory_root.empty()) {
    child.memory_cgroup_ = support.memory_root + "/" + spec.cgroup_name;
    if (mkdir(child.memory_cgroup_.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::InternalError("cannot create cgroup " + child.memory_cgroup_);
    }
    child.cgroup_version_ = support.cgroup;
    WriteMemoryLimit(support.cgroup, child.memory_cgroup_, memory_bytes);
    if (support.cgroup == CgroupVersion::kV2) {
      WriteKernelFile(child.memory_cgroup_ + "/pids.max", std::to_string(spec.max_processes));
    }
    memory_procs = child.memory_cgroup_ + "/cgroup.procs";
  }
  if (!support.pids_root.empty() && support.pids_root != support.memory_root) {
    child.pids_cgroup_ = support.pids_root + "/" + spec.cgroup_name;
    if (mkdir(child.pids_cgroup_.c_str(), 0755) == 0 || errno == EEXIST) {
      WriteKernelFile(child.pids_cgroup_ + "/pids.max", std::to_string(spec.max_processes));
      pids_procs = child.pids_cgroup_ + "/cgroup.procs";
    } else {
      child.pids_cgroup_.clear();
    }
  }

  int output_pipe[2];
  int error_pipe[2];
  if (pipe2(output_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    close(output_pipe[0]);
    close(output_pipe[1]);
    return absl::InternalError("pipe failed");
  }
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  sock_fprog filter{};
  if (spec.syscall_filter && !spec.syscall_filter->empty()) {
    filter.len = static_cast<unsigned short>(spec.syscall_filter->size());
    filter.filter = const_cast<sock_filter*>(spec.syscall_filter->data());
  }
  const ChildPlan plan{
      .argv = argv.data(),
      .envp = envp.data(),
      .memory_procs = memory_procs.empty() ? nullptr : memory_procs.c_str(),
      .pids_procs = pids_procs.empty() ? nullptr : pids_procs.c_str(),
      .namespaces = support.namespaces,
      .new_root = support.new_root.c_str(),
      .root_steps = spec.root_filesystem.data(),
      .root_step_count = static_cast<int>(spec.root_filesystem.size()),
      .task_root_host = spec.task_root_host_path.c_str(),
      .output_fd = output_pipe[1],
      .error_fd = error_pipe[1],
      .data_limit = support.cgroup == CgroupVersion::kNone ? memory_bytes : 0,
      .uid = spec.uid,
      .syscall_filter = filter.len ? &filter : nullptr,
  };
  const unsigned long flags =
      (support.namespaces ? CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS : 0) | SIGCHLD;
  const long pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0) RunChild(plan);
  close(output_pipe[1]);
  close(error_pipe[1]);
  if (pid < 0) {
    close(output_pipe[0]);
    close(error_pipe[0]);
    return absl::InternalError(std::string("clone failed: ") + strerror(errno));
  }
  child.pid_ = static_cast<pid_t>(pid);
  child.output_fd_ = output_pipe[0];
  fcntl(child.output_fd_, F_SETFL, fcntl(child.output_fd_, F_GETFL) | O_NONBLOCK);
  child.start_status_fd_ = error_pipe[0];
  fcntl(child.start_status_fd_, F_SETFL, fcntl(child.start_status_fd_, F_GETFL) | O_NONBLOCK);
  if (!child.memory_cgroup_.empty()) {
    for (const char* file : {"/memory.max_usage_in_bytes", "/memory.peak"}) {
      child.memory_peak_fd_ = open((child.memory_cgroup_ + file).c_str(), O_RDONLY | O_CLOEXEC);
      if (child.memory_peak_fd_ >= 0) break;
    }
  }
  child.pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, child.pid_, 0));
  if (child.pidfd_ < 0) return absl::InternalError("pidfd_open failed");
  return child;
}

}  // namespace serval::sandbox
