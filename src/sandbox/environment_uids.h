#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace serval::sandbox {

// Unprivileged uids for execution environments, one per live environment, so that the kernel
// tells environments apart: their files, their processes and the sockets they open (the Runtime
// API admits only connections from its environment's uid). The uids lie in a range of kSlots
// above 2^31 chosen by Serval's pid, so instances on one machine do not share uids (unless their
// pids are equal modulo 2^17). Runs only on the io thread.
class EnvironmentUids {
 public:
  static constexpr int kSlots = 1 << 14;

  EnvironmentUids();
  // Whether `uid` is one this Serval instance gives to environments.
  static bool Owns(uid_t uid);
  // A uid no live environment has; nullopt when all kSlots are taken.
  std::optional<uid_t> Acquire();
  void Release(uid_t uid);

 private:
  uid_t base_;
  std::vector<bool> taken_;
  int next_ = 0;  // where the search for a free slot starts
};

}  // namespace serval::sandbox
