#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "services/service.h"

namespace serval::server {

// Serval's own endpoints on the edge port, never authenticated (Access::kOpen):
//   GET  /_serval/health                 {"status":"ok"}
//   GET  /_serval/stats                  internal counters, for benchmarks and operators
//   POST /_serval/clock/advance?seconds=N  moves the simulated clock (only with
//                                        --simulated-clock) and returns {"now": millis}
// Runs only on the io thread.
class AdminService : public services::Service {
 public:
  // `stats_json` builds the stats document; `advance_clock` (null without a simulated clock)
  // moves the clock by a number of milliseconds and returns its new time.
  AdminService(std::function<std::string()> stats_json,
               std::function<int64_t(int64_t millis)> advance_clock)
      : stats_json_(std::move(stats_json)), advance_clock_(std::move(advance_clock)) {}

  const services::ServiceInfo& info() const override;
  services::Access AccessFor(const http::Request&) const override {
    return services::Access::kOpen;
  }
  void Handle(protocol::RequestContext context, http::Responder respond) override;

 private:
  std::function<std::string()> stats_json_;
  std::function<int64_t(int64_t)> advance_clock_;
};

}  // namespace serval::server
