#pragma once

#include <sys/types.h>

#include <optional>

namespace serval::sandbox {

// The uid that owns the other end of `connected_fd`, an accepted TCP connection whose peer is a
// socket of this machine in Serval's network namespace (the Runtime API's loopback clients). Asks
// the kernel's socket table (NETLINK_SOCK_DIAG) for the peer socket by its address and port pair;
// nullopt when the peer is not a local socket or the kernel cannot tell. Thread-safe.
std::optional<uid_t> LocalPeerUid(int connected_fd);

}  // namespace serval::sandbox
