#include "sandbox/peer_uid.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace serval::sandbox {
namespace {

// Asks for the TCP socket whose source is `peer` and destination `local`, on interface
// `interface` (0: bound to none). Fills `message` with the kernel's answer.
bool QuerySocket(int diag, const sockaddr_in& peer, const sockaddr_in& local, uint32_t interface,
                 inet_diag_msg* message) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 query;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.query.sdiag_family = AF_INET;
  request.query.sdiag_protocol = IPPROTO_TCP;
  request.query.idiag_states = ~0u;
  request.query.id.idiag_sport = peer.sin_port;
  request.query.id.idiag_dport = local.sin_port;
  request.query.id.idiag_src[0] = peer.sin_addr.s_addr;
  request.query.id.idiag_dst[0] = local.sin_addr.s_addr;
  request.query.id.idiag_if = interface;
  request.query.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  request.query.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(diag, &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) != static_cast<ssize_t>(sizeof(request))) {
    return false;
  }
  alignas(nlmsghdr) char answer[1024];
  ssize_t got;
  do {
    got = recv(diag, answer, sizeof(answer), 0);
  } while (got < 0 && errno == EINTR);
  const auto* reply = reinterpret_cast<const nlmsghdr*>(answer);
  if (got <= 0 || !NLMSG_OK(reply, static_cast<unsigned>(got)) ||
      reply->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
      reply->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
    return false;
  }
  std::memcpy(message, NLMSG_DATA(reply), sizeof(*message));
  return true;
}

// The kernel looks a 4-tuple up as it would an arriving packet: when no connected socket matches
// (the peer's socket is bound to a device, say) it answers with a socket *listening* on the
// peer's address and port — which may belong to someone else. Only the connected peer itself
// counts.
bool IsThePeer(const inet_diag_msg& message, const sockaddr_in& peer, const sockaddr_in& local) {
  return message.idiag_state != TCP_LISTEN && message.id.idiag_sport == peer.sin_port &&
         message.id.idiag_dport == local.sin_port &&
         message.id.idiag_src[0] == peer.sin_addr.s_addr &&
         message.id.idiag_dst[0] == local.sin_addr.s_addr;
}

}  // namespace

std::optional<uid_t> LocalPeerUid(int connected_fd) {
  sockaddr_in local{}, peer{};
  socklen_t local_size = sizeof(local), peer_size = sizeof(peer);
  if (getsockname(connected_fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
      getpeername(connected_fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0 ||
      local.sin_family != AF_INET || peer.sin_family != AF_INET) {
    return std::nullopt;
  }
  const int diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (diag < 0) return std::nullopt;
  std::optional<uid_t> uid;
  // A loopback connection's peer is bound to no device or (SO_BINDTODEVICE) to lo.
  for (const uint32_t interface : {0u, static_cast<uint32_t>(if_nametoindex("lo"))}) {
    inet_diag_msg message;
    if (QuerySocket(diag, peer, local, interface, &message) && IsThePeer(message, peer, local)) {
      uid = message.idiag_uid;
      break;
    }
  }
  close(diag);
  return uid;
}

}  // namespace serval::sandbox
