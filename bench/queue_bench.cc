// queue_bench: storage::DurableQueue ingest rate and completion latency on this machine's disk.
//
// An asio io_context on the main thread stands in for Serval's io thread: it submits appends and
// receives completions through asio::post, keeping `outstanding` appends in flight (closed loop).
// Latency is from Append() on the io thread to its callback running there, i.e. what a 202 waits
// for. `--remove` also removes each event as it completes (a drain that keeps up), so the log
// rotates and compacts in the background as it would in service.
//
//   queue_bench [--dir D] [--seconds S] [--payload BYTES] [--outstanding N,N,...] [--remove]

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/durable_queue.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

// About what the async invoker stores per event beside the payload.
constexpr size_t kMetadataBytes = 150;

// The floor: one small write plus fdatasync, back to back.
void RawSync(const fs::path& dir, size_t payload, double seconds) {
  const auto path = dir / "raw-sync";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string buf(payload + 25 + kMetadataBytes, 'x');  // a record: header, metadata, payload
  std::vector<double> lat;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    if (::write(fd, buf.data(), buf.size()) < 0) break;
    ::fdatasync(fd);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  ::close(fd);
  fs::remove(path);
  const size_t n = lat.size();
  std::printf("raw write+fdatasync (%zu B): %.0f/s  p50 %.1f us  p99 %.1f us\n", buf.size(),
              static_cast<double>(n) / seconds, Percentile(lat, 0.5), Percentile(lat, 0.99));
}

struct Result {
  uint64_t completed = 0;
  std::vector<double> latency_us;
  std::vector<double> submit_us;  // time spent inside Append() on the io thread
};

void Run(const fs::path& dir, size_t payload_bytes, int outstanding, double seconds, bool remove) {
  fs::remove_all(dir);
  boost::asio::io_context io;
  // Completions arrive from the writer thread: keep run() going while appends are in flight.
  auto work = boost::asio::make_work_guard(io);
  serval::storage::DurableQueueOptions options;
  options.post_to_io = [&io](std::function<void()> fn) { boost::asio::post(io, std::move(fn)); };
  auto opened = serval::storage::DurableQueue::Open(dir, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  auto& queue = **opened;
  const std::string metadata(kMetadataBytes, 'm');
  const std::string payload(payload_bytes, 'p');
  Result result;
  result.latency_us.reserve(1 << 22);
  result.submit_us.reserve(1 << 22);
  const auto warmup_end = Clock::now() + std::chrono::milliseconds(300);
  const auto end = warmup_end + std::chrono::duration<double>(seconds);
  bool stopping = false;
  int in_flight = 0;
  const auto start_stats = queue.Stats();
  auto stats_at_warmup = start_stats;
  bool warm = false;

  std::function<void()> submit = [&] {
    const auto t0 = Clock::now();
    ++in_flight;
    queue.Append(metadata, payload, [&, t0](absl::StatusOr<uint64_t> id) {
      const auto t1 = Clock::now();
      --in_flight;
      if (!id.ok()) {
        std::fprintf(stderr, "append: %s\n", id.status().ToString().c_str());
        std::exit(1);
      }
      if (t0 >= warmup_end) {
        if (!warm) {
          warm = true;
          stats_at_warmup = queue.Stats();
        }
        if (t1 <= end) {
          ++result.completed;
          result.latency_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
      }
      if (remove) (void)queue.Remove(*id);
      if (t1 >= end) stopping = true;
      if (!stopping) submit();
      if (stopping && in_flight == 0) work.reset();
    });
    result.submit_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  };
  boost::asio::post(io, [&] {
    for (int i = 0; i < outstanding; ++i) submit();
  });
  io.run();
  const auto stats = queue.Stats();
  queue.Close();
  const uint64_t syncs = stats.syncs - stats_at_warmup.syncs;
  std::printf(
      "payload %5zu B  outstanding %3d%s: %8.0f appends/s  latency p50 %7.1f us  p99 %7.1f us  "
      "p99.9 %7.1f us  Append() call p99 %.1f us  %.1f appends/sync  compactions %llu\n",
      payload_bytes, outstanding, remove ? " +remove" : "",
      static_cast<double>(result.completed) / seconds, Percentile(result.latency_us, 0.5),
      Percentile(result.latency_us, 0.99), Percentile(result.latency_us, 0.999),
      Percentile(result.submit_us, 0.99),
      syncs ? static_cast<double>(result.completed) / static_cast<double>(syncs) : 0.0,
      static_cast<unsigned long long>(stats.compactions));
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::temp_directory_path() / "serval-queue-bench";
  double seconds = 5;
  size_t payload = 512;
  std::vector<int> outstanding = {1, 64};
  bool remove = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--dir") {
      dir = next();
    } else if (arg == "--seconds") {
      seconds = std::atof(next().c_str());
    } else if (arg == "--payload") {
      payload = static_cast<size_t>(std::atol(next().c_str()));
    } else if (arg == "--outstanding") {
      outstanding.clear();
      std::string list = next();
      for (size_t pos = 0; pos < list.size();) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        outstanding.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
        pos = comma + 1;
      }
    } else if (arg == "--remove") {
      remove = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  fs::create_directories(dir);
  RawSync(dir, payload, std::min(seconds, 2.0));
  for (int n : outstanding) Run(dir / "q", payload, n, seconds, remove);
  return 0;
}
