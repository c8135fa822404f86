// metrics_bench: what recording an invocation costs the io thread (metrics::LambdaRecorder's
// Started + Finished, with the minute's roll into the store amortized in), what a minute's
// Collect costs with F functions, and how long rendering /metrics takes for them
// (monitoring::RenderPrometheus, without HTTP). Prints one JSON object.
//
// Usage: metrics_bench [--functions 1000] [--invocations 2000000] [--renders 21]

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "services/monitoring/prometheus.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int functions = 1000;
  long invocations = 2'000'000;
  int renders = 21;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--functions")) functions = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--invocations")) invocations = std::atol(argv[i + 1]);
    if (!std::strcmp(argv[i], "--renders")) renders = std::atoi(argv[i + 1]);
  }
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("serval-metrics-bench-{}", getpid());
  boost::asio::io_context io;
  serval::ManualClock clock(1'700'000'000'000);
  auto store = serval::metrics::MetricStore::Open(
      {.dir = dir, .clock = &clock, .io = &io, .post_to_io = [&io](std::function<void()> work) {
         boost::asio::post(io, std::move(work));
       }});
  if (!store.ok()) {
    fmt::print(stderr, "{}\n", store.status().ToString());
    return 1;
  }
  serval::metrics::LambdaRecorder recorder(store->get(), &clock);
  std::vector<std::string> names;
  for (int f = 0; f < functions; ++f) names.push_back(fmt::format("fn-{:04d}", f));
  const std::string qualifier;
  const std::string version = "$LATEST";
  serval::InvocationFigures figures{
      .duration_ms = 1.5, .billed_ms = 2, .memory_mb = 128, .max_memory_mb = 30};
  // Warm: every cell exists, every histogram has its capacity.
  for (const std::string& name : names) {
    recorder.Finished(recorder.Started(name, qualifier, version), false, figures);
  }
  // Invocations spread over the functions; the clock moves one minute per `per_minute` of
  // them, so the minute's roll into the store is part of the measured cost.
  const long per_minute = 20'000 * 60;
  const auto started = Clock::now();
  for (long i = 0; i < invocations; ++i) {
    if (i % per_minute == per_minute - 1) clock.Advance(60'000);
    figures.duration_ms = 1 + (i % 97);
    auto* cell = recorder.Started(names[i % functions], qualifier, version);
    recorder.Finished(cell, i % 50 == 0, figures);
  }
  const double record_ns = Seconds(Clock::now() - started) * 1e9 / invocations;

  std::vector<double> collects;
  for (int r = 0; r < 5; ++r) {
    for (const std::string& name : names) {
      recorder.Finished(recorder.Started(name, qualifier, version), false, figures);
    }
    const auto before = Clock::now();
    recorder.Collect();
    collects.push_back(Seconds(Clock::now() - before) * 1e3);
    clock.Advance(60'000);
  }
  std::vector<double> render_ms;
  size_t bytes = 0;
  for (int r = 0; r < renders; ++r) {
    const auto before = Clock::now();
    std::string text = serval::monitoring::RenderPrometheus(recorder, {});
    render_ms.push_back(Seconds(Clock::now() - before) * 1e3);
    bytes = text.size();
  }
  const auto flush_start = Clock::now();
  if (absl::Status status = (*store)->FlushAndWait(); !status.ok()) {
    fmt::print(stderr, "{}\n", status.ToString());
  }
  const double flush_ms = Seconds(Clock::now() - flush_start) * 1e3;
  fmt::print(
      "{{\"functions\": {}, \"invocations\": {}, \"record_ns_per_invocation\": {:.1f}, "
      "\"collect_ms_median\": {:.2f}, \"render_ms_median\": {:.2f}, \"render_bytes\": {}, "
      "\"final_flush_ms\": {:.1f}, \"series\": {}}}\n",
      functions, invocations, record_ns, Median(collects), Median(render_ms), bytes, flush_ms,
      (*store)->stats().series);
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
