#include "sandbox/process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
// allocation. Reports a failure as (step, errno) on `error_fd` and exits.
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  const char* memory_procs;  // cgroup.procs files to join, or nullptr
  const char* pids_procs;
  bool namespaces;
  const char* task_root_host;
  const char* runtime_dir_host;
  const char* tmp_options;  // "size=512m,mode=1777"
  int output_fd;
  int error_fd;
  rlim_t data_limit;  // 0 = none; used only without a memory cgroup
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

void BindReadOnly(const ChildPlan& plan, const char* source, const char* target, int step) {
  if (mount(source, target, nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
      mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
            nullptr) != 0) {
    ChildFail(plan, step);
  }
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  if (plan.memory_procs) JoinCgroup(plan, plan.memory_procs, 1);
  if (plan.pids_procs) JoinCgroup(plan, plan.pids_procs, 2);
  if (plan.namespaces) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ChildFail(plan, 3);
    // Bind the code and runtimes first: they may live under /tmp, which is replaced next.
    BindReadOnly(plan, plan.task_root_host, kTaskRootMount, 4);
    BindReadOnly(plan, plan.runtime_dir_host, kRuntimeDirMount, 5);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, plan.tmp_options) != 0) {
      ChildFail(plan, 6);
    }
    // A /proc of the new pid namespace hides the host's processes. Not fatal if refused.
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    sethostname("localhost", 9);
  } else {
    setsid();
  }
  if (plan.data_limit) {
    const rlimit limit{plan.data_limit, plan.data_limit};
    setrlimit(RLIMIT_DATA, &limit);
  }
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(plan.output_fd, 1) < 0 ||
      dup2(plan.output_fd, 2) < 0) {
    ChildFail(plan, 7);
  }
  syscall(SYS_close_range, 3, plan.error_fd - 1, 0);
  syscall(SYS_close_range, plan.error_fd + 1, ~0U, 0);
  // Lambda's limit of 1024 open files, set only now: the child starts with a copy of Serval's
  // descriptor table, whose numbers may be far above 1024 until the lines above close them.
  const rlimit files{1024, 1024};
  setrlimit(RLIMIT_NOFILE, &files);
  if (chdir(plan.namespaces ? kTaskRootMount : plan.task_root_host) != 0) ChildFail(plan, 8);
  // Leave the signal mask and dispositions clean for the runtime.
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  execve(plan.argv[0], plan.argv, plan.envp);
  ChildFail(plan, 9);
}

const char* DescribeStep(int step) {
  switch (step) {
    case 1:
      return "joining the memory cgroup";
    case 2:
      return "joining the pids cgroup";
    case 3:
    case 4:
    case 5:
    case 6:
      return "setting up the mount namespace";
    case 7:
      return "redirecting output";
    case 8:
      return "entering the code directory";
    default:
      return "starting the bootstrap";
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

bool PrepareMountPoints() {
  std::error_code ec;
  fs::create_directories(kTaskRootMount, ec);
  if (ec) return false;
  fs::create_directories(kRuntimeDirMount, ec);
  return !ec;
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

void ChildProcess::Release() {
  std::error_code ignored;
  // A cgroup can only be removed once empty; the kernel may need a moment after the last exit.
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
    const std::string limit = std::to_string(memory_bytes);
    if (support.cgroup == CgroupVersion::kV1) {
      WriteKernelFile(child.memory_cgroup_ + "/memory.limit_in_bytes", limit);
      // Without a memsw limit the environment could swap instead of being stopped.
      if (fs::exists(child.memory_cgroup_ + "/memory.memsw.limit_in_bytes")) {
        WriteKernelFile(child.memory_cgroup_ + "/memory.memsw.limit_in_bytes", limit);
      }
    } else {
      WriteKernelFile(child.memory_cgroup_ + "/memory.max", limit);
      WriteKernelFile(child.memory_cgroup_ + "/memory.swap.max", "0");
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
  const std::string tmp_options =
      "size=" + std::to_string(spec.ephemeral_storage_mb) + "m,mode=1777";
  const ChildPlan plan{
      .argv = argv.data(),
      .envp = envp.data(),
      .memory_procs = memory_procs.empty() ? nullptr : memory_procs.c_str(),
      .pids_procs = pids_procs.empty() ? nullptr : pids_procs.c_str(),
      .namespaces = support.namespaces,
      .task_root_host = spec.task_root_host_path.c_str(),
      .runtime_dir_host = spec.runtime_dir_host_path.c_str(),
      .tmp_options = tmp_options.c_str(),
      .output_fd = output_pipe[1],
      .error_fd = error_pipe[1],
      .data_limit = support.cgroup == CgroupVersion::kNone ? memory_bytes : 0,
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
