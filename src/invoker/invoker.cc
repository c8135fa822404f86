#include "invoker/invoker.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>

#include "common/aws_error.h"
#include "common/ids.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"

namespace serval::invoker {
namespace {

// Environments of one function that may be starting at once for queued (async) events.
constexpr int kMaxQueuedColdStarts = 2;

}  // namespace

Invoker::Invoker(Dependencies dependencies)
    : deps_(std::move(dependencies)),
      limiter_(deps_.account_concurrency),
      async_(
          *deps_.io, deps_.queue, deps_.logs, deps_.clock,
          [this](const AsyncEvent& event, const AsyncInvoker::PayloadReader& payload, auto done) {
            return StartAsync(event, payload, std::move(done));
          },
          [this](const AsyncEvent& event) { return EventInvokeConfigFor(event); },
          [this](const std::string& function) {
            return LambdaFunctionArn(deps_.account, function);
          },
          deps_.async_limits) {
  async_.SetTopicSender(deps_.publish_to_topic);
  deps_.registry->ForEach([this](const lambda::FunctionRegistry::Function& function) {
    const lambda::FunctionConfig& config = *function.latest.config;
    limiter_.SetReservation(config.name, config.reserved_concurrency);
  });
}

void Invoker::Start() { async_.Recover(); }
void Invoker::Drain() { async_.Shutdown(); }
void Invoker::OnClockAdvanced() { async_.PumpSoon(); }

absl::StatusOr<const lambda::FunctionRegistry::Entry*> Invoker::Resolve(
    const lambda::FunctionRegistry::Function& function, const std::string& qualifier,
    bool route) const {
  const std::string& name = function.latest.config->name;
  if (const lambda::FunctionRegistry::Entry* entry = function.Version(qualifier)) return entry;
  auto alias = function.aliases.find(qualifier);
  if (alias == function.aliases.end()) {
    return lambda::FunctionNotFound(LambdaFunctionArn(deps_.account, name, qualifier));
  }
  std::string_view version = alias->second.function_version;
  if (route) {
    // Each additional version takes its share of invocations; the rest go to the primary.
    double draw = RandomUnit();
    for (const auto& [extra, weight] : alias->second.additional_version_weights) {
      if (draw < weight) {
        version = extra;
        break;
      }
      draw -= weight;
    }
  }
  const lambda::FunctionRegistry::Entry* entry = function.Version(version);
  if (!entry) return lambda::FunctionNotFound(LambdaFunctionArn(deps_.account, name, version));
  return entry;
}

absl::StatusOr<Invoker::Target> Invoker::Find(const InvokeRequest& request) const {
  auto reference = lambda::ParseFunctionReference(request.function);
  if (!reference.ok()) return reference.status();
  Target target{.name = reference->name, .qualifier = reference->qualifier};
  if (!request.qualifier.empty()) {
    if (!target.qualifier.empty() && target.qualifier != request.qualifier) {
      return lambda::InvalidParameter(
          "The derived qualifier from the function name does not match the specified "
          "qualifier.");
    }
    target.qualifier = request.qualifier;
  }
  target.function = deps_.registry->Find(target.name);
  if (!target.function) {
    return lambda::FunctionNotFound(
        LambdaFunctionArn(deps_.account, target.name, target.qualifier));
  }
  if (auto entry = Resolve(*target.function, target.qualifier, /*route=*/false); !entry.ok()) {
    return entry.status();
  }
  return target;
}

void Invoker::InvokeSync(InvokeRequest request,
                         std::function<void(absl::StatusOr<InvokeResult>)> done) {
  absl::StatusOr<Target> target = Find(request);
  if (!target.ok()) return done(target.status());
  auto entry = Resolve(*target->function, target->qualifier, /*route=*/true);
  if (!entry.ok()) return done(entry.status());
  const auto& spec = (*entry)->spec;
  std::string throttle_reason;
  std::optional<ConcurrencyLimiter::Slot> slot =
      limiter_.TryAcquire(target->name, &throttle_reason);
  if (!slot) {
    ThrottledMetrics(target->name, target->qualifier);
    return done(lambda::TooManyRequests(throttle_reason));
  }
  sandbox::Invocation invocation{
      .request_id = request.request_id.empty() ? NewUuid() : std::move(request.request_id),
      .payload = std::move(request.payload),
      .client_context = std::move(request.client_context),
      .tail_log = request.tail_log};
  if (!target->qualifier.empty()) {
    invocation.invoked_function_arn =
        LambdaFunctionArn(deps_.account, target->name, target->qualifier);
  }
  // `done` is shared: the pool either calls the completion or refuses at once, never both.
  auto finish =
      std::make_shared<std::function<void(absl::StatusOr<InvokeResult>)>>(std::move(done));
  metrics::LambdaRecorder::Cell* cell =
      StartedMetrics(target->name, target->qualifier, spec->version);
  absl::Status status = deps_.executor->Invoke(
      spec, std::move(invocation),
      [this, slot = *slot, finish, cell,
       version = spec->version](sandbox::InvocationOutcome outcome) {
        ReleaseSlot(slot);
        FinishedMetrics(cell, outcome);
        (*finish)(InvokeResult{.outcome = std::move(outcome), .executed_version = version});
      });
  if (status.ok()) return;
  ReleaseSlot(*slot);
  AbandonedMetrics(cell);
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    ThrottledMetrics(target->name, target->qualifier);
    // The pool says which limit: every environment busy, or the host's memory.
    return (*finish)(lambda::TooManyRequests("ConcurrentInvocationLimitExceeded",
                                             std::string(status.message())));
  }
  (*finish)(
      AwsError(absl::StatusCode::kUnavailable, "ServiceException", std::string(status.message())));
}

