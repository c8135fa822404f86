#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace serval::apigateway {

// The start (epoch milliseconds, UTC) of the quota period `period` (DAY, WEEK or MONTH) that
// holds `now_ms`. `offset` is the day the period starts on: for WEEK 0 is Sunday, 1 Monday...;
// for MONTH 0 is the first of the month; for DAY it must be 0. Thread-safe.
int64_t QuotaPeriodStart(std::string_view period, int64_t offset, int64_t now_ms);

// Requests counted against usage-plan quotas, per "usage plan/API key", in the current period.
// The counts live in memory: a restart begins every period afresh (docs/apigateway.md). Runs
// only on the io thread.
class QuotaMeter {
 public:
  // Counts one request for `key` unless `limit` requests were counted already in the period that
  // holds `now_ms`; false then.
  bool Consume(const std::string& key, int64_t limit, std::string_view period, int64_t offset,
               int64_t now_ms);

 private:
  struct Count {
    int64_t period_start_ms = 0;
    int64_t used = 0;
  };
  std::map<std::string, Count> counts_;
};

}  // namespace serval::apigateway
