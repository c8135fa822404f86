#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace serval::services {

// Puts events on EventBridge's default bus for another front end (S3's EventBridgeConfiguration),
// so that it needs nothing of the events service's internals. The events front end implements
// it. Runs only on the io thread.
class EventPublisher {
 public:
  // One event as a PutEvents entry would give it.
  struct Event {
    std::string source;       // "aws.s3"
    std::string detail_type;  // "Object Created"
    std::string detail;       // a JSON object's text
    std::vector<std::string> resources;
    int64_t time_millis = 0;
  };

  virtual ~EventPublisher() = default;
  // Matches `event` against the default bus's rules and hands it to every matched target.
  // `settled` hears OK once every target's event is durable (or there was none), or why one
  // could not be queued (it is then recorded as undeliverable).
  virtual void PublishEvent(Event event, std::function<void(const absl::Status&)> settled) = 0;
};

// Where the events front end leaves its publisher when it is created. Front ends are created one
// after another, and requests come only once all exist, so a user reads `publisher` when it
// serves one (it may be null: no events front end).
struct EventPublisherSlot {
  EventPublisher* publisher = nullptr;
};

}  // namespace serval::services
