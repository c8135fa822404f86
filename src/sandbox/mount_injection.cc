#include "sandbox/mount_injection.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace serval::sandbox {
namespace {

// What the helper does, between clone and _exit: raw system calls only (it shares Serval's
// memory, CLONE_VM, while Serval's thread waits, CLONE_VFORK).
struct Move {
  int namespace_fd;
  int tree_fd;
  const char* target;
  int failed_errno = 0;
};

int MoveIntoNamespace(void* argument) {
  auto* move = static_cast<Move*>(argument);
  // Joining a mount namespace also makes its root this process's root and working directory,
  // so `target` is resolved as the environment sees it.
  if (setns(move->namespace_fd, CLONE_NEWNS) != 0 ||
      move_mount(move->tree_fd, "", AT_FDCWD, move->target, MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    move->failed_errno = errno;
  }
  _exit(0);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status Failed(const char* step) {
  return absl::InternalError(std::string(step) + " failed: " + strerror(errno));
}

}  // namespace

absl::Status MountReadOnlyInto(pid_t pid, const std::string& host_dir, const std::string& target) {
  const Fd tree(open_tree(AT_FDCWD, host_dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (tree.get() < 0) return Failed("open_tree");
  mount_attr attributes{};
  attributes.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attributes, sizeof(attributes)) != 0) {
    return Failed("mount_setattr");
  }
  const std::string namespace_path = "/proc/" + std::to_string(pid) + "/ns/mnt";
  const Fd namespace_fd(open(namespace_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (namespace_fd.get() < 0) return Failed("opening the environment's mount namespace");
  Move move{.namespace_fd = namespace_fd.get(), .tree_fd = tree.get(), .target = target.c_str()};
  std::vector<char> stack(64 * 1024);
  const pid_t helper = clone(MoveIntoNamespace, stack.data() + stack.size(),
                             CLONE_VM | CLONE_VFORK | SIGCHLD, &move);
  if (helper < 0) return Failed("clone");
  int status = 0;
  while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (move.failed_errno != 0) {
    return absl::InternalError("mounting the code into the environment failed: " +
                               std::string(strerror(move.failed_errno)));
  }
  return absl::OkStatus();
}

}  // namespace serval::sandbox
