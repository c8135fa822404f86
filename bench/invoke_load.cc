// invoke_load: a small closed-loop load generator for SigV4-signed HTTP APIs: the Lambda Invoke
// API by default, S3 object PUT/GET with --service s3 --method PUT|GET, SNS Publish (a form body
// to / with --service sns), and a full ListObjectsV2 walk with --list-v2.
//
// C keep-alive connections each send their next request when the previous response has arrived
// (to `POST /2015-03-31/functions/{name}/invocations` by default, or to the --path targets), until
// N measured requests have completed across all connections. A warm-up of W requests runs first
// on the same connections and is excluded from every number. A request counts as successful only
// if the response has the expected status (200 unless --expect-status), no X-Amz-Function-Error
// and, with --expect-bytes, a body of exactly that size; anything else (other status, function
// error, connection failure, timeout) is an error and is left out of the latency percentiles.
//
// Prints one JSON object on stdout: count, ok, errors, duration_s, throughput_per_s (successful
// responses per second of measured wall time), bytes_per_s (request plus response body bytes of
// the successful requests) and latency_us {p50, p90, p99, max, mean} (client-observed, from just
// before the request is written to when the whole response is read).
//
// Everything runs on one thread (one asio io_context, one coroutine per connection), so the
// generator costs at most one core. Response bodies are read through a 256 KiB scratch buffer and
// dropped (only the first 200 bytes are kept, for error samples), so a 1 GiB GET costs no memory.
//
// Requests are signed with SigV4 (service --service, default lambda; access key, secret and region
// from --access-key, --secret-key, --region, default test/test/us-east-1) by
// serval::http::SignRequest: signed headers host;x-amz-content-sha256;x-amz-date, with the
// SHA-256 of the body declared in X-Amz-Content-SHA256 (what S3 wants for a signed payload). Every
// request to a target has the same body, so a target's signature is reused for up to 60 s (the
// servers accept 15 minutes of skew); the server still verifies every request. A body over 1 MiB
// is signed for every target before the measured phase, so hashing it is not timed. --no-sign
// sends none.
//
// Usage: invoke_load --port P [--host 127.0.0.1] (--function NAME | --functions PREFIX:COUNT |
//                    --path /... | --paths PREFIX:COUNT)... [--method POST] [--service lambda]
//                    [-n 10000] [-c 1] [--warmup 200] [--body '{"k":"v"}' | --body-size BYTES |
//                    --body-file FILE] [--header 'Name: value']... [--expect-status 200]
//                    [--expect-bytes N] [--timeout-ms 30000] [--no-sign] [--access-key K]
//                    [--secret-key S] [--region R] [--pause-ms MS] [--trace FILE
//                    [--trace-element TAG]]
//        invoke_load --port P --list-v2 BUCKET [--max-keys 1000] [--service s3] [...]
//
// With several functions (or paths) the requests go to them in turn: `--functions echo:100`
// interleaves echo0..echo99, `--paths /bucket/k:1000` /bucket/k0../bucket/k999. Warm-up requests
// take the first targets, measured ones the next, so `--paths` with warmup + n targets never sends
// two requests to the same one. `--header 'X-Amz-Invocation-Type: Event' --expect-status 202`
// measures asynchronous ingest.
//
// --pause-ms MS makes each connection wait MS milliseconds after each response before it sends
// its next request (a paced load instead of back to back; the pause is not in any latency).
//
// --trace FILE writes one line per measured request to FILE, in completion order:
// `start_ns end_ns status latency_us [text]`, where start_ns and end_ns are CLOCK_REALTIME
// (std::chrono::system_clock) nanoseconds since the epoch just before the request is written and
// once the whole response is read, and text is the first <TAG>...</TAG> of the response body with
// --trace-element TAG ("-" if absent; the first 4 KiB of the body are searched). Other processes
// on the host can compare their own CLOCK_REALTIME with these, e.g. a function that records when
// it started (bench/sns.sh matches SNS Publish's MessageId this way).
//
// --list-v2 BUCKET walks the bucket with ListObjectsV2 (`GET /BUCKET?list-type=2&max-keys=M`,
// then `&continuation-token=...` while the answer carries a NextContinuationToken) on one
// connection and prints pages, keys, duration_s, keys_per_s and the per-page latency.
//
// NAME and --path are sent as given: use names of unreserved characters ([A-Za-z0-9._~-]), whose
// canonical (double-encoded) form is the same.

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/sigv4.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// A target's signature is reused for this long (servers accept 15 minutes of clock skew).
constexpr std::time_t kResignSeconds = 60;
// Bodies larger than this are signed for every target before the measured phase.
constexpr size_t kPrimeSignaturesAbove = size_t{1} << 20;
constexpr size_t kErrorSampleBytes = 200;
// With --trace-element, this much of each response body is kept to search for the element.
constexpr size_t kTraceBodyBytes = 4096;

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::vector<std::string> paths;  // requests go to these in turn
  http::verb method = http::verb::post;
  std::string service = "lambda";
  int expect_status = 200;
  std::optional<uint64_t> expect_bytes;
  std::string body = R"({"hello":"world","n":42})";  // for POST; other methods default to none
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t requests = 10000;
  int concurrency = 1;
  int64_t warmup = 200;
  int timeout_ms = 30000;
  bool sign = true;
  std::string access_key = "test";
  std::string secret_key = "test";
  std::string region = "us-east-1";
  std::string list_bucket;  // --list-v2
  int max_keys = 1000;
  int pause_ms = 0;
  std::string trace_file;     // --trace
  std::string trace_element;  // --trace-element
};

