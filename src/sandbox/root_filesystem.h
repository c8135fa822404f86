#pragma once

#include <string>
#include <vector>

namespace serval::sandbox {

// One step of assembling an execution environment's root filesystem. The parent prepares the
// steps (all allocation happens there); the child runs them between clone and exec.
struct MountStep {
  enum class Kind {
    kDirectory,         // mkdir target
    kSymlink,           // target -> text
    kBindReadOnly,      // host path `text` at target, read-only, nosuid, nodev
    kBindDevice,        // device node `text` at target (read-write)
    kTmpfs,             // a tmpfs at target with mount options `text`
    kProc,              // a procfs of the environment's pid namespace at target
    kWriteFile,         // a file at target holding `text`, mode 0444
    kRemountReadOnly,   // the tmpfs at target becomes read-only
  };
  Kind kind;
  std::string target;  // absolute, under the new root
  std::string text;
};

// What every environment's root holds besides its own code. Gathered once at startup.
struct RootFilesystemLayout {
  // Top-level system directories shown read-only (/usr, /etc, and /bin, /lib... where they are
  // directories), and those that are symlinks on this machine (merged /usr), with their text.
  std::vector<std::string> system_directories;
  std::vector<std::pair<std::string, std::string>> system_symlinks;
};

// Reads the host's top-level layout.
RootFilesystemLayout InspectRootFilesystem();

// What one environment sees, as a list of steps under `new_root`: the system directories
// read-only; when `interpreter` (a host path; empty for none) is installed outside them (Python
// under /root/.pyenv, say), its installation prefix (the directory above its bin/) read-only at
// the same path; its code read-only at /var/task; Serval's runtimes at /var/runtime; an empty
// /opt; /tmp as a tmpfs with `tmp_options`; a fresh /proc; a read-only /dev holding null, zero,
// full, random, urandom and tty; and /etc/passwd and /etc/group naming `uid` (sbx_user1051, as on
// AWS). Nothing else of the host is there: not Serval's data dir, not other functions' code, not
// /home or /root.
std::vector<MountStep> PlanRootFilesystem(const RootFilesystemLayout& layout,
                                          const std::string& new_root,
                                          const std::string& interpreter,
                                          const std::string& task_root_host,
                                          const std::string& runtime_dir_host,
                                          const std::string& tmp_options, unsigned uid);

// In the child (async-signal-safe, no allocation): mounts a tmpfs at `new_root`, runs `steps`,
// makes it the root (pivot_root; the old root is detached) and the root read-only. Returns the
// index of the failed step (count for the pivot) with errno set, or -1 on success.
int EnterRootFilesystem(const char* new_root, const MountStep* steps, int count);

}  // namespace serval::sandbox
