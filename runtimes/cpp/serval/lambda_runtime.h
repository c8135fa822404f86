// Header-only C++20 client for the Lambda Runtime API (2018-06-01), for functions on the
// `provided`, `provided.al2` and `provided.al2023` runtimes. A handler is a few lines:
//
//   #include <serval/lambda_runtime.h>
//   int main() {
//     return serval::lambda::Run([](const serval::lambda::Invocation& inv) {
//       return serval::lambda::Response::Success(inv.payload);
//     });
//   }
//
// Run() reads AWS_LAMBDA_RUNTIME_API ("host:port"), then loops: GET /runtime/invocation/next,
// call the handler, POST /runtime/invocation/{id}/response (or /error). A handler that throws is
// reported as an error whose errorType is the exception's demangled type name (for example
// "std::runtime_error") and whose errorMessage is what(). Run() returns (non-zero) only when the
// Runtime API becomes unusable, which means the platform is shutting the environment down.
//
// All requests share one persistent HTTP/1.1 keep-alive connection with TCP_NODELAY. Responses
// are framed by Content-Length (what Serval and AWS send; a response without one is read to
// connection close). Dependencies: the C++ standard library and POSIX sockets only.

#pragma once

#include <cxxabi.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

namespace serval::lambda {

// One invocation as delivered by GET /runtime/invocation/next. Thread-compatible value type.
struct Invocation {
  std::string payload;           // The event, as raw bytes (JSON text).
  std::string request_id;        // Lambda-Runtime-Aws-Request-Id.
  std::string function_arn;      // Lambda-Runtime-Invoked-Function-Arn.
  std::string trace_id;          // Lambda-Runtime-Trace-Id (X-Ray); may be empty.
  std::string client_context;    // Lambda-Runtime-Client-Context (JSON text); may be empty.
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity (JSON text); may be empty.
  std::int64_t deadline_ms = 0;  // Lambda-Runtime-Deadline-Ms: Unix epoch, milliseconds.

  // Milliseconds left before the platform times the invocation out; never negative.
  std::int64_t RemainingTimeMs() const {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return deadline_ms > now ? deadline_ms - now : 0;
  }
};

// What a handler returns: a success payload or an error. Thread-compatible value type.
class Response {
 public:
  // `payload` is sent as is; Content-Type defaults to application/json.
  static Response Success(std::string payload, std::string content_type = "application/json") {
    return Response(true, std::move(payload), std::move(content_type), {}, {});
  }

  // Reported as {"errorMessage": message, "errorType": type, "stackTrace": []}.
  static Response Failure(std::string error_message, std::string error_type) {
    return Response(false, {}, "application/json", std::move(error_message), std::move(error_type));
  }

  bool IsSuccess() const { return success_; }
  const std::string& payload() const { return payload_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& error_message() const { return error_message_; }
  const std::string& error_type() const { return error_type_; }

 private:
  Response(bool success, std::string payload, std::string content_type, std::string error_message,
           std::string error_type)
      : success_(success),
        payload_(std::move(payload)),
        content_type_(std::move(content_type)),
        error_message_(std::move(error_message)),
        error_type_(std::move(error_type)) {}

  bool success_;
  std::string payload_;
  std::string content_type_;
  std::string error_message_;
  std::string error_type_;
};

namespace internal {

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Appends `s` to `out` as the inside of a JSON string literal.
inline void AppendJsonEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[(c >> 4) & 0xf]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
}

// Percent-encodes everything but RFC 3986 unreserved characters (request ids are UUIDs, so this
// is normally a plain copy).
inline std::string PathEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
    }
  }
  return out;
}

inline std::string DemangledTypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name != nullptr ? std::string(name.get()) : std::string(type.name());
}

}  // namespace internal