// SigV4 (header form, as the AWS SDKs sign, through serval::http::SignRequest) for requests of
// `method` with a body to a target; a target's signature is cached for kResignSeconds.
class Signer {
 public:
  Signer(const Options& options, std::string host_header)
      : options_(options), host_header_(std::move(host_header)) {}

  // Sets the signature headers on `request`, whose target is `target` and whose body is `body`.
  // With `cache`, the headers are kept for the next request to the same target.
  template <class Body>
  void Sign(http::request<Body>& request, const std::string& target, std::string_view body,
            bool cache = true) {
    const std::time_t now = std::time(nullptr);
    Cached scratch;
    Cached& cached = cache ? cache_[target] : scratch;
    if (now - cached.signed_at >= kResignSeconds) {
      cached.signed_at = now;
      serval::http::Request model{.method = std::string(request.method_string()),
                                  .target = target,
                                  .body = std::string(body)};
      model.headers = {{"Host", host_header_}};
      serval::http::SignRequest(model, options_.access_key, options_.secret_key, options_.region,
                                options_.service, int64_t{now} * 1000);
      cached.headers.clear();
      for (auto& [name, value] : model.headers) {
        if (name != "Host") cached.headers.emplace_back(std::move(name), std::move(value));
      }
    }
    for (const auto& [name, value] : cached.headers) request.set(name, value);
  }

 private:
  struct Cached {
    std::time_t signed_at = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // X-Amz-Date, ..., Authorization
  };
  const Options& options_;
  const std::string host_header_;
  std::map<std::string, Cached> cache_;
};

// One phase (warm-up or measured): hands out request tickets and collects outcomes.
struct Phase {
  int64_t total = 0;
  std::FILE* trace = nullptr;  // --trace, measured phase only
  int64_t issued = 0;
  int64_t errors = 0;
  uint64_t body_bytes = 0;  // request + response bodies of the successful requests
  std::vector<uint32_t> latencies_us;
  std::vector<std::string> error_samples;
  Clock::time_point end;

  void Error(std::string what) {
    ++errors;
    if (error_samples.size() < 5) error_samples.push_back(std::move(what));
  }
};

