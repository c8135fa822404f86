#include "services/apigatewayv2/function_call.h"

#include <fmt/format.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "services/lambda/resource_policy.h"

namespace serval::apigatewayv2 {
namespace {

// The end of one call, whichever comes first: the result or the timeout.
struct PendingCall {
  std::function<void(absl::StatusOr<sandbox::InvocationOutcome>)> done;
  boost::asio::steady_timer timer;
  bool finished = false;

  void Finish(absl::StatusOr<sandbox::InvocationOutcome> outcome) {
    if (finished) return;
    finished = true;
    timer.cancel();
    done(std::move(outcome));
  }
};

}  // namespace

void CallFunction(const FunctionCaller& caller, FunctionCall call,
                  std::function<void(absl::StatusOr<sandbox::InvocationOutcome>)> done) {
  absl::StatusOr<lambda::FunctionReference> reference =
      lambda::GrantedFunction(*caller.functions, call.function,
                              {.service = "apigateway.amazonaws.com",
                               .action = "lambda:InvokeFunction",
                               .source_arn = call.source_arn,
                               .source_account = call.account_id});
  if (!reference.ok()) {
    fmt::print(stderr, "serval: execute-api {}: {}\n", call.request_id,
               std::string(reference.status().message()));
    return done(absl::FailedPreconditionError(reference.status().message()));
  }
  auto pending = std::make_shared<PendingCall>(
      PendingCall{.done = std::move(done), .timer = boost::asio::steady_timer(*caller.io)});
  pending->timer.expires_after(std::chrono::milliseconds(call.timeout_ms));
  pending->timer.async_wait([pending](const boost::system::error_code& error) {
    if (!error) pending->Finish(absl::DeadlineExceededError("the function timed out"));
  });
  caller.invoker->InvokeSync(invoker::InvokeRequest{.function = reference->name,
                                                    .qualifier = reference->qualifier,
                                                    .payload = std::move(call.payload),
                                                    .request_id = call.request_id},
                             [pending](absl::StatusOr<invoker::InvokeResult> result) {
                               if (!result.ok()) return pending->Finish(result.status());
                               pending->Finish(std::move(result->outcome));
                             });
}

}  // namespace serval::apigatewayv2
