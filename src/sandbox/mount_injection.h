#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace serval::sandbox {

// Mounts the host directory `host_dir`, read-only, nosuid and nodev, at `target` (an existing
// directory, absolute, as seen inside) in the mount namespace of the running process `pid`,
// resolved from that namespace's root as it is now: a process still building its root
// filesystem would not see the mount once it pivots.
// This is how a spare environment, started before anyone knew which function it would run, gets
// that function's code at /var/task: a detached copy of the host mount (open_tree) is moved
// into the environment's namespace by a short-lived helper that joins it (setns). Nothing of
// the environment runs with privilege for this. Blocks for the helper (well under a
// millisecond). Needs root and Linux 5.12 or later (mount_setattr).
absl::Status MountReadOnlyInto(pid_t pid, const std::string& host_dir, const std::string& target);

}  // namespace serval::sandbox