// The body is a view of Options::body: connections share it, nothing copies it.
using OutgoingRequest = http::request<http::span_body<const char>>;

struct Connection {
  explicit Connection(asio::io_context& io) : stream(io), scratch(256 * 1024) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::vector<char> scratch;  // response bodies are read through this and dropped
  // Each connection writes its own copy: signing changes headers, and a write in progress
  // serializes straight from the message.
  OutgoingRequest request;
  bool open = false;
};

// What came back for one request.
struct Reply {
  int status = 0;
  bool function_error = false;
  uint64_t body_bytes = 0;
  std::string body;  // the first `keep` bytes
};

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "invoke_load: " << message << "\n"
            << "usage: invoke_load --port P [--host H] (--function NAME | --functions P:N |\n"
               "                   --path /... | --paths P:N)... [--method M] [--service S]\n"
               "                   [-n N] [-c C] [--warmup W] [--body TEXT | --body-size B |\n"
               "                   --body-file F] [--header 'Name: value'] [--expect-status S]\n"
               "                   [--expect-bytes B] [--timeout-ms MS] [--no-sign]\n"
               "                   [--access-key K] [--secret-key S] [--region R]\n"
               "                   [--pause-ms MS] [--trace FILE [--trace-element TAG]]\n"
               "       invoke_load --port P --list-v2 BUCKET [--max-keys M] [...]\n";
  std::exit(2);
}

int64_t ParseCount(const std::string& flag, const std::string& text, int64_t min) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min) Usage("bad value for " + flag + ": " + text);
  return value;
}

// `PREFIX:COUNT` -> PREFIX0 .. PREFIX(COUNT-1).
std::vector<std::string> Expand(const std::string& flag, const std::string& spec) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos) Usage(flag + " wants PREFIX:COUNT");
  const int64_t count = ParseCount(flag, spec.substr(colon + 1), 1);
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) names.push_back(spec.substr(0, colon) + std::to_string(i));
  return names;
}

