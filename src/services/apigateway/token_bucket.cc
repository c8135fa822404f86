#include "services/apigateway/token_bucket.h"

#include <algorithm>

namespace serval::apigateway {

TokenBucket::TokenBucket(double rate, int64_t burst, int64_t now_ms)
    : rate_(rate), burst_(burst), tokens_(static_cast<double>(burst)), refilled_ms_(now_ms) {}

bool TokenBucket::Take(int64_t now_ms) {
  if (now_ms > refilled_ms_) {
    tokens_ = std::min(static_cast<double>(burst_),
                       tokens_ + rate_ * static_cast<double>(now_ms - refilled_ms_) / 1000.0);
    refilled_ms_ = now_ms;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool RateLimiter::Admit(const std::string& key, double rate, int64_t burst, int64_t now_ms) {
  auto found = buckets_.find(key);
  if (found == buckets_.end() || found->second.rate() != rate || found->second.burst() != burst) {
    if (found == buckets_.end() && buckets_.size() >= kMaxBuckets) buckets_.clear();
    found = buckets_.insert_or_assign(key, TokenBucket(rate, burst, now_ms)).first;
  }
  return found->second.Take(now_ms);
}

}  // namespace serval::apigateway
