#include "invoker/concurrency_limiter.h"

namespace serval::invoker {

void ConcurrencyLimiter::SetReservation(const std::string& function, std::optional<int> reserved) {
  if (auto old = reservations_.find(function); old != reservations_.end()) {
    reserved_total_ -= old->second;
    reservations_.erase(old);
  }
  if (reserved) {
    reservations_[function] = *reserved;
    reserved_total_ += *reserved;
  }
}

std::optional<ConcurrencyLimiter::Slot> ConcurrencyLimiter::TryAcquire(
    const std::string& function, std::string* throttle_reason) {
  if (auto reservation = reservations_.find(function); reservation != reservations_.end()) {
    int& running = running_reserved_[function];
    if (running >= reservation->second) {
      *throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
      return std::nullopt;
    }
    ++running;
    ++reserved_running_;
    return Slot{function, true};
  }
  if (unreserved_running_ >= account_limit_ - reserved_total_) {
    *throttle_reason = "ConcurrentInvocationLimitExceeded";
    return std::nullopt;
  }
  ++unreserved_running_;
  return Slot{function, false};
}

void ConcurrencyLimiter::Release(const Slot& slot) {
  if (!slot.reserved) {
    --unreserved_running_;
    return;
  }
  --reserved_running_;
  auto running = running_reserved_.find(slot.function);
  if (running != running_reserved_.end() && --running->second <= 0)
    running_reserved_.erase(running);
}

}  // namespace serval::invoker