// `size` bytes that do not compress (xorshift), the same in every run.
std::string PatternBody(size_t size) {
  std::string body(size, '\0');
  uint64_t state = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < size; i += 8) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    for (size_t j = 0; j < 8 && i + j < size; ++j)
      body[i + j] = static_cast<char>(state >> (8 * j));
  }
  return body;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  bool body_given = false;
  auto add_function = [&options](const std::string& name) {
    options.paths.push_back("/2015-03-31/functions/" + name + "/invocations");
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + flag);
      return argv[++i];
    };
    if (flag == "--host") {
      options.host = value();
    } else if (flag == "--port" || flag == "-p") {
      options.port = value();
    } else if (flag == "--function" || flag == "-f") {
      add_function(value());
    } else if (flag == "--functions") {
      for (const std::string& name : Expand(flag, value())) add_function(name);
    } else if (flag == "--path") {
      options.paths.push_back(value());
    } else if (flag == "--paths") {
      for (std::string& path : Expand(flag, value())) options.paths.push_back(std::move(path));
    } else if (flag == "--method" || flag == "-X") {
      const std::string method = value();
      options.method = http::string_to_verb(method);
      if (options.method == http::verb::unknown) Usage("unknown method " + method);
    } else if (flag == "--service") {
      options.service = value();
    } else if (flag == "--expect-status") {
      options.expect_status = static_cast<int>(ParseCount(flag, value(), 100));
    } else if (flag == "--expect-bytes") {
      options.expect_bytes = static_cast<uint64_t>(ParseCount(flag, value(), 0));
    } else if (flag == "--body") {
      body_given = true;
      options.body = value();
    } else if (flag == "--body-size") {
      body_given = true;
      options.body = PatternBody(static_cast<size_t>(ParseCount(flag, value(), 0)));
    } else if (flag == "--body-file") {
      body_given = true;
      const std::string file = value();
      std::ifstream in(file, std::ios::binary | std::ios::ate);
      if (!in) Usage("cannot read " + file);
      options.body.resize(static_cast<size_t>(in.tellg()));
      in.seekg(0);
      if (!in.read(options.body.data(), static_cast<std::streamsize>(options.body.size()))) {
        Usage("cannot read " + file);
      }
    } else if (flag == "--header" || flag == "-H") {
      const std::string header = value();
      const size_t colon = header.find(':');
      if (colon == std::string::npos) Usage("header without ':': " + header);
      size_t start = colon + 1;
      while (start < header.size() && header[start] == ' ') ++start;
      options.headers.emplace_back(header.substr(0, colon), header.substr(start));
    } else if (flag == "-n" || flag == "--requests") {
      options.requests = ParseCount(flag, value(), 1);
    } else if (flag == "-c" || flag == "--concurrency") {
      options.concurrency = static_cast<int>(ParseCount(flag, value(), 1));
    } else if (flag == "--warmup") {
      options.warmup = ParseCount(flag, value(), 0);
    } else if (flag == "--timeout-ms") {
      options.timeout_ms = static_cast<int>(ParseCount(flag, value(), 1));
    } else if (flag == "--no-sign") {
      options.sign = false;
    } else if (flag == "--access-key") {
      options.access_key = value();
    } else if (flag == "--secret-key") {
      options.secret_key = value();
    } else if (flag == "--region") {
      options.region = value();
    } else if (flag == "--list-v2") {
      options.list_bucket = value();
    } else if (flag == "--max-keys") {
      options.max_keys = static_cast<int>(ParseCount(flag, value(), 1));
    } else if (flag == "--pause-ms") {
      options.pause_ms = static_cast<int>(ParseCount(flag, value(), 0));
    } else if (flag == "--trace") {
      options.trace_file = value();
    } else if (flag == "--trace-element") {
      options.trace_element = value();
    } else if (flag == "-h" || flag == "--help") {
      Usage("help");
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (options.port.empty()) Usage("--port is required");
  if (!body_given && options.method != http::verb::post) options.body.clear();
  if (options.paths.empty() && options.list_bucket.empty()) {
    Usage("give --function, --functions, --path, --paths or --list-v2");
  }
  return options;
}

// Percent-encodes everything but SigV4's unreserved characters.
std::string UriEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

