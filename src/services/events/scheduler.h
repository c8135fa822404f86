#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::events {

// Fires schedule rules at their times. Each enabled rule with a schedule expression has one due
// time; a single timer sleeps until the earliest. When the clock has passed several due times of
// a rule (a loaded machine, or a simulated clock moved forward), each is fired in order, up to a
// bound. Fire times missed while Serval was not running are skipped: after a start, every rule
// next fires at its first schedule time after the start (docs/scheduling.md). Runs only on the
// io thread.
class Scheduler {
 public:
  using FireCallback = std::function<void(const std::string& rule, int64_t scheduled_millis)>;

  Scheduler(boost::asio::io_context& io, const Clock* clock, FireCallback fire);
  ~Scheduler();

  // (Re)schedules a rule from now. Disabled rules, rules without a schedule and invalid
  // expressions are not scheduled. `anchor_millis` anchors rate() schedules (creation time).
  void Set(const std::string& rule, const std::string& expression, int64_t anchor_millis,
           bool enabled);
  void Remove(const std::string& rule);
  // The clock may have moved (a simulated clock): fire what is due now.
  void Wake();
  // Stops firing.
  void Shutdown();

  size_t scheduled() const;
  // When `rule` fires next (epoch millis); 0 when it is not scheduled.
  int64_t NextFire(const std::string& rule) const;
  // Fires since start and how late they were handed to their targets (milliseconds after the
  // scheduled instant), over the most recent kDelaySamples fires.
  struct Stats {
    uint64_t fires = 0;
    int64_t max_delay_millis = 0;
    int64_t p50_delay_millis = 0;
    int64_t p99_delay_millis = 0;
  };
  static constexpr size_t kDelaySamples = 65536;
  Stats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace serval::events
