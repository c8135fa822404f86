// serval-spare-bootstrap: what a spare environment of a provided runtime runs until it is given
// its function (docs/isolation.md, "Spare environments"). Started with the spare's environment
// (AWS_LAMBDA_RUNTIME_API among it), it asks its Runtime API for the function
// (GET /serval/assignment: NAME=value entries, each ended by a NUL byte) and then becomes the
// function's own /var/task/bootstrap with that environment, as the process Serval starts for a
// provided function from scratch would have. If the bootstrap cannot be started it tells Serval
// why (POST /serval/start-failure), which reports it as Runtime.InvalidEntrypoint.
//
// Runs inside the environment, unprivileged, under its seccomp filter: the C library only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int Connect(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr) != 1) return -1;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) != 0) return -1;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool WriteAll(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Sends one request and returns the response body when the status is `expected`; the Runtime
// API always answers with a Content-Length.
bool Exchange(int fd, const std::string& request, int expected, std::string* body) {
  if (!WriteAll(fd, request)) return false;
  std::string received;
  char buffer[16384];
  size_t header_end = std::string::npos;
  size_t length = 0;
  while (header_end == std::string::npos || received.size() < header_end + 4 + length) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    received.append(buffer, static_cast<size_t>(n));
    if (header_end == std::string::npos &&
        (header_end = received.find("\r\n\r\n")) != std::string::npos) {
      const std::string head = received.substr(0, header_end);
      for (const char* name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
        const size_t at = head.find(name);
        if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
      }
    }
  }
  if (received.compare(0, 9, "HTTP/1.1 ") != 0 || std::atoi(received.c_str() + 9) != expected) {
    return false;
  }
  *body = received.substr(header_end + 4, length);
  return true;
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  const std::string address = api ? api : "";
  const int fd = Connect(address);
  std::string assignment;
  if (fd < 0 || !Exchange(fd,
                          "GET /serval/assignment HTTP/1.1\r\nHost: " + address + "\r\n\r\n",
                          200, &assignment)) {
    std::fprintf(stderr, "serval-spare-bootstrap: no function was assigned\n");
    return 1;
  }
  std::vector<char*> environment;
  for (size_t start = 0; start < assignment.size();) {
    const size_t end = assignment.find('\0', start);
    if (end == std::string::npos) break;
    environment.push_back(&assignment[start]);
    start = end + 1;
  }
  environment.push_back(nullptr);
  char bootstrap[] = "/var/task/bootstrap";
  char* argv[] = {bootstrap, nullptr};
  if (chdir("/var/task") == 0) execve(bootstrap, argv, environment.data());
  const std::string why = std::string("starting the bootstrap failed: ") + std::strerror(errno);
  std::string ignored;
  Exchange(fd,
           "POST /serval/start-failure HTTP/1.1\r\nHost: " + address +
               "\r\nContent-Length: " + std::to_string(why.size()) + "\r\n\r\n" + why,
           202, &ignored);
  return 127;
}