// The text of the first <tag>...</tag> in `xml`, with XML's predefined entities decoded.
std::optional<std::string> ElementText(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return std::nullopt;
  std::string text(xml.substr(start + open.size(), end - start - open.size()));
  static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities = {
      {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
  for (const auto& [entity, c] : kEntities) {
    for (size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, entity.size(), 1, c);
    }
  }
  return text;
}

size_t CountOccurrences(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

class LoadGenerator {
 public:
  LoadGenerator(asio::io_context& io, const Options& options)
      : io_(io), options_(options), signer_(options, options.host + ":" + options.port) {
    for (int i = 0; i < options_.concurrency; ++i) {
      connections_.push_back(std::make_unique<Connection>(io_));
    }
  }

  // Signs the body for every target now, so that a large body's hash is not timed.
  void PrimeSignatures() {
    if (!options_.sign || options_.body.size() <= kPrimeSignaturesAbove) return;
    OutgoingRequest scratch;
    scratch.method(options_.method);
    for (const std::string& path : options_.paths) signer_.Sign(scratch, path, options_.body);
  }

  // Runs `total` requests over all connections; returns when all have completed.
  void RunPhase(Phase& phase) {
    phase.latencies_us.reserve(static_cast<size_t>(phase.total));
    int running = 0;
    for (auto& connection : connections_) {
      ++running;
      asio::co_spawn(io_, Worker(*connection, phase), [&phase, &running](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
        if (--running == 0) phase.end = Clock::now();
      });
    }
    io_.restart();
    io_.run();
  }

  struct ListResult {
    int64_t pages = 0;
    int64_t keys = 0;
    double duration_s = 0;
    std::vector<uint32_t> page_latencies_us;
    std::optional<std::string> error;
  };

  // Walks options_.list_bucket with ListObjectsV2 pages on the first connection.
  ListResult RunList() {
    ListResult result;
    asio::co_spawn(io_, List(*connections_.front(), result), [](std::exception_ptr error) {
      if (error) std::rethrow_exception(error);
    });
    io_.restart();
    io_.run();
    return result;
  }

 private:
  asio::awaitable<void> Worker(Connection& connection, Phase& phase) {
    Reply reply;
    asio::steady_timer pause(io_);
    const size_t keep = options_.trace_element.empty() ? kErrorSampleBytes : kTraceBodyBytes;
    while (phase.issued < phase.total) {
      ++phase.issued;
      const std::string& path = options_.paths[next_path_++ % options_.paths.size()];
      const auto start_real = std::chrono::system_clock::now();
      const Clock::time_point start = Clock::now();
      std::optional<std::string> error =
          co_await Exchange(connection, options_.method, path, options_.body, keep, true, reply);
      const Clock::time_point end = Clock::now();
      const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(end - start);
      if (phase.trace != nullptr) Trace(phase.trace, start_real, reply, error, elapsed);
      if (!error) error = Check(reply);
      if (error) {
        phase.Error(std::move(*error));
      } else {
        phase.latencies_us.push_back(static_cast<uint32_t>(elapsed.count()));
        phase.body_bytes += options_.body.size() + reply.body_bytes;
      }
      if (options_.pause_ms > 0 && phase.issued < phase.total) {
        pause.expires_after(std::chrono::milliseconds(options_.pause_ms));
        co_await pause.async_wait(kTuple);
      }
    }
  }

  // One --trace line: CLOCK_REALTIME at the start (taken just before the request was written)
  // and at the end (now: the response has just been read completely).
  void Trace(std::FILE* file, std::chrono::system_clock::time_point start_real, const Reply& reply,
             const std::optional<std::string>& transport_error,
             std::chrono::microseconds elapsed) const {
    const auto end_real = std::chrono::system_clock::now();
    auto ns = [](std::chrono::system_clock::time_point t) {
      return static_cast<long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
    };
    std::string text = "-";
    if (!options_.trace_element.empty() && !transport_error) {
      text = ElementText(reply.body, options_.trace_element).value_or("-");
    }
    std::fprintf(file, "%lld %lld %d %lld %s\n", ns(start_real), ns(end_real),
                 transport_error ? 0 : reply.status, static_cast<long long>(elapsed.count()),
                 text.c_str());
  }

  std::optional<std::string> Check(const Reply& reply) const {
    if (reply.status != options_.expect_status) {
      return "HTTP " + std::to_string(reply.status) + ": " + reply.body;
    }
    if (reply.function_error) return "function error: " + reply.body;
    if (options_.expect_bytes && reply.body_bytes != *options_.expect_bytes) {
      return "body of " + std::to_string(reply.body_bytes) + " bytes, expected " +
             std::to_string(*options_.expect_bytes);
    }
    return std::nullopt;
  }

  asio::awaitable<void> List(Connection& connection, ListResult& result) {
    const Clock::time_point start = Clock::now();
    std::string token;
    Reply reply;
    while (true) {
      std::string target =
          "/" + options_.list_bucket + "?list-type=2&max-keys=" + std::to_string(options_.max_keys);
      if (!token.empty()) target += "&continuation-token=" + UriEncode(token);
      const Clock::time_point page_start = Clock::now();
      std::optional<std::string> error =
          co_await Exchange(connection, http::verb::get, target, {},
                            std::numeric_limits<size_t>::max(), false, reply);
      if (!error && reply.status != 200) {
        error = "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200);
      }
      if (error) {
        result.error = std::move(error);
        break;
      }
      result.page_latencies_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - page_start)
              .count()));
      ++result.pages;
      result.keys += static_cast<int64_t>(CountOccurrences(reply.body, "<Key>"));
      std::optional<std::string> next = ElementText(reply.body, "NextContinuationToken");
      if (ElementText(reply.body, "IsTruncated") != "true" || !next || next->empty()) break;
      token = std::move(*next);
    }
    result.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  }

  // One request on `connection` (connecting first if needed): `method` to `target` with `body`,
  // signed (the signature cached per target when `cache_signature`). Fills `reply`, keeping the
  // first `keep` bytes of the response body. Returns a transport error, if any.
  asio::awaitable<std::optional<std::string>> Exchange(Connection& connection, http::verb method,
                                                       const std::string& target,
                                                       std::string_view body, size_t keep,
                                                       bool cache_signature, Reply& reply) {
    const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
    if (!connection.open) {
      if (endpoints_.empty()) {
        tcp::resolver resolver(io_);
        auto [ec, results] = co_await resolver.async_resolve(options_.host, options_.port, kTuple);
        if (ec) co_return "resolve: " + ec.message();
        endpoints_.assign(results.begin(), results.end());
      }
      connection.stream.expires_after(timeout);
      auto [ec, endpoint] = co_await connection.stream.async_connect(endpoints_, kTuple);
      if (ec) co_return "connect: " + ec.message();
      connection.stream.socket().set_option(tcp::no_delay(true));
      connection.buffer.clear();
      // Read the socket 64 KB at a time (the flat buffer's capacity bounds each read).
      connection.buffer.reserve(64 * 1024);
      connection.open = true;
    }
    OutgoingRequest& request = connection.request;
    request = OutgoingRequest{};
    request.method(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, options_.host + ":" + options_.port);
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      request.set(http::field::content_type, "application/json");
    }
    request.set(http::field::user_agent, "serval-invoke-load");
    for (const auto& [name, value] : options_.headers) request.set(name, value);
    request.keep_alive(true);
    request.body() = http::span_body<const char>::value_type(body.data(), body.size());
    request.prepare_payload();
    if (options_.sign) signer_.Sign(request, target, body, cache_signature);

    connection.stream.expires_after(timeout);
    auto [write_ec, written] = co_await http::async_write(connection.stream, request, kTuple);
    if (write_ec) {
      Close(connection);
      co_return "write: " + write_ec.message();
    }

    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [header_ec, header_read] =
        co_await http::async_read_header(connection.stream, connection.buffer, parser, kTuple);
    if (header_ec) {
      Close(connection);
      co_return "read: " + header_ec.message();
    }
    reply.status = static_cast<int>(parser.get().result_int());
    reply.function_error = parser.get().find("X-Amz-Function-Error") != parser.get().end();
    reply.body_bytes = 0;
    reply.body.clear();
    while (!parser.is_done()) {
      parser.get().body().data = connection.scratch.data();
      parser.get().body().size = connection.scratch.size();
      auto [ec, read] =
          co_await http::async_read(connection.stream, connection.buffer, parser, kTuple);
      if (ec && ec != http::error::need_buffer) {
        Close(connection);
        co_return "read: " + ec.message();
      }
      const size_t got = connection.scratch.size() - parser.get().body().size;
      reply.body_bytes += got;
      if (reply.body.size() < keep) {
        reply.body.append(connection.scratch.data(), std::min(got, keep - reply.body.size()));
      }
    }
    if (!parser.get().keep_alive()) Close(connection);
    co_return std::nullopt;
  }

  static void Close(Connection& connection) {
    beast::error_code ignored;
    connection.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    connection.stream.close();
    connection.open = false;
  }

  asio::io_context& io_;
  const Options& options_;
  Signer signer_;
  std::vector<tcp::endpoint> endpoints_;
  std::vector<std::unique_ptr<Connection>> connections_;
  size_t next_path_ = 0;
};