absl::Status Invoker::InvokeAsync(InvokeRequest request,
                                  std::function<void(absl::Status)> accepted) {
  absl::StatusOr<Target> target = Find(request);
  if (!target.ok()) return target.status();
  const int64_t now = deps_.clock->NowMillis();
  AsyncEvent event{.request_id = request.request_id.empty() ? NewUuid() : request.request_id,
                   .function = target->name,
                   .qualifier = target->qualifier,
                   .enqueued_millis = now,
                   .next_attempt_millis = now};
  absl::Status status =
      async_.Enqueue(std::move(event), std::move(request.payload), std::move(accepted));
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    ThrottledMetrics(target->name, target->qualifier);
  }
  return status;
}

void Invoker::Deliver(std::string_view source, InvokeRequest request,
                      std::function<void(const absl::Status&)> settled) {
  absl::StatusOr<Target> target = Find(request);
  if (!target.ok()) {
    ReportUndeliverable(source, request.function, target.status());
    if (settled) settled(target.status());
    return;
  }
  const int64_t now = deps_.clock->NowMillis();
  // What cannot be queued is also recorded in the function's serval/async-dropped stream.
  async_.EnqueueOrRecord({.request_id = request.request_id.empty() ? NewUuid() : request.request_id,
                          .function = target->name,
                          .qualifier = target->qualifier,
                          .enqueued_millis = now,
                          .next_attempt_millis = now},
                         std::move(request.payload),
                         [this, source = std::string(source), function = target->name,
                          settled = std::move(settled)](const absl::Status& status) {
                           if (!status.ok()) ReportUndeliverable(source, function, status);
                           if (settled) settled(status);
                         });
}

void Invoker::ReportUndeliverable(std::string_view source, std::string_view function,
                                  const absl::Status& why) {
  ++undeliverable_;
  fmt::print(stderr, "serval: an event from {} for {} was not delivered: {}\n", source, function,
             why.ToString());
}

void Invoker::SetReservation(const std::string& function, std::optional<int> reserved) {
  limiter_.SetReservation(function, reserved);
  async_.PumpSoon();  // queued events of the function may run now
}

void Invoker::FunctionDeleted(const std::string& function) {
  limiter_.SetReservation(function, std::nullopt);
  if (deps_.metrics) deps_.metrics->FunctionDeleted(function);
  deps_.executor->Retire(function, "");
  async_.DropFunction(function);
}

