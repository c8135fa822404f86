// invoke_load: a small closed-loop load generator for the Lambda Invoke API.
//
// C keep-alive connections each send `POST /2015-03-31/functions/{name}/invocations` one after
// another (the next request leaves when the previous response has arrived), until N measured
// requests have completed across all connections. A warm-up of W requests runs first on the same
// connections and is excluded from every number. A request counts as successful only if the
// response is HTTP 200 without X-Amz-Function-Error; anything else (other status, function error,
// connection failure, timeout) is an error and is left out of the latency percentiles.
//
// Prints one JSON object on stdout: count, ok, errors, duration_s, throughput_per_s (successful
// responses per second of measured wall time) and latency_us {p50, p90, p99, max, mean}
// (client-observed, from just before the request is written to when the whole response is read).
//
// Everything runs on one thread (one asio io_context, one coroutine per connection), so the
// generator costs at most one core.
//
// Requests are signed with SigV4 (service lambda; access key, secret and region from --access-key,
// --secret-key, --region, default test/test/us-east-1) by serval::http::SignRequest: signed
// headers host;x-amz-content-sha256;x-amz-date, payload hash of the body. Every request of a run has
// the same body, so the signature only changes with X-Amz-Date: it is computed again whenever the
// second changes (the server still verifies every request). --no-sign sends none.
//
// Usage: invoke_load --port P [--host 127.0.0.1] (--function NAME | --functions PREFIX:COUNT |
//                    --path /...)... [-n 10000] [-c 1] [--warmup 200] [--body '{"k":"v"}']
//                    [--header 'Name: value']... [--expect-status 200] [--timeout-ms 30000]
//                    [--no-sign] [--access-key K] [--secret-key S] [--region R]
//
// With several functions (or paths) the requests go to them in turn: `--functions echo:100`
// interleaves echo0..echo99. `--header 'X-Amz-Invocation-Type: Event' --expect-status 202`
// measures asynchronous ingest.
//
// NAME and --path are sent as given: use names of unreserved characters ([A-Za-z0-9._~-]), whose
// canonical (double-encoded) form is the same.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
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

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::vector<std::string> paths;  // requests go to these in turn
  int expect_status = 200;
  std::string body = R"({"hello":"world","n":42})";
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t requests = 10000;
  int concurrency = 1;
  int64_t warmup = 200;
  int timeout_ms = 30000;
  bool sign = true;
  std::string access_key = "test";
  std::string secret_key = "test";
  std::string region = "us-east-1";
};

// SigV4 (header form, as the AWS SDKs sign, through serval::http::SignRequest) for POSTs of the
// fixed body to each path; a path's signature is computed again when the second changes.
class Signer {
 public:
  Signer(const Options& options, std::string host_header)
      : options_(options), host_header_(std::move(host_header)) {}

  // Sets the signature headers on `request` (whose target is `path`) for this second.
  void Sign(http::request<http::string_body>& request, const std::string& path) {
    const std::time_t now = std::time(nullptr);
    Cached& cached = cache_[path];
    if (now != cached.signed_at) {
      cached.signed_at = now;
      serval::http::Request model{.method = "POST", .target = path, .body = options_.body};
      model.headers = {{"Host", host_header_}};
      serval::http::SignRequest(model, options_.access_key, options_.secret_key, options_.region,
                                "lambda", int64_t{now} * 1000);
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
  int64_t issued = 0;
  int64_t errors = 0;
  std::vector<uint32_t> latencies_us;
  std::vector<std::string> error_samples;
  Clock::time_point end;

  void Error(std::string what) {
    ++errors;
    if (error_samples.size() < 5) error_samples.push_back(std::move(what));
  }
};

struct Connection {
  explicit Connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  // Each connection writes its own copy: signing changes headers, and a write in progress
  // serializes straight from the message.
  http::request<http::string_body> request;
  bool open = false;
};

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "invoke_load: " << message << "\n"
            << "usage: invoke_load --port P [--host H] (--function NAME | --functions P:N |\n"
               "                   --path /...)... [-n N] [--expect-status S]\n"
               "                   [-c C] [--warmup W] [--body JSON] [--header 'Name: value']\n"
               "                   [--timeout-ms MS] [--no-sign] [--access-key K]\n"
               "                   [--secret-key S] [--region R]\n";
  std::exit(2);
}

int64_t ParseCount(const std::string& flag, const std::string& text, int64_t min) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min) Usage("bad value for " + flag + ": " + text);
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
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
      // PREFIX:COUNT -> PREFIX0 .. PREFIX(COUNT-1), invoked in turn.
      const std::string spec = value();
      const size_t colon = spec.rfind(':');
      if (colon == std::string::npos) Usage("--functions wants PREFIX:COUNT");
      const int64_t count = ParseCount(flag, spec.substr(colon + 1), 1);
      for (int64_t i = 0; i < count; ++i) add_function(spec.substr(0, colon) + std::to_string(i));
    } else if (flag == "--path") {
      options.paths.push_back(value());
    } else if (flag == "--expect-status") {
      options.expect_status = static_cast<int>(ParseCount(flag, value(), 100));
    } else if (flag == "--body") {
      options.body = value();
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
    } else if (flag == "-h" || flag == "--help") {
      Usage("help");
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (options.port.empty()) Usage("--port is required");
  if (options.paths.empty()) Usage("give --function, --functions or --path");
  return options;
}