uint32_t Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string JsonString(std::string_view text) {
  return boost::json::serialize(
      boost::json::value(boost::json::string_view(text.data(), text.size())));
}

std::string JsonStrings(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (const auto& text : texts) {
    if (out.size() > 1) out += ",";
    out += JsonString(text);
  }
  return out + "]";
}

int ListMain(LoadGenerator& generator, const Options& options) {
  LoadGenerator::ListResult result = generator.RunList();
  std::vector<uint32_t> sorted = std::move(result.page_latencies_us);
  std::sort(sorted.begin(), sorted.end());
  std::printf(
      "{\"target\":%s,\"mode\":\"list-v2\",\"max_keys\":%d,\"pages\":%lld,\"keys\":%lld,"
      "\"duration_s\":%.4f,\"keys_per_s\":%.1f,\"page_latency_us\":{\"p50\":%u,\"p99\":%u,"
      "\"max\":%u},\"error\":%s}\n",
      JsonString(options.host + ":" + options.port + "/" + options.list_bucket).c_str(),
      options.max_keys, static_cast<long long>(result.pages), static_cast<long long>(result.keys),
      result.duration_s,
      result.duration_s > 0 ? static_cast<double>(result.keys) / result.duration_s : 0.0,
      Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.empty() ? 0u : sorted.back(),
      result.error ? JsonString(*result.error).c_str() : "null");
  return result.error ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  asio::io_context io(1);
  LoadGenerator generator(io, options);
  if (!options.list_bucket.empty()) return ListMain(generator, options);

  Phase warmup{.total = options.warmup};
  if (warmup.total > 0) generator.RunPhase(warmup);

  generator.PrimeSignatures();
  Phase measured{.total = options.requests};
  if (!options.trace_file.empty()) {
    measured.trace = std::fopen(options.trace_file.c_str(), "w");
    if (measured.trace == nullptr) Usage("cannot write " + options.trace_file);
  }
  const Clock::time_point start = Clock::now();
  generator.RunPhase(measured);
  if (measured.trace != nullptr && std::fclose(measured.trace) != 0) {
    std::cerr << "invoke_load: writing " << options.trace_file << " failed\n";
    return 1;
  }
  const double duration_s = std::chrono::duration<double>(measured.end - start).count();

  std::vector<uint32_t> sorted = std::move(measured.latencies_us);
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (const uint32_t value : sorted) sum += value;
  const double mean = sorted.empty() ? 0.0 : sum / static_cast<double>(sorted.size());

  std::printf(
      "{\"target\":%s,\"method\":%s,\"concurrency\":%d,\"warmup\":%lld,\"warmup_errors\":%lld,"
      "\"count\":%lld,\"ok\":%zu,\"errors\":%lld,\"duration_s\":%.4f,"
      "\"throughput_per_s\":%.1f,\"bytes_per_s\":%.0f,\"latency_us\":{\"p50\":%u,\"p90\":%u,"
      "\"p99\":%u,\"max\":%u,\"mean\":%.1f},\"error_samples\":%s,\"warmup_error_samples\":%s}\n",
      JsonString(options.host + ":" + options.port + options.paths.front() +
                 (options.paths.size() > 1
                      ? " (+" + std::to_string(options.paths.size() - 1) + " more)"
                      : ""))
          .c_str(),
      JsonString(std::string(http::to_string(options.method))).c_str(), options.concurrency,
      static_cast<long long>(options.warmup), static_cast<long long>(warmup.errors),
      static_cast<long long>(options.requests), sorted.size(),
      static_cast<long long>(measured.errors), duration_s,
      duration_s > 0 ? static_cast<double>(sorted.size()) / duration_s : 0.0,
      duration_s > 0 ? static_cast<double>(measured.body_bytes) / duration_s : 0.0,
      Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99),
      sorted.empty() ? 0u : sorted.back(), mean, JsonStrings(measured.error_samples).c_str(),
      JsonStrings(warmup.error_samples).c_str());
  return measured.errors == 0 ? 0 : 1;
}
