// Invoke: POST /2015-03-31/functions/{name}/invocations.

#include <fmt/format.h>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_validate.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

constexpr size_t kMaxSyncPayloadBytes = 6291456;
constexpr size_t kMaxAsyncPayloadBytes = 1048576;
constexpr size_t kMaxClientContextBytes = 3583;
// Environments of one function that may be starting at once for queued (async) events.
constexpr int kMaxQueuedColdStarts = 2;

}  // namespace

void LambdaService::Invoke(Call& call) {
  std::string_view type = call.request.Header("X-Amz-Invocation-Type");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return call.Fail(InvalidParameter("Unsupported invocation type " + std::string(type)));
  }
  const size_t limit = type == "Event" ? kMaxAsyncPayloadBytes : kMaxSyncPayloadBytes;
  std::string& payload = call.request.body;
  if (payload.size() > limit) {
    return call.Fail(RequestTooLarge(fmt::format(
        "Request must be smaller than {} bytes for the InvokeFunction operation", limit)));
  }
  if (payload.empty()) payload = "{}";
  if (std::string error; !IsValidJson(payload, &error)) {
    return call.Fail(InvalidRequestContent(
        "Could not parse request body into json: Could not parse payload into json: " + error));
  }
  auto entry = Resolve(call, /*route=*/true);
  if (!entry.ok()) return call.Fail(entry.status());
  const auto& spec = (*entry)->spec;
  sandbox::Invocation invocation{.request_id = call.request_id, .payload = std::move(payload)};
  if (!call.qualifier.empty()) {
    invocation.invoked_function_arn = LambdaFunctionArn(deps_.account, call.name, call.qualifier);
  }
  if (std::string_view context = call.request.Header("X-Amz-Client-Context"); !context.empty()) {
    auto decoded = Base64Decode(context);
    if (context.size() > kMaxClientContextBytes || !decoded.ok() || !IsValidJson(*decoded)) {
      return call.Fail(
          InvalidRequestContent("Client context must be a valid Base64-encoded JSON object."));
    }
    invocation.client_context = std::move(*decoded);
  }
  if (type == "DryRun") return call.ReplyEmpty(204);
  if (type == "Event") {
    // Acknowledged once durable; the queue runs it when the function has capacity.
    const int64_t now = deps_.clock->NowMillis();
    AsyncEvent event{.request_id = call.request_id,
                     .function = call.name,
                     .qualifier = call.qualifier,
                     .enqueued_millis = now,
                     .next_attempt_millis = now};
    auto queued = async_.Enqueue(
        std::move(event), std::move(invocation.payload),
        [respond = call.respond, request_id = call.request_id](absl::Status status) {
          if (!status.ok()) {
            return respond(ErrorResponse(
                AwsError(absl::StatusCode::kInternal, "ServiceException",
                         "the event could not be queued: " + std::string(status.message())),
                request_id));
          }
          http::Response response{.status = 202};
          response.SetHeader("x-amzn-RequestId", request_id);
          respond(std::move(response));
        });
    if (!queued.ok()) call.Fail(queued);  // over a queue limit: 429
    return;
  }
  std::string throttle_reason;
  auto slot = limiter_.TryAcquire(call.name, &throttle_reason);
  if (!slot) return call.Fail(TooManyRequests(throttle_reason));
  invocation.tail_log = call.request.Header("X-Amz-Log-Type") == "Tail";
  auto status =
      deps_.pool->Invoke(spec, std::move(invocation),
                         [this, slot = *slot, respond = call.respond, request_id = call.request_id,
                          version = spec->version](sandbox::InvocationOutcome outcome) {
                           ReleaseSlot(slot);
                           http::Response response{.status = 200, .body = std::move(outcome.body)};
                           response.SetHeader("Content-Type", "application/json")
                               .SetHeader("x-amzn-RequestId", request_id)
                               .SetHeader("X-Amz-Executed-Version", version);
                           if (outcome.function_error)
                             response.SetHeader("X-Amz-Function-Error", "Unhandled");
                           if (!outcome.log_tail.empty()) {
                             response.SetHeader("X-Amz-Log-Result", Base64Encode(outcome.log_tail));
                           }
                           respond(std::move(response));
                         });
  if (status.ok()) return;
  ReleaseSlot(*slot);
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    return call.Fail(TooManyRequests("ConcurrentInvocationLimitExceeded"));
  }
  call.Fail(
      AwsError(absl::StatusCode::kUnavailable, "ServiceException", std::string(status.message())));
}

void LambdaService::InvokeAsync(const std::string& function_arn, std::string payload) {
  auto reference = ParseFunctionReference(function_arn);
  if (!reference.ok()) return;  // targets are validated when they are put
  const int64_t now = deps_.clock->NowMillis();
  async_.EnqueueOrRecord({.request_id = NewUuid(),
                          .function = reference->name,
                          .qualifier = reference->qualifier,
                          .enqueued_millis = now,
                          .next_attempt_millis = now},
                         std::move(payload));
}

void LambdaService::ReleaseSlot(const ConcurrencyLimiter::Slot& slot) {
  limiter_.Release(slot);
  async_.PumpSoon();
}

AsyncInvoker::StartResult LambdaService::StartAsync(
    const AsyncEvent& event, const AsyncInvoker::PayloadReader& payload,
    std::function<void(sandbox::InvocationOutcome, std::string)> done) {
  const FunctionRegistry::Function* function = deps_.registry->Find(event.function);
  if (!function) return AsyncInvoker::StartResult::kFunctionGone;
  auto entry = Resolve(*function, event.function, event.qualifier, /*route=*/true);
  if (!entry.ok()) return AsyncInvoker::StartResult::kFunctionGone;
  const auto& spec = (*entry)->spec;
  // Queued events need not arrive all at once: rather than cold-starting an environment per
  // event, let a burst wait for the few environments already starting to become warm.
  if (deps_.pool->ColdStartsSaturated(*spec, kMaxQueuedColdStarts)) {
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
  auto status = deps_.pool->Invoke(spec, std::move(invocation),
                                   [this, slot = *slot, done = std::move(done),
                                    version = spec->version](sandbox::InvocationOutcome outcome) {
                                     ReleaseSlot(slot);
                                     done(std::move(outcome), version);
                                   });
  if (status.ok()) return AsyncInvoker::StartResult::kStarted;
  limiter_.Release(*slot);
  return AsyncInvoker::StartResult::kThrottled;
}

std::optional<EventInvokeConfig> LambdaService::EventInvokeConfigFor(
    const AsyncEvent& event) const {
  const FunctionRegistry::Function* function = deps_.registry->Find(event.function);
  if (!function) return std::nullopt;
  const auto& configs = function->latest.config->event_invoke_configs;
  auto found = configs.find(event.qualifier.empty() ? kLatest : event.qualifier);
  return found == configs.end() ? EventInvokeConfig{} : found->second;
}

}  // namespace serval::lambda
