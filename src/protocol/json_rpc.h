#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "protocol/protocol.h"
#include "protocol/request_context.h"

namespace serval::protocol {

// An awsJson request decoded: X-Amz-Target "<prefix>.<Operation>" and its JSON object body (an
// empty body reads as {}).
struct JsonRpcRequest {
  std::string operation;
  boost::json::object input;
};

// A target outside `target_prefix` (e.g. "AWSEvents.") is UnknownOperation; a body that is not
// a JSON object is SerializationException.
absl::StatusOr<JsonRpcRequest> DecodeJsonRpc(Protocol protocol, const http::Request& request,
                                             std::string_view target_prefix);

// boost::json::serialize, kept out of this header.
std::string SerializeJson(const boost::json::object& object);

// An awsJson service's operation table: operation name -> member function taking the input and
// producing the output document. The table is the service's whole dispatch. An operation either
// returns its output (most), or hands it to `done` later, on the io thread (one that must wait
// for something before it answers: PutEvents waits until its events are durable).
template <typename Service>
using JsonOperation = absl::StatusOr<boost::json::object> (Service::*)(const boost::json::object&);
using JsonOperationDone = std::function<void(absl::StatusOr<boost::json::object>)>;
template <typename Service>
using AsyncJsonOperation = void (Service::*)(const boost::json::object&, JsonOperationDone done);

// One entry of the table: exactly one of the two kinds (converts from either member pointer).
template <typename Service>
struct JsonOperationEntry {
  JsonOperationEntry(JsonOperation<Service> operation) : sync(operation) {}        // NOLINT
  JsonOperationEntry(AsyncJsonOperation<Service> operation) : async(operation) {}  // NOLINT
  JsonOperation<Service> sync = nullptr;
  AsyncJsonOperation<Service> async = nullptr;
};
template <typename Service>
using JsonOperationTable = absl::flat_hash_map<std::string, JsonOperationEntry<Service>>;

// Runs one entry of a table on `input`: `done` gets its output, now or (an asynchronous
// operation) later on the io thread.
template <typename Service>
void RunJsonOperation(const JsonOperationEntry<Service>& entry, Service& service,
                      const boost::json::object& input, JsonOperationDone done) {
  if (entry.async) return (service.*(entry.async))(input, std::move(done));
  done((service.*(entry.sync))(input));
}

// Whether the caller may make a decoded request (services/access_check.h): a failure is the
// answer, and the operation does not run.
using JsonRequestCheck = absl::FunctionRef<absl::Status(const JsonRpcRequest& request)>;

// Decodes `context`'s request, finds its operation in `table`, asks `authorize`, runs the
// operation on `service` and answers `respond` (now, or when an asynchronous operation
// finishes) with the output document or the error in `protocol`'s shape.
template <typename Service>
void ServeJsonRpc(Protocol protocol, std::string_view target_prefix,
                  const JsonOperationTable<Service>& table, Service& service,
                  const RequestContext& context, JsonRequestCheck authorize,
                  http::Responder respond) {
  auto answer = [protocol, request_id = context.request_id,
                 respond = std::move(respond)](absl::StatusOr<boost::json::object> output) {
    if (!output.ok()) return respond(ErrorResponse(protocol, output.status(), request_id));
    respond(JsonResponse(protocol, 200, SerializeJson(*output), request_id));
  };
  absl::StatusOr<JsonRpcRequest> decoded = DecodeJsonRpc(protocol, context.request, target_prefix);
  if (!decoded.ok()) return answer(decoded.status());
  auto operation = table.find(decoded->operation);
  if (operation == table.end()) return answer(UnknownOperation(protocol, decoded->operation));
  if (absl::Status allowed = authorize(*decoded); !allowed.ok()) return answer(allowed);
  RunJsonOperation(operation->second, service, decoded->input, std::move(answer));
}

}  // namespace serval::protocol
