#include "sandbox/environment_uids.h"

#include <unistd.h>

namespace serval::sandbox {

namespace {

uid_t BaseUid() {
  return (1u << 31) + (static_cast<uid_t>(getpid()) % ((1u << 17) - 1)) * EnvironmentUids::kSlots;
}

}  // namespace

EnvironmentUids::EnvironmentUids() : base_(BaseUid()), taken_(kSlots, false) {}

bool EnvironmentUids::Owns(uid_t uid) {
  const uid_t base = BaseUid();
  return uid >= base && uid < base + kSlots;
}

std::optional<uid_t> EnvironmentUids::Acquire() {
  for (int probe = 0; probe < kSlots; ++probe) {
    const int slot = (next_ + probe) % kSlots;
    if (taken_[slot]) continue;
    taken_[slot] = true;
    // Round-robin rather than lowest-free: a uid is reused as late as possible.
    next_ = (slot + 1) % kSlots;
    return base_ + static_cast<uid_t>(slot);
  }
  return std::nullopt;
}

void EnvironmentUids::Release(uid_t uid) {
  if (uid >= base_ && uid < base_ + kSlots) taken_[uid - base_] = false;
}

}  // namespace serval::sandbox
