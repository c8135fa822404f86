#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
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
// returning the output document. The table is the service's whole dispatch.
template <typename Service>
using JsonOperation = absl::StatusOr<boost::json::object> (Service::*)(const boost::json::object&);
template <typename Service>
using JsonOperationTable = absl::flat_hash_map<std::string, JsonOperation<Service>>;

// Decodes `context`'s request, runs its operation from `table` on `service` and returns the
// response: the output document, or the error in `protocol`'s shape.
template <typename Service>
http::Response ServeJsonRpc(Protocol protocol, std::string_view target_prefix,
                            const JsonOperationTable<Service>& table, Service& service,
                            const RequestContext& context) {
  absl::StatusOr<JsonRpcRequest> decoded = DecodeJsonRpc(protocol, context.request, target_prefix);
  if (!decoded.ok()) return ErrorResponse(protocol, decoded.status(), context.request_id);
  auto operation = table.find(decoded->operation);
  absl::StatusOr<boost::json::object> output = operation == table.end()
                                                   ? UnknownOperation(protocol, decoded->operation)
                                                   : (service.*(operation->second))(decoded->input);
  if (!output.ok()) return ErrorResponse(protocol, output.status(), context.request_id);
  return JsonResponse(protocol, 200, SerializeJson(*output), context.request_id);
}

}  // namespace serval::protocol