class LoadGenerator {
 public:
  LoadGenerator(asio::io_context& io, const Options& options)
      : io_(io), options_(options), signer_(options, options.host + ":" + options.port) {
    request_.method(http::verb::post);
    request_.target(options_.paths.front());
    request_.version(11);
    request_.set(http::field::host, options_.host + ":" + options_.port);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::user_agent, "serval-invoke-load");
    for (const auto& [name, value] : options_.headers) request_.set(name, value);
    request_.keep_alive(true);
    request_.body() = options_.body;
    request_.prepare_payload();
    for (int i = 0; i < options_.concurrency; ++i) {
      connections_.push_back(std::make_unique<Connection>(io_));
      connections_.back()->request = request_;
    }
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

 private:
  asio::awaitable<void> Worker(Connection& connection, Phase& phase) {
    while (phase.issued < phase.total) {
      ++phase.issued;
      const Clock::time_point start = Clock::now();
      std::optional<std::string> error = co_await RoundTrip(connection);
      const auto elapsed =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
      if (error) {
        phase.Error(std::move(*error));
      } else {
        phase.latencies_us.push_back(static_cast<uint32_t>(elapsed.count()));
      }
    }
  }

  // One request on `connection` (connecting first if needed). Returns an error description, or
  // nothing for a 200 without a function error.
  asio::awaitable<std::optional<std::string>> RoundTrip(Connection& connection) {
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
      connection.open = true;
    }
    const std::string& path = options_.paths[next_path_++ % options_.paths.size()];
    connection.request.target(path);
    if (options_.sign) signer_.Sign(connection.request, path);
    connection.stream.expires_after(timeout);
    auto [write_ec, written] =
        co_await http::async_write(connection.stream, connection.request, kTuple);
    if (write_ec) {
      Close(connection);
      co_return "write: " + write_ec.message();
    }
    http::response<http::string_body> response;
    auto [read_ec, read] =
        co_await http::async_read(connection.stream, connection.buffer, response, kTuple);
    if (read_ec) {
      Close(connection);
      co_return "read: " + read_ec.message();
    }
    if (!response.keep_alive()) Close(connection);
    if (static_cast<int>(response.result_int()) != options_.expect_status) {
      co_return "HTTP " + std::to_string(response.result_int()) + ": " +
          response.body().substr(0, 200);
    }
    if (response.find("X-Amz-Function-Error") != response.end()) {
      co_return "function error: " + response.body().substr(0, 200);
    }
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
  http::request<http::string_body> request_;
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

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  asio::io_context io(1);
  LoadGenerator generator(io, options);

  Phase warmup{.total = options.warmup};
  if (warmup.total > 0) generator.RunPhase(warmup);

  Phase measured{.total = options.requests};
  const Clock::time_point start = Clock::now();
  generator.RunPhase(measured);
  const double duration_s = std::chrono::duration<double>(measured.end - start).count();

  std::vector<uint32_t> sorted = std::move(measured.latencies_us);
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (const uint32_t value : sorted) sum += value;
  const double mean = sorted.empty() ? 0.0 : sum / static_cast<double>(sorted.size());

  std::string samples = "[";
  for (const auto& sample : measured.error_samples) {
    if (samples.size() > 1) samples += ",";
    samples += JsonString(sample);
  }
  samples += "]";
  std::string warmup_samples = "[";
  for (const auto& sample : warmup.error_samples) {
    if (warmup_samples.size() > 1) warmup_samples += ",";
    warmup_samples += JsonString(sample);
  }
  warmup_samples += "]";

  std::printf(
      "{\"target\":%s,\"concurrency\":%d,\"warmup\":%lld,\"warmup_errors\":%lld,"
      "\"count\":%lld,\"ok\":%zu,\"errors\":%lld,\"duration_s\":%.4f,"
      "\"throughput_per_s\":%.1f,\"latency_us\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u,"
      "\"mean\":%.1f},\"error_samples\":%s,\"warmup_error_samples\":%s}\n",
      JsonString(options.host + ":" + options.port + options.paths.front() +
                 (options.paths.size() > 1
                      ? " (+" + std::to_string(options.paths.size() - 1) + " more)"
                      : ""))
          .c_str(),
      options.concurrency, static_cast<long long>(options.warmup),
      static_cast<long long>(warmup.errors), static_cast<long long>(options.requests),
      sorted.size(), static_cast<long long>(measured.errors), duration_s,
      duration_s > 0 ? static_cast<double>(sorted.size()) / duration_s : 0.0,
      Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99),
      sorted.empty() ? 0u : sorted.back(), mean, samples.c_str(), warmup_samples.c_str());
  return measured.errors == 0 ? 0 : 1;
}
