#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "invoker/invoker.h"
#include "sandbox/invocation.h"
#include "services/lambda/function_registry.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::apigatewayv2 {

// What an HTTP API needs to call functions: its integrations and its Lambda authorizers.
struct FunctionCaller {
  const lambda::FunctionRegistry* functions = nullptr;
  invoker::Invoker* invoker = nullptr;
  boost::asio::io_context* io = nullptr;
};

// One call of a function on behalf of a request.
struct FunctionCall {
  std::string function;    // the function's ARN, possibly qualified
  std::string source_arn;  // the execute-api ARN the function's resource policy must allow
  std::string account_id;  // the API's account (the policy's SourceAccount)
  std::string payload;
  std::string request_id;
  int64_t timeout_ms = 0;
};

// Invokes `call.function` as API Gateway does: only when its resource policy lets
// apigateway.amazonaws.com invoke it for `call.source_arn` (as lambda add-permission grants), and
// no longer than `call.timeout_ms` (the function may go on running; its late result is dropped).
// `done` runs once, on the io thread, with the function's outcome or FailedPrecondition (no such
// function, or no permission: logged to stderr, as AWS logs it to the API's execution log),
// DeadlineExceeded (timeout), ResourceExhausted (throttled) or the invoker's other errors.
// Runs only on the io thread.
void CallFunction(const FunctionCaller& caller, FunctionCall call,
                  std::function<void(absl::StatusOr<sandbox::InvocationOutcome>)> done);

}  // namespace serval::apigatewayv2
