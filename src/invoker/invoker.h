#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/arn.h"
#include "common/clock.h"
#include "invoker/async_invoker.h"
#include "invoker/concurrency_limiter.h"
#include "metrics/lambda_recorder.h"
#include "sandbox/executor.h"
#include "sandbox/invocation.h"
#include "services/lambda/function_registry.h"
#include "storage/durable_queue.h"
#include "storage/log_store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::invoker {

// One invocation as a caller hands it over.
struct InvokeRequest {
  // The function: a name, a partial or full ARN, optionally with ":qualifier".
  std::string function;
  // A qualifier given apart from `function` (Invoke's Qualifier parameter); must agree with one
  // in `function` when both are given.
  std::string qualifier;
  std::string payload;         // the event, JSON text, passed through unparsed
  std::string request_id;      // empty: a new one
  std::string client_context;  // decoded ClientContext JSON (synchronous only)
  bool tail_log = false;       // return the last 4 KB of the log (synchronous only)
};

struct InvokeResult {
  sandbox::InvocationOutcome outcome;
  std::string executed_version;
};

// Every way a function is invoked goes through here: Lambda's Invoke API, schedules, and the
// gateways, notifications and subscriptions to come. Resolves versions and aliases (weighted
// routing included), counts concurrency against the account limit and reservations, runs
// synchronous invocations on the sandbox pool, and queues asynchronous ones durably
// (AsyncInvoker: retries, maximum age, destinations). An event that cannot be delivered is
// never dropped silently: it is logged, counted in stats().undeliverable, and recorded in the
// function's serval/async-dropped log stream when there is a function to record it under.
// Runs only on the io thread.
class Invoker {
 public:
  struct Dependencies {
    AccountContext account;
    lambda::FunctionRegistry* registry = nullptr;
    sandbox::Executor* executor = nullptr;  // the sandbox pool
    const Clock* clock = nullptr;
    boost::asio::io_context* io = nullptr;
    storage::DurableQueue* queue = nullptr;
    storage::LogStore* logs = nullptr;
    int account_concurrency = 1000;
    AsyncQueueLimits async_limits;
    // Records every invocation's figures and every throttle (AWS/Lambda metrics); null: none.
    metrics::LambdaRecorder* metrics = nullptr;
    // Publishes destination records to SNS topics; null: topic destinations are undelivered.
    AsyncInvoker::TopicSender publish_to_topic;
  };

  struct Stats {
    size_t async_queued = 0;     // accepted, not yet delivered or dropped
    uint64_t undeliverable = 0;  // events an event source could not hand over
  };

  explicit Invoker(Dependencies dependencies);

  // Recovers the async invocations queued before the last stop and starts delivering them.
  void Start();
  // Stops delivering async invocations (they stay queued for the next start).
  void Drain();
  // The (simulated) clock moved: retries that became due run now.
  void OnClockAdvanced();

  // Runs the function and calls `done` with its outcome (a function error is an outcome, not an
  // error), or with ResourceNotFoundException (no such function or qualifier),
  // TooManyRequestsException (429, its Reason field saying which limit) or ServiceException
  // (503: no environment could be started). `done` may run before InvokeSync returns.
  void InvokeSync(InvokeRequest request, std::function<void(absl::StatusOr<InvokeResult>)> done);
  // Queues the event: ResourceNotFoundException at once when the function or qualifier does not
  // exist, TooManyRequestsException when a queue limit is reached, else `accepted` gets OK once
  // the event is on disk (or the disk error).
  absl::Status InvokeAsync(InvokeRequest request, std::function<void(absl::Status)> accepted);
  // InvokeAsync for event sources, which have nobody to answer: `source` ("events:rule/r")
  // names who delivered it in the record of an event that could not be queued. `settled`, when
  // set, hears OK once the event is durable, or why it could not be queued (then it is already
  // reported): a source that must not acknowledge before its event is safe (S3's 200) waits.
  void Deliver(std::string_view source, InvokeRequest request,
               std::function<void(const absl::Status&)> settled = nullptr);
  // An event source had an event for `function` that it could not even hand over (its input
  // could not be shaped, say): logged and counted like an event Deliver could not queue.
  void ReportUndeliverable(std::string_view source, std::string_view function,
                           const absl::Status& why);

  // The version `qualifier` names for `function`: $LATEST, a number, or an alias (its primary
  // version; with `route` a version drawn by the alias's weights, as invocations do).
  absl::StatusOr<const lambda::FunctionRegistry::Entry*> Resolve(
      const lambda::FunctionRegistry::Function& function, const std::string& qualifier,
      bool route) const;

  // The control plane's hooks: a function's reserved concurrency changed, or it was deleted
  // (its reservation, environments and queued events go).
  void SetReservation(const std::string& function, std::optional<int> reserved);
  void FunctionDeleted(const std::string& function);
  int account_concurrency() const { return limiter_.account_limit(); }

  Stats stats() const;

 private:
  AsyncInvoker::StartResult StartAsync(
      const AsyncEvent& event, const AsyncInvoker::PayloadReader& payload,
      std::function<void(sandbox::InvocationOutcome, std::string)> done);
  std::optional<lambda::EventInvokeConfig> EventInvokeConfigFor(const AsyncEvent& event) const;
  // The function `request` names and its qualifier, checked to exist.
  struct Target {
    const lambda::FunctionRegistry::Function* function;
    std::string name;
    std::string qualifier;
  };
  absl::StatusOr<Target> Find(const InvokeRequest& request) const;
  // Gives a slot back and lets queued async events use it.
  void ReleaseSlot(const ConcurrencyLimiter::Slot& slot);
  // The metrics cell of an invocation that got its slot (null without metrics), and what
  // becomes of it.
  metrics::LambdaRecorder::Cell* StartedMetrics(const std::string& function,
                                                const std::string& qualifier,
                                                const std::string& version);
  void FinishedMetrics(metrics::LambdaRecorder::Cell* cell,
                       const sandbox::InvocationOutcome& outcome);
  void AbandonedMetrics(metrics::LambdaRecorder::Cell* cell);
  // Counts a TooManyRequestsException refusal of `function` as named with `qualifier`.
  void ThrottledMetrics(const std::string& function, const std::string& qualifier);

  Dependencies deps_;
  ConcurrencyLimiter limiter_;
  AsyncInvoker async_;
  uint64_t undeliverable_ = 0;
};

}  // namespace serval::invoker
