#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace serval {

// Source of wall-clock time. Injected wherever time decides behaviour (schedules, retries,
// expiry) so tests can run on simulated time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
};

// The system clock. Thread-safe.
class RealClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static const RealClock& Instance() {
    static const RealClock clock;
    return clock;
  }
};

// A clock that moves only when told to: `serval up --simulated-clock` uses it so tests can step
// through retry delays and schedules instead of waiting. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_millis) : now_(start_millis) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t millis) { now_.fetch_add(millis); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace serval
