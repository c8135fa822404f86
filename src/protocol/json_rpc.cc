#include "protocol/json_rpc.h"

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/json_fields.h"

namespace serval::protocol {

absl::StatusOr<JsonRpcRequest> DecodeJsonRpc(Protocol protocol, const http::Request& request,
                                             std::string_view target_prefix) {
  std::string_view target = request.Header("X-Amz-Target");
  if (!target.starts_with(target_prefix)) return UnknownOperation(protocol, target);
  target.remove_prefix(target_prefix.size());
  JsonRpcRequest decoded{.operation = std::string(target)};
  if (request.body.empty()) return decoded;
  boost::json::error_code ec;
  boost::json::value parsed =
      boost::json::parse(boost::json::string_view(request.body.data(), request.body.size()), ec, {},
                         DeepParseOptions());
  if (ec || !parsed.is_object()) {
    return AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                    "The request body is not a JSON object");
  }
  decoded.input = std::move(parsed.get_object());
  return decoded;
}

std::string SerializeJson(const boost::json::object& object) {
  return boost::json::serialize(object);
}

}  // namespace serval::protocol
