#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace serval::apigateway {

// A token bucket as API Gateway throttles with it: it holds at most `burst` tokens, starts full,
// refills at `rate` tokens a second and each admitted request takes one. Times are a Clock's
// milliseconds, so a simulated clock drives it. Thread-compatible value.
class TokenBucket {
 public:
  TokenBucket(double rate, int64_t burst, int64_t now_ms);

  // Takes a token if one is left at `now_ms`.
  bool Take(int64_t now_ms);

  double rate() const { return rate_; }
  int64_t burst() const { return burst_; }

 private:
  double rate_;
  int64_t burst_;
  double tokens_;
  int64_t refilled_ms_;
};

// Token buckets by name ("usage plan/key", "api/stage/resource path/VERB"), each made on first
// use with the limits it is asked with and made anew when they change. Runs only on the io
// thread.
class RateLimiter {
 public:
  // Whether the bucket `key` admits one more request at `now_ms`.
  bool Admit(const std::string& key, double rate, int64_t burst, int64_t now_ms);

 private:
  // Forgetting every bucket once there are this many only refills them: an idle bucket is full
  // anyway, so the bound costs at most one burst per busy key.
  static constexpr size_t kMaxBuckets = 100000;
  std::map<std::string, TokenBucket> buckets_;
};

}  // namespace serval::apigateway