// A minimal HTTP/1.1 client for the Runtime API over one keep-alive TCP connection.
// Thread-compatible: one thread at a time (Run() uses it from the calling thread only).
class RuntimeClient {
 public:
  // `endpoint` is "host:port" without a scheme, as in AWS_LAMBDA_RUNTIME_API.
  explicit RuntimeClient(std::string endpoint) : endpoint_(std::move(endpoint)) {
    const std::size_t colon = endpoint_.rfind(':');
    if (colon == std::string::npos) {
      host_ = endpoint_;
      port_ = "80";
    } else {
      host_ = endpoint_.substr(0, colon);
      port_ = endpoint_.substr(colon + 1);
    }
    if (host_.size() >= 2 && host_.front() == '[' && host_.back() == ']') {
      host_ = host_.substr(1, host_.size() - 2);
    }
  }

  ~RuntimeClient() { Close(); }

  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // Long-polls for the next invocation. Returns false and sets `error` when the Runtime API
  // cannot be reached or answers with something other than 200 and a request id.
  bool Next(Invocation* invocation, std::string* error) {
    if (!RoundTrip("GET", "/2018-06-01/runtime/invocation/next", {}, {}, {}, error)) return false;
    if (status_ != 200) {
      *error = "GET /invocation/next answered " + std::to_string(status_) + ": " + body_;
      return false;
    }
    if (request_id_.empty()) {
      *error = "GET /invocation/next answered without Lambda-Runtime-Aws-Request-Id";
      return false;
    }
    invocation->payload.swap(body_);
    invocation->request_id.swap(request_id_);
    invocation->function_arn.swap(function_arn_);
    invocation->trace_id.swap(trace_id_);
    invocation->client_context.swap(client_context_);
    invocation->cognito_identity.swap(cognito_identity_);
    invocation->deadline_ms = deadline_ms_;
    return true;
  }

  // Posts the handler's outcome for `request_id`. Returns false only when the connection failed;
  // a non-202 answer (e.g. 413 for an oversized response) is reported in `error` but is not fatal.
  bool Post(const std::string& request_id, const Response& response, std::string* error) {
    const std::string path = "/2018-06-01/runtime/invocation/" + internal::PathEscape(request_id) +
                             (response.IsSuccess() ? "/response" : "/error");
    if (response.IsSuccess()) {
      return PostChecked(path, response.content_type(), response.payload(), {}, error);
    }
    return PostChecked(path, "application/json",
                       ErrorJson(response.error_message(), response.error_type()), {}, error);
  }

  // Reports a failure before the first invocation (POST /runtime/init/error). The platform then
  // expects the process to exit.
  bool PostInitError(const std::string& error_message, const std::string& error_type,
                     std::string* error) {
    return PostChecked("/2018-06-01/runtime/init/error", "application/json",
                       ErrorJson(error_message, error_type), error_type, error);
  }

  // {"errorMessage":...,"errorType":...,"stackTrace":[]}, the body aws-lambda-cpp sends.
  static std::string ErrorJson(std::string_view error_message, std::string_view error_type) {
    std::string json = "{\"errorMessage\":\"";
    internal::AppendJsonEscaped(error_message, &json);
    json += "\",\"errorType\":\"";
    internal::AppendJsonEscaped(error_type, &json);
    json += "\",\"stackTrace\":[]}";
    return json;
  }

 private:
  bool PostChecked(const std::string& path, std::string_view content_type, std::string_view body,
                   std::string_view error_type_header, std::string* error) {
    if (!RoundTrip("POST", path, content_type, body, error_type_header, error)) return false;
    if (status_ != 202) {
      *error = "POST " + path + " answered " + std::to_string(status_) + ": " + body_;
    }
    return true;
  }