Invoker::Stats Invoker::stats() const {
  return {.async_queued = async_.queued(), .undeliverable = undeliverable_};
}

void Invoker::ReleaseSlot(const ConcurrencyLimiter::Slot& slot) {
  limiter_.Release(slot);
  async_.PumpSoon();
}

metrics::LambdaRecorder::Cell* Invoker::StartedMetrics(const std::string& function,
                                                       const std::string& qualifier,
                                                       const std::string& version) {
  return deps_.metrics ? deps_.metrics->Started(function, qualifier, version) : nullptr;
}

void Invoker::FinishedMetrics(metrics::LambdaRecorder::Cell* cell,
                              const sandbox::InvocationOutcome& outcome) {
  if (cell) deps_.metrics->Finished(cell, outcome.function_error, outcome.figures);
}

void Invoker::AbandonedMetrics(metrics::LambdaRecorder::Cell* cell) {
  if (cell) deps_.metrics->Abandoned(cell);
}

void Invoker::ThrottledMetrics(const std::string& function, const std::string& qualifier) {
  if (deps_.metrics) deps_.metrics->Throttled(function, qualifier);
}

AsyncInvoker::StartResult Invoker::StartAsync(
    const AsyncEvent& event, const AsyncInvoker::PayloadReader& payload,
    std::function<void(sandbox::InvocationOutcome, std::string)> done) {
  const lambda::FunctionRegistry::Function* function = deps_.registry->Find(event.function);
  if (!function) return AsyncInvoker::StartResult::kFunctionGone;
  auto entry = Resolve(*function, event.qualifier, /*route=*/true);
  if (!entry.ok()) return AsyncInvoker::StartResult::kFunctionGone;
  const auto& spec = (*entry)->spec;
  // Queued events need not arrive all at once: rather than cold-starting an environment per
  // event, let a burst wait for the few environments already starting to become warm.
  if (deps_.executor->ColdStartsSaturated(*spec, kMaxQueuedColdStarts)) {
    return AsyncInvoker::StartResult::kThrottled;
  }
  std::string throttle_reason;
  auto slot = limiter_.TryAcquire(event.function, &throttle_reason);
  if (!slot) return AsyncInvoker::StartResult::kThrottled;
  // Read only now that the attempt can run: a throttled event costs no read.
  absl::StatusOr<std::string> bytes = payload();
  if (!bytes.ok()) {
    limiter_.Release(*slot);
    return AsyncInvoker::StartResult::kPayloadUnreadable;
  }
  sandbox::Invocation invocation{.request_id = event.request_id, .payload = *std::move(bytes)};
  if (!event.qualifier.empty()) {
    invocation.invoked_function_arn =
        LambdaFunctionArn(deps_.account, event.function, event.qualifier);
  }
  metrics::LambdaRecorder::Cell* cell =
      StartedMetrics(event.function, event.qualifier, spec->version);
  auto status =
      deps_.executor->Invoke(spec, std::move(invocation),
                             [this, slot = *slot, cell, done = std::move(done),
                              version = spec->version](sandbox::InvocationOutcome outcome) {
                               ReleaseSlot(slot);
                               FinishedMetrics(cell, outcome);
                               done(std::move(outcome), version);
                             });
  if (status.ok()) return AsyncInvoker::StartResult::kStarted;
  limiter_.Release(*slot);
  AbandonedMetrics(cell);
  return AsyncInvoker::StartResult::kThrottled;
}

std::optional<lambda::EventInvokeConfig> Invoker::EventInvokeConfigFor(
    const AsyncEvent& event) const {
  const lambda::FunctionRegistry::Function* function = deps_.registry->Find(event.function);
  if (!function) return std::nullopt;
  const auto& configs = function->latest.config->event_invoke_configs;
  auto found = configs.find(event.qualifier.empty() ? lambda::kLatest : event.qualifier);
  lambda::EventInvokeConfig config =
      found == configs.end() ? lambda::EventInvokeConfig{} : found->second;
  config.dead_letter_target = function->latest.config->settings.dead_letter_target;
  return config;
}

}  // namespace serval::invoker
