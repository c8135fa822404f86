#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "sandbox/invocation.h"
#include "services/lambda/function_config.h"
#include "services/topic_publisher.h"
#include "storage/durable_queue.h"
#include "storage/log_store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::invoker {

// One asynchronous invocation as it waits in the queue: its metadata, serialized as the queue
// record's metadata. The payload is not here: it stays on disk in the queue until an attempt
// (or a destination record) needs it.
struct AsyncEvent {
  uint64_t id = 0;  // the queue's id; 0 until appended
  std::string request_id;
  std::string function;
  std::string qualifier;  // empty for $LATEST
  int attempts = 0;       // attempts that ran and failed
  int64_t enqueued_millis = 0;
  int64_t next_attempt_millis = 0;
};

// How many events may wait in the queue (accepted and not yet delivered or dropped). Beyond
// them Enqueue refuses new events with 429 TooManyRequestsException.
struct AsyncQueueLimits {
  size_t per_function = 100'000;
  size_t total = 1'000'000;
};

// Queues Event invocations durably and delivers them: each is acknowledged (202) only once it is
// on disk, runs when its function has concurrency to spare (waiting, not failing, while it is
// throttled), is retried after a failure (1 then 2 minutes later, per the function's
// EventInvokeConfig) until its attempts or its maximum age run out, and then goes to the on-failure
// destination and is recorded as dropped in the function's log group (stream
// "serval/async-dropped"). Time comes from the injected Clock. Runs only on the io thread.
//
// Memory holds each waiting event's metadata (a few hundred bytes), never its payload: a payload
// is read back from the queue (DurableQueue::ReadPayload, one pread on the io thread) only once an
// attempt has a concurrency slot, and is held only while that attempt starts. Reading on the io
// thread is acceptable because the bytes are usually in the page cache (written moments ago, or
// read at most once after a restart), a pread of 1 MB from it costs about what handing the same
// bytes to the environment's socket costs next, and it keeps an attempt's start in one step.
class AsyncInvoker {
 public:
  enum class StartResult { kStarted, kThrottled, kFunctionGone, kPayloadUnreadable };
  // Reads the event's payload from the queue.
  using PayloadReader = std::function<absl::StatusOr<std::string>()>;
  // Starts one attempt of `event` if its function can run now, reading its payload through
  // `payload` (valid only during the call) only then, so that a throttled event costs no read;
  // kPayloadUnreadable if the read fails. `done` later gets the outcome and the version that ran.
  using Runner = std::function<StartResult(
      const AsyncEvent& event, const PayloadReader& payload,
      std::function<void(sandbox::InvocationOutcome, std::string executed_version)> done)>;
  // The EventInvokeConfig that applies to the event's function and qualifier (defaults if none
  // was put); nullopt when the function no longer exists.
  using ConfigOf = std::function<std::optional<lambda::EventInvokeConfig>(const AsyncEvent& event)>;
  // The unqualified ARN of a function, for destination records.
  using ArnOf = std::function<std::string(const std::string& function)>;
  // Publishes `message` (with `attributes`) to the SNS topic `topic_arn` (a destination or a
  // dead-letter queue that is a topic); `settled` hears OK once every delivery it makes is
  // durable, or why it could not.
  using TopicSender = std::function<void(const std::string& topic_arn, std::string message,
                                         std::vector<services::ServiceMessageAttribute> attributes,
                                         std::function<void(absl::Status)> settled)>;

  AsyncInvoker(boost::asio::io_context& io, storage::DurableQueue* queue, storage::LogStore* logs,
               const Clock* clock, Runner runner, ConfigOf config_of, ArnOf arn_of,
               AsyncQueueLimits limits);
  ~AsyncInvoker();

  // Where destination records for SNS topics go; without one they are recorded as undelivered.
  void SetTopicSender(TopicSender sender);
  // Takes the events the queue recovered at startup and schedules them.
  void Recover();
  // Queues a new event. Over a limit it returns TooManyRequests and queues nothing; otherwise
  // `accepted` gets OK once the event is durable (then answer 202) or the error.
  absl::Status Enqueue(AsyncEvent event, std::string payload,
                       std::function<void(absl::Status)> accepted);
  // Enqueue for callers that have nobody to answer (event sources, destinations): an event that
  // cannot be queued is recorded as dropped instead (reason NotQueued). `settled`, when set, is
  // told how it ended: OK once the event is durable, else why it was refused.
  void EnqueueOrRecord(AsyncEvent event, std::string payload,
                       std::function<void(const absl::Status&)> settled = nullptr);
  // The function was deleted: drops its waiting events now (recorded as dropped, reason
  // FunctionDeleted), including those whose attempt is running.
  void DropFunction(const std::string& function);
  // Something may have freed capacity or moved the clock: run what can run (coalesced, later on
  // the io thread).
  void PumpSoon();
  // Stops starting attempts; outcomes arriving afterwards leave their events queued as they were.
  void Shutdown();

  // Events accepted and not yet delivered or dropped.
  size_t queued() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Retry delay after the `attempts`-th failed attempt (Lambda: 1 minute, then 2).
int64_t RetryDelayMillis(int attempts);

// The record sent to an on-success/on-failure destination, in Lambda's format.
std::string DestinationRecord(const AsyncEvent& event, std::string_view payload,
                              const std::string& function_arn, const std::string& condition,
                              const std::string& executed_version,
                              const sandbox::InvocationOutcome& outcome, int64_t now_millis);

std::string EncodeAsyncEvent(const AsyncEvent& event);
absl::StatusOr<AsyncEvent> DecodeAsyncEvent(std::string_view metadata);

}  // namespace serval::invoker