  bool Connect(std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    const int rc = getaddrinfo(host_.c_str(), port_.c_str(), &hints, &addresses);
    if (rc != 0) {
      *error = "cannot resolve " + endpoint_ + ": " + gai_strerror(rc);
      return false;
    }
    int last_errno = 0;
    for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
      const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last_errno = errno;
        continue;
      }
      if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fd_ = fd;
        break;
      }
      last_errno = errno;
      close(fd);
    }
    freeaddrinfo(addresses);
    if (fd_ < 0) {
      *error = "cannot connect to " + endpoint_ + ": " + std::strerror(last_errno);
      return false;
    }
    buffer_.clear();
    return true;
  }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  // Sends one request and reads its response into status_, body_ and the header fields. Retries
  // once on a fresh connection when the kept-alive one turns out to be closed.
  bool RoundTrip(std::string_view method, const std::string& path, std::string_view content_type,
                 std::string_view body, std::string_view error_type_header, std::string* error) {
    head_.clear();
    head_.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
    head_.append(endpoint_).append("\r\n");
    if (method == "POST") {
      head_.append("Content-Type: ").append(content_type).append("\r\n");
      head_.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
      if (!error_type_header.empty()) {
        head_.append("Lambda-Runtime-Function-Error-Type: ").append(error_type_header);
        head_.append("\r\n");
      }
    }
    head_.append("\r\n");
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = fd_ >= 0;
      if (!reused && !Connect(error)) return false;
      bool received_any = false;
      if (SendAll(body) && ReadResponse(&received_any, error)) return true;
      Close();
      // Only a reused connection that died before answering is worth a retry.
      if (!reused || received_any) break;
    }
    if (error->empty()) *error = "connection to the Runtime API at " + endpoint_ + " failed";
    return false;
  }

  bool SendAll(std::string_view body) {
    iovec parts[2] = {{head_.data(), head_.size()}, {const_cast<char*>(body.data()), body.size()}};
    int count = body.empty() ? 1 : 2;
    iovec* next = parts;
    while (count > 0) {
      msghdr message{};
      message.msg_iov = next;
      message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(count);
      const ssize_t sent = sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      auto remaining = static_cast<std::size_t>(sent);
      while (count > 0 && remaining >= next->iov_len) {
        remaining -= next->iov_len;
        ++next;
        --count;
      }
      if (count > 0) {
        next->iov_base = static_cast<char*>(next->iov_base) + remaining;
        next->iov_len -= remaining;
      }
    }
    return true;
  }

  // Appends the next bytes from the socket to buffer_. Returns false on EOF or error.
  bool Fill() {
    if (scratch_ == nullptr) scratch_ = std::make_unique<char[]>(kReadChunk);
    ssize_t n;
    do {
      n = recv(fd_, scratch_.get(), kReadChunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buffer_.append(scratch_.get(), static_cast<std::size_t>(n));
    return true;
  }

  // Reads exactly `size` bytes of body: what buffer_ already holds, the rest straight from the
  // socket into body_ (no second copy of a multi-megabyte event).
  bool ReadBody(std::size_t body_start, std::size_t size) {
    const std::size_t buffered = std::min(buffer_.size() - body_start, size);
    body_.assign(buffer_, body_start, buffered);
    buffer_.erase(0, body_start + buffered);
    if (buffered == size) return true;
    body_.resize(size);
    std::size_t have = buffered;
    while (have < size) {
      const ssize_t n = recv(fd_, body_.data() + have, size - have, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      have += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool ReadResponse(bool* received_any, std::string* error) {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > kMaxHeaderBytes) {
        *error = "Runtime API response headers too large";
        return false;
      }
      if (!Fill()) return false;
      *received_any = true;
    }
    *received_any = true;
    status_ = 0;
    deadline_ms_ = 0;
    request_id_.clear();
    function_arn_.clear();
    trace_id_.clear();
    client_context_.clear();
    cognito_identity_.clear();
    bool has_length = false;
    bool close_after = false;
    std::size_t content_length = 0;

    const std::string_view head(buffer_.data(), header_end);
    std::size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
      *error = "malformed status line from the Runtime API";
      return false;
    }
    const std::string_view code = status_line.substr(9, 3);
    std::from_chars(code.data(), code.data() + code.size(), status_);
    while (line_end != std::string_view::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string_view line = head.substr(
          start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = internal::Trim(line.substr(0, colon));
      const std::string_view value = internal::Trim(line.substr(colon + 1));
      using internal::EqualsIgnoreCase;
      if (EqualsIgnoreCase(name, "Content-Length")) {
        has_length =
            std::from_chars(value.data(), value.data() + value.size(), content_length).ec ==
            std::errc();
      } else if (EqualsIgnoreCase(name, "Connection")) {
        close_after = EqualsIgnoreCase(value, "close");
      } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
        *error = "chunked responses from the Runtime API are not supported";
        return false;
      } else if (EqualsIgnoreCase(name, "Lambda-Runtime-Aws-Request-Id")) {
        request_id_.assign(value);
      } else if (EqualsIgnoreCase(name, "Lambda-Runtime-Deadline-Ms")) {
        std::from_chars(value.data(), value.data() + value.size(), deadline_ms_);
      } else if (EqualsIgnoreCase(name, "Lambda-Runtime-Invoked-Function-Arn")) {
        function_arn_.assign(value);
      } else if (EqualsIgnoreCase(name, "Lambda-Runtime-Trace-Id")) {
        trace_id_.assign(value);
      } else if (EqualsIgnoreCase(name, "Lambda-Runtime-Client-Context")) {
        client_context_.assign(value);
      } else if (EqualsIgnoreCase(name, "Lambda-Runtime-Cognito-Identity")) {
        cognito_identity_.assign(value);
      }
    }

    const std::size_t body_start = header_end + 4;
    if (has_length) {
      if (!ReadBody(body_start, content_length)) {
        *error = "Runtime API closed the connection mid-response";
        return false;
      }
    } else {
      while (Fill()) {
      }
      body_.assign(buffer_, body_start);
      close_after = true;
    }
    if (close_after) Close();
    return true;
  }

  static constexpr std::size_t kMaxHeaderBytes = 1 << 20;
  static constexpr std::size_t kReadChunk = 64 * 1024;

  std::string endpoint_;
  std::string host_;
  std::string port_;
  int fd_ = -1;
  std::string head_;                 // Request line and headers being sent.
  std::string buffer_;               // Bytes received and not yet consumed.
  std::unique_ptr<char[]> scratch_;  // recv() target, kReadChunk bytes, allocated on first use.

  // The last response.
  int status_ = 0;
  std::string body_;
  std::string request_id_;
  std::string function_arn_;
  std::string trace_id_;
  std::string client_context_;
  std::string cognito_identity_;
  std::int64_t deadline_ms_ = 0;
};

// Runs `handler` (callable as Response(const Invocation&)) for every invocation until the Runtime
// API becomes unusable; returns the process exit code. Exceptions thrown by the handler become
// error responses. stdout is flushed before each response is posted.
template <typename Handler>
int Run(Handler&& handler) {
  const char* endpoint = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (endpoint == nullptr || *endpoint == '\0') {
    std::fprintf(stderr, "serval::lambda::Run: AWS_LAMBDA_RUNTIME_API is not set\n");
    return 1;
  }
  std::fflush(stdout);  // Whatever main() printed belongs to the init phase.
  RuntimeClient client(endpoint);
  Invocation invocation;
  std::string error;
  while (true) {
    error.clear();
    if (!client.Next(&invocation, &error)) {
      std::fprintf(stderr, "serval::lambda::Run: %s\n", error.c_str());
      return 1;
    }
    std::optional<Response> response;
    try {
      response.emplace(handler(std::as_const(invocation)));
    } catch (const std::exception& e) {
      response.emplace(Response::Failure(e.what(), internal::DemangledTypeName(typeid(e))));
    } catch (...) {
      response.emplace(Response::Failure("Unknown exception", "UnknownException"));
    }
    // stdout is fully buffered on a pipe: whatever the handler printed must be in the log pipe
    // before the platform learns the invocation is over.
    std::fflush(stdout);
    const bool posted = client.Post(invocation.request_id, *response, &error);
    if (!error.empty()) std::fprintf(stderr, "serval::lambda::Run: %s\n", error.c_str());
    if (!posted) return 1;
  }
}

}  // namespace serval::lambda
