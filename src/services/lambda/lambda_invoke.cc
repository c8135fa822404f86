// Invoke: POST /2015-03-31/functions/{name}/invocations.

#include <fmt/format.h>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/json_validate.h"
#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

constexpr size_t kMaxSyncPayloadBytes = 6291456;
constexpr size_t kMaxAsyncPayloadBytes = 1048576;
constexpr size_t kMaxClientContextBytes = 3583;

}  // namespace

void LambdaService::Invoke(Call& call) {
  std::string_view type = call.request.Header("X-Amz-Invocation-Type");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return call.Fail(InvalidParameter("Unsupported invocation type " + std::string(type)));
  }
  const size_t limit = type == "Event" ? kMaxAsyncPayloadBytes : kMaxSyncPayloadBytes;
  std::string& payload = call.request.body;
  if (call.request.body_too_large || payload.size() > limit) {
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
  std::string throttle_reason;
  auto slot = limiter_.TryAcquire(call.name, &throttle_reason);
  if (!slot) return call.Fail(TooManyRequests(throttle_reason));
  sandbox::InvocationCallback done;
  if (type == "Event") {
    // Accepted and run in the background; durable queueing and retries come with the
    // invocation-semantics work.
    done = [this, slot = *slot](sandbox::InvocationOutcome) { limiter_.Release(slot); };
  } else {
    invocation.tail_log = call.request.Header("X-Amz-Log-Type") == "Tail";
    done = [this, slot = *slot, respond = call.respond, request_id = call.request_id,
            version = spec->version](sandbox::InvocationOutcome outcome) {
      limiter_.Release(slot);
      http::Response response{.status = 200, .body = std::move(outcome.body)};
      response.SetHeader("Content-Type", "application/json")
          .SetHeader("x-amzn-RequestId", request_id)
          .SetHeader("X-Amz-Executed-Version", version);
      if (outcome.function_error) response.SetHeader("X-Amz-Function-Error", "Unhandled");
      if (!outcome.log_tail.empty()) {
        response.SetHeader("X-Amz-Log-Result", Base64Encode(outcome.log_tail));
      }
      respond(std::move(response));
    };
  }
  auto status = deps_.pool->Invoke(spec, std::move(invocation), std::move(done));
  if (status.ok()) {
    if (type == "Event") call.ReplyEmpty(202);
    return;
  }
  limiter_.Release(*slot);
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    return call.Fail(TooManyRequests("ConcurrentInvocationLimitExceeded"));
  }
  call.Fail(
      AwsError(absl::StatusCode::kUnavailable, "ServiceException", std::string(status.message())));
}

}  // namespace serval::lambda
