#pragma once

#include <string>
#include <vector>

namespace serval::sandbox {

enum class CgroupVersion { kNone, kV1, kV2 };

// What the kernel lets this process apply to execution environments, detected once at startup.
// Thread-compatible value type.
struct IsolationSupport {
  CgroupVersion cgroup = CgroupVersion::kNone;
  // Directories under which this Serval instance creates one cgroup per environment
  // (v1: one per controller; v2: memory_root holds both limits).
  std::string memory_root;
  std::string pids_root;
  // Mount, pid, ipc and uts namespaces and a root filesystem of its own (pivot_root), assembled
  // at `new_root` (an empty directory every environment mounts over in its own namespace).
  bool namespaces = false;
  std::string new_root;
  // Serval runs as root, so each environment can run as an unprivileged uid of its own.
  bool dedicated_uids = false;
  // seccomp filters are available (see syscall_filter.h).
  bool syscall_filter = false;
  // /tmp can be a disk of its own rather than a tmpfs charged to memory (ephemeral_storage.h).
  bool ephemeral_disks = false;

  // Human-readable names of the layers that are not available, for the startup report.
  std::vector<std::string> Missing() const;
};

// Probes the kernel and creates this instance's cgroup parents (named after `instance_name`,
// nested in Serval's own cgroup of each controller, so that limits an operator puts on Serval
// bind its environments too). Never fails: what cannot be used is left off and shows up in
// Missing().
IsolationSupport DetectIsolation(const std::string& instance_name);

// Removes the cgroup parents created by DetectIsolation (they must be empty by then).
void ReleaseIsolation(const IsolationSupport& support);

}  // namespace serval::sandbox
