#pragma once

#include <string>
#include <vector>

namespace serval::sandbox {

// One step of assembling an execution environment's root filesystem. The parent prepares the
// steps (all allocation happens there); the child runs them between clone and exec.
struct MountStep {
  enum class Kind {
    kDirectory,        // mkdir target
    kSymlink,          // target -> text
    kBindReadOnly,     // host path `text` at target, read-only, nosuid, nodev
    kBindDevice,       // device node `text` at target (read-write)
    kTmpfs,            // a tmpfs at target with mount options `text`
    kExt4,             // the ext4 filesystem on block device `text` at target
    kProc,             // a procfs of the environment's pid namespace at target
    kWriteFile,        // a file at target holding `text`, mode 0444
    kRemountReadOnly,  // the tmpfs at target becomes read-only
  };
  Kind kind;
  std::string target;  // absolute, under the new root
  std::string text;
};

// Where a spare environment of a provided runtime finds serval-spare-bootstrap.
inline constexpr char kSpareBootstrapMount[] = "/var/serval/spare-bootstrap";

// What every environment's root holds besides its own code. Gathered once at startup.
struct RootFilesystemLayout {
  // Top-level system directories shown read-only (/usr, /etc, and /bin, /lib... where they are
  // directories), and those that are symlinks on this machine (merged /usr), with their text.
  std::vector<std::string> system_directories;
  std::vector<std::pair<std::string, std::string>> system_symlinks;
};

// Reads the host's top-level layout.
RootFilesystemLayout InspectRootFilesystem();

// What one environment's tree is made of, besides what every environment shares.
struct EnvironmentTree {
  // A host path; empty for none. When installed outside the system directories (Python under
  // /root/.pyenv, say), its installation prefix (the directory above its bin/) is shown
  // read-only at the same path.
  std::string interpreter;
  std::string task_root_host;    // the function's code, read-only at /var/task; empty: none yet
  // A provided runtime's spare: serval-spare-bootstrap, read-only at kSpareBootstrapMount.
  std::string spare_bootstrap_host;
  std::string runtime_dir_host;  // Serval's runtimes, read-only at /var/runtime
  std::string tmp_device;        // a block device with /tmp's filesystem; empty: a tmpfs
  int tmp_size_mb = 512;         // the tmpfs's size
  unsigned uid = 0;              // named sbx_user1051 in /etc/passwd and /etc/group
};

// What one environment sees, as a list of steps under `new_root`: the system directories
// read-only, the parts `tree` names, an empty /opt, /tmp, a fresh /proc, a read-only /dev
// holding null, zero, full, random and urandom (no tty), and /etc/passwd and /etc/group naming the
// environment's uid (sbx_user1051, as on AWS). Nothing else of the host is there: not Serval's
// data dir, not other functions' code, not /home or /root.
std::vector<MountStep> PlanRootFilesystem(const RootFilesystemLayout& layout,
                                          const std::string& new_root, const EnvironmentTree& tree);

// In the child (async-signal-safe, no allocation): mounts a tmpfs at `new_root`, runs `steps`,
// makes it the root (pivot_root; the old root is detached) and the root read-only. Returns the
// index of the failed step (count for the pivot) with errno set, or -1 on success.
int EnterRootFilesystem(const char* new_root, const MountStep* steps, int count);

}  // namespace serval::sandbox
