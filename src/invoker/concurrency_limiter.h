#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace serval::invoker {

// Counts running invocations against the account's concurrency limit and functions' reserved
// concurrency, as Lambda does: a function with a reservation of R runs at most R at once (0
// disables it) and that capacity is set aside for it; functions without one share what the
// reservations leave of the account limit. Runs only on the io thread.
class ConcurrencyLimiter {
 public:
  // A slot held by one running invocation; give it back with Release.
  struct Slot {
    std::string function;
    bool reserved = false;  // counted against the function's reservation
  };

  explicit ConcurrencyLimiter(int account_limit) : account_limit_(account_limit) {}

  // Records a function's reservation (nullopt: none). Running invocations keep their slots.
  void SetReservation(const std::string& function, std::optional<int> reserved);
  // Takes a slot, or returns the throttle reason Lambda reports when there is none:
  // "ReservedFunctionConcurrentInvocationLimitExceeded" or "ConcurrentInvocationLimitExceeded".
  std::optional<Slot> TryAcquire(const std::string& function, std::string* throttle_reason);
  void Release(const Slot& slot);

  int running() const { return reserved_running_ + unreserved_running_; }
  int account_limit() const { return account_limit_; }

 private:
  int account_limit_;
  int reserved_total_ = 0;
  int reserved_running_ = 0;
  int unreserved_running_ = 0;
  std::map<std::string, int, std::less<>> reservations_;
  std::map<std::string, int, std::less<>> running_reserved_;  // per function with a reservation
};

}  // namespace serval::invoker
