// Invoke: POST /2015-03-31/functions/{name}/invocations.

#include <fmt/format.h>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/json_validate.h"
#include "protocol/protocol.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
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
  if (payload.size() > limit) {
    return call.Fail(RequestTooLarge(fmt::format(
        "Request must be smaller than {} bytes for the InvokeFunction operation", limit)));
  }
  if (payload.empty()) payload = "{}";
  if (std::string error; !IsValidJson(payload, &error)) {
    return call.Fail(InvalidRequestContent(
        "Could not parse request body into json: Could not parse payload into json: " + error));
  }
  if (auto entry = Resolve(call); !entry.ok()) return call.Fail(entry.status());
  invoker::InvokeRequest request{.function = call.name,
                                 .qualifier = call.qualifier,
                                 .payload = std::move(payload),
                                 .request_id = call.request_id};
  if (std::string_view context = call.request.Header("X-Amz-Client-Context"); !context.empty()) {
    auto decoded = Base64Decode(context);
    if (context.size() > kMaxClientContextBytes || !decoded.ok() || !IsValidJson(*decoded)) {
      return call.Fail(
          InvalidRequestContent("Client context must be a valid Base64-encoded JSON object."));
    }
    request.client_context = std::move(*decoded);
  }
  if (type == "DryRun") return call.ReplyEmpty(204);
  if (type == "Event") {
    // Acknowledged once durable; the queue runs it when the function has capacity.
    absl::Status queued = deps_.invoker->InvokeAsync(
        std::move(request),
        [respond = call.respond, request_id = call.request_id](absl::Status status) {
          if (!status.ok()) {
            return respond(protocol::ErrorResponse(
                kProtocol,
                AwsError(absl::StatusCode::kInternal, "ServiceException",
                         "the event could not be queued: " + std::string(status.message())),
                request_id));
          }
          http::Response response{.status = 202};
          protocol::SetRequestId(kProtocol, request_id, response);
          respond(std::move(response));
        });
    if (!queued.ok()) call.Fail(queued);  // over a queue limit: 429
    return;
  }
  request.tail_log = call.request.Header("X-Amz-Log-Type") == "Tail";
  deps_.invoker->InvokeSync(
      std::move(request), [respond = call.respond, request_id = call.request_id](
                              absl::StatusOr<invoker::InvokeResult> result) {
        if (!result.ok()) {
          return respond(protocol::ErrorResponse(kProtocol, result.status(), request_id));
        }
        sandbox::InvocationOutcome& outcome = result->outcome;
        http::Response response =
            protocol::JsonResponse(kProtocol, 200, std::move(outcome.body), request_id);
        response.SetHeader("X-Amz-Executed-Version", result->executed_version);
        if (outcome.function_error) response.SetHeader("X-Amz-Function-Error", "Unhandled");
        if (!outcome.log_tail.empty()) {
          response.SetHeader("X-Amz-Log-Result", Base64Encode(outcome.log_tail));
        }
        respond(std::move(response));
      });
}

}  // namespace serval::lambda
