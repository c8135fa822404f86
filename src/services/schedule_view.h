#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace serval::services {

// Schedule rules and when they fire next, for a front end other than EventBridge's (the
// dashboard), so that it needs nothing of the events service's internals. The events front end
// implements it. Runs only on the io thread.
class ScheduleView {
 public:
  struct ScheduledRule {
    std::string name;
    std::string expression;  // rate(...) or cron(...)
    bool enabled = false;
    int64_t next_fire_millis = 0;  // 0: not scheduled (disabled, or no time left)
    std::vector<std::string> target_arns;
  };

  virtual ~ScheduleView() = default;
  // Every rule of the default bus with a schedule expression, in name order.
  virtual std::vector<ScheduledRule> ScheduledRules() const = 0;
};

// Where the events front end leaves its view when it is created; read it when serving a request
// (it may be null: no events front end).
struct ScheduleViewSlot {
  const ScheduleView* view = nullptr;
};

}  // namespace serval::services
