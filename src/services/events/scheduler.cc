#include "services/events/scheduler.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <set>
#include <vector>

#include "services/events/schedule_expression.h"

namespace serval::events {
namespace {

namespace asio = boost::asio;

// Catch-up fires of one rule per wake-up, so a clock jumped by years cannot stall the loop.
constexpr int kMaxCatchUpFires = 1000;
// The timer never sleeps longer than this, so a clock set by hand is noticed without a Wake().
constexpr int64_t kMaxSleepMillis = 1000;

}  // namespace

class Scheduler::Impl {
 public:
  Impl(asio::io_context& io, const Clock* clock, FireCallback fire)
      : clock_(clock), fire_(std::move(fire)), timer_(io) {}

  void Set(const std::string& rule, const std::string& expression, int64_t anchor_millis,
           bool enabled) {
    Remove(rule);
    if (!enabled || expression.empty() || shut_down_) return;
    auto parsed = ParseScheduleExpression(expression);
    if (!parsed.ok()) return;
    parsed->set_rate_anchor_millis(anchor_millis);
    auto next = parsed->NextFireAfter(clock_->NowMillis());
    if (!next) return;
    entries_.emplace(rule, Entry{std::move(*parsed), *next});
    due_.emplace(*next, rule);
    ArmTimer();
  }

  void Remove(const std::string& rule) {
    auto found = entries_.find(rule);
    if (found == entries_.end()) return;
    due_.erase({found->second.due, rule});
    entries_.erase(found);
  }

  void Wake() { FireDue(); }

  void Shutdown() {
    shut_down_ = true;
    timer_.cancel();
  }

  size_t scheduled() const { return entries_.size(); }
  int64_t NextFire(const std::string& rule) const {
    auto found = entries_.find(rule);
    return found == entries_.end() ? 0 : found->second.due;
  }
  Stats stats() const {
    Stats stats = stats_;
    if (delays_.empty()) return stats;
    std::vector<int64_t> sorted = delays_;
    std::sort(sorted.begin(), sorted.end());
    stats.p50_delay_millis = sorted[(sorted.size() - 1) / 2];
    stats.p99_delay_millis = sorted[(sorted.size() - 1) * 99 / 100];
    return stats;
  }

 private:
  struct Entry {
    ScheduleExpression expression;  // with its rate() anchor set
    int64_t due;
    uint64_t wake = 0;      // the FireDue call that last fired it
    int fired_in_wake = 0;  // how often it fired in that call
  };

  void FireDue() {
    if (shut_down_) return;
    const int64_t now = clock_->NowMillis();
    ++wake_;
    while (!due_.empty() && due_.begin()->first <= now) {
      const auto [due, rule] = *due_.begin();
      due_.erase(due_.begin());
      auto entry = entries_.find(rule);
      if (entry == entries_.end()) continue;
      // The delay is measured when the targets are handed the event, i.e. after the fires that
      // came before this one in the same wake-up.
      const int64_t handed_over = clock_->NowMillis();
      ++stats_.fires;
      stats_.max_delay_millis = std::max(stats_.max_delay_millis, handed_over - due);
      if (delays_.size() < kDelaySamples) {
        delays_.push_back(handed_over - due);
      } else {
        delays_[stats_.fires % kDelaySamples] = handed_over - due;
      }
      // Compute the next time before firing: the callback may change or remove the rule.
      Entry& fired = entry->second;
      if (fired.wake != wake_) {
        fired.wake = wake_;
        fired.fired_in_wake = 0;
      }
      auto next = fired.expression.NextFireAfter(due);
      if (++fired.fired_in_wake >= kMaxCatchUpFires && next && *next <= now) {
        next = entry->second.expression.NextFireAfter(now);
      }
      if (next) {
        entry->second.due = *next;
        due_.emplace(*next, rule);
      } else {
        entries_.erase(entry);
      }
      fire_(rule, due);
    }
    ArmTimer();
  }

  // Sleeps until the earliest due time (at most kMaxSleepMillis), unless already set to wake up
  // no later than that: loading many rules does not re-arm the timer for each.
  void ArmTimer() {
    if (due_.empty() || shut_down_) return;
    const int64_t now = clock_->NowMillis();
    const int64_t wait = std::clamp<int64_t>(due_.begin()->first - now, 0, kMaxSleepMillis);
    const auto wake_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
    if (armed_ && armed_until_ <= wake_at) return;
    armed_ = true;
    armed_until_ = wake_at;
    timer_.expires_at(wake_at);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // re-armed earlier, or shut down
      armed_ = false;
      FireDue();
    });
  }

  const Clock* clock_;
  FireCallback fire_;
  asio::steady_timer timer_;
  std::map<std::string, Entry> entries_;
  std::set<std::pair<int64_t, std::string>> due_;
  Stats stats_;
  std::vector<int64_t> delays_;  // ring of the latest kDelaySamples delays
  uint64_t wake_ = 0;            // counts FireDue calls
  bool armed_ = false;
  std::chrono::steady_clock::time_point armed_until_;
  bool shut_down_ = false;
};

Scheduler::Scheduler(asio::io_context& io, const Clock* clock, FireCallback fire)
    : impl_(std::make_unique<Impl>(io, clock, std::move(fire))) {}
Scheduler::~Scheduler() = default;

void Scheduler::Set(const std::string& rule, const std::string& expression, int64_t anchor_millis,
                    bool enabled) {
  impl_->Set(rule, expression, anchor_millis, enabled);
}
void Scheduler::Remove(const std::string& rule) { impl_->Remove(rule); }
void Scheduler::Wake() { impl_->Wake(); }
void Scheduler::Shutdown() { impl_->Shutdown(); }
size_t Scheduler::scheduled() const { return impl_->scheduled(); }
int64_t Scheduler::NextFire(const std::string& rule) const { return impl_->NextFire(rule); }
Scheduler::Stats Scheduler::stats() const { return impl_->stats(); }

}  // namespace serval::events
