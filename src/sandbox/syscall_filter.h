#pragma once

#include <linux/filter.h>

#include <vector>

namespace serval::sandbox {

// The seccomp-BPF program every execution environment runs under: it refuses (EPERM) the system
// calls a function never needs and that widen the kernel surface an escape would use — mounting
// and pivoting filesystems, new namespaces (unshare, setns, clone with CLONE_NEW*), ptrace and
// cross-process memory access, kernel modules, kexec, bpf, perf events, keyrings, io_uring,
// userfaultfd, file handles, clock and swap changes. clone3 gets ENOSYS, which makes libc fall
// back to clone, whose flags the filter can inspect. Calls of another architecture than Serval's
// own kill the process. The environment already runs as an unprivileged uid with no
// capabilities; the filter is the second wall for what an unprivileged process may still do.
//
// Empty when Serval is built for an architecture the filter does not know (the layer is then
// reported missing). Thread-safe (pure).
std::vector<sock_filter> EnvironmentSyscallFilter();

}  // namespace serval::sandbox
