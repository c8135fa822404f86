#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "http/async_client.h"
#include "services/sns/delivery_record.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio
namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::sns {

struct HttpDelivererOptions {
  std::filesystem::path dir;  // the durable queue's directory (created if missing)
  boost::asio::io_context* io = nullptr;
  const Clock* clock = nullptr;  // times retries; a ManualClock in tests
  // Runs a closure on the io thread: how the queue's writer hands completions back.
  std::function<void(std::function<void()>)> post_to_io;
  // One attempt may take this long before it counts as failed (SNS: 15 s).
  std::chrono::milliseconds attempt_timeout{15'000};
  // Attempts running at once; the others wait their turn.
  size_t max_in_flight = 64;
  http::FetchOptions fetch;  // response cap; a CA file to trust in tests
};

// Totals since Open (pending: now).
struct HttpDeliveryStats {
  uint64_t delivered = 0;  // answered 2xx
  uint64_t rejected = 0;   // answered 3xx or 4xx: not retried, as SNS does
  uint64_t retried = 0;    // retries scheduled
  uint64_t failed = 0;     // given up on: retries exhausted, or the record unreadable
  uint64_t pending = 0;    // queued and not finished, attempts in flight included
  uint64_t in_flight = 0;
};

// Delivers SNS messages to HTTP/HTTPS endpoints durably and with SNS's retries (design:
// http_delivery.cc; record format: docs/formats.md). Runs only on the io thread: every member is
// called there and every callback runs there.
class HttpDeliverer {
 public:
  // Opens (or recovers) the queue in options.dir. Blocking: for startup.
  static absl::StatusOr<std::unique_ptr<HttpDeliverer>> Open(HttpDelivererOptions options);
  ~HttpDeliverer();  // deliveries still pending stay queued for the next Open
  HttpDeliverer(const HttpDeliverer&) = delete;
  HttpDeliverer& operator=(const HttpDeliverer&) = delete;

  // Schedules the deliveries that were pending when the queue was last closed (or killed), each
  // at its recorded next attempt time, and starts attempting. Call once.
  void Start();
  // Queues `delivery` and, once it is on disk, tells `settled` OK (then Publish may answer) and
  // attempts it. `settled` gets the error instead if it could not be queued (nothing is sent).
  void Deliver(HttpDelivery delivery, std::function<void(absl::Status)> settled);
  // The simulated clock moved: attempt what became due (soon, on the io thread).
  void OnClockAdvanced();
  // Stops starting attempts; answers arriving afterwards leave their deliveries queued.
  void Shutdown();

  HttpDeliveryStats stats() const;
  // The stats as "sns_http_delivered", "sns_http_rejected", ... members of /_serval/stats.
  void AddStats(boost::json::object& stats) const;

  class Impl;

 private:
  explicit HttpDeliverer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with in-flight attempts, which hold it weakly
};

}  // namespace serval::sns
