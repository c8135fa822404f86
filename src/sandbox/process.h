#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sandbox/isolation.h"
#include "sandbox/root_filesystem.h"
#include "sandbox/syscall_filter.h"

namespace serval::sandbox {

// Inside an environment with a root filesystem of its own, the code and the runtimes appear at
// AWS's paths.
inline constexpr char kTaskRootMount[] = "/var/task";
inline constexpr char kRuntimeDirMount[] = "/var/runtime";

// What to start. Thread-compatible value type.
struct LaunchSpec {
  // argv[0] must be an absolute path as seen inside the environment (see TaskRoot/RuntimeDir).
  std::vector<std::string> argv;
  std::vector<std::string> env;       // "NAME=value"
  std::string task_root_host_path;    // unpacked code, shown read-only at kTaskRootMount
  std::string runtime_dir_host_path;  // Serval's runtimes/, shown read-only at kRuntimeDirMount
  std::string cgroup_name;            // unique per environment
  // With namespaces: the environment's whole filesystem (see root_filesystem.h).
  std::vector<MountStep> root_filesystem;
  // The unprivileged uid (and gid) the environment runs as; 0 keeps Serval's own.
  uid_t uid = 0;
  // The seccomp program to run under (see syscall_filter.h); null for none. Must outlive Launch.
  const std::vector<sock_filter>* syscall_filter = nullptr;
  int memory_mb = 128;
  int ephemeral_storage_mb = 512;
  int max_processes = 1024;
};

// Where the code and runtimes are visible to the child, given what isolation is available.
std::string TaskRoot(const IsolationSupport& support, const LaunchSpec& spec);
std::string RuntimeDir(const IsolationSupport& support, const LaunchSpec& spec);

// A started child process with its output pipe, its pidfd and its cgroups.
// Thread-compatible. The owner must Kill() and Reap() it, then Release() its cgroups.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Readable when the process has exited.
  int pidfd() const { return pidfd_; }
  // Read end of the pipe carrying the child's stdout and stderr (non-blocking).
  int output_fd() const { return output_fd_; }
  // The descriptors are handed over to the caller (e.g. to an asio descriptor object).
  int TakePidfd();
  int TakeOutputFd();

  // Why the bootstrap could not be started (e.g. "starting the bootstrap failed: No such file or
  // directory"), once the child has exited; nullopt if it was started (or is still starting).
  std::optional<std::string> StartFailure();

  // Sends SIGKILL to the process and, with namespaces or cgroups, to everything it started.
  void Kill();
  // Collects the exit status after the pidfd became readable (or blocks until exit).
  // Returns a description like "exit status 1" or "signal: killed".
  std::string Reap();
  // Peak memory of the environment in bytes (cgroup peak, else the process's VmHWM).
  uint64_t PeakMemoryBytes() const;
  // Lowers the environment's memory limit (a spare environment, started with the largest, when
  // it is given its function). The process must use less than the new limit.
  void LowerMemoryLimit(int memory_mb);
  // Removes the environment's cgroups. Call after Reap().
  void Release();

 private:
  friend absl::StatusOr<ChildProcess> Launch(const IsolationSupport&, const LaunchSpec&);
  void CloseFds();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int output_fd_ = -1;
  // Read end of a pipe the child closes by exec'ing, or writes (step, errno) to when it cannot.
  // Never waited on: the launch does not block the io thread on the child's exec.
  int start_status_fd_ = -1;
  int memory_peak_fd_ = -1;  // the cgroup's peak-usage file, kept open for pread
  bool reaped_ = false;
  CgroupVersion cgroup_version_ = CgroupVersion::kNone;
  std::string memory_cgroup_;
  std::string pids_cgroup_;
};

// Starts the process with the isolation layers `support` allows. Fails when the executable
// cannot be started (the error says why: missing file, not executable, ...).
absl::StatusOr<ChildProcess> Launch(const IsolationSupport& support, const LaunchSpec& spec);

}  // namespace serval::sandbox
