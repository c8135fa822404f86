#include "protocol/protocol.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "absl/strings/cord.h"
#include "common/aws_error.h"
#include "common/ids.h"
#include "protocol/xml.h"

namespace serval::protocol {
namespace {

namespace json = boost::json;

// The code of an error no service named: ours, and the client is not to blame.
constexpr std::string_view kInternalCode = "InternalFailure";
// The payload WithQueryCompatibleType attaches.
constexpr absl::string_view kQueryCompatibleTypeUrl = "serval/query-compatible-type";

std::optional<std::string> QueryCompatibleType(const absl::Status& status) {
  auto payload = status.GetPayload(kQueryCompatibleTypeUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

bool IsJson(Protocol protocol) {
  return protocol == Protocol::kAwsJson1_0 || protocol == Protocol::kAwsJson1_1 ||
         protocol == Protocol::kRestJson1;
}

std::string_view JsonContentType(Protocol protocol) {
  switch (protocol) {
    case Protocol::kAwsJson1_0:
      return "application/x-amz-json-1.0";
    case Protocol::kAwsJson1_1:
      return "application/x-amz-json-1.1";
    default:
      return "application/json";
  }
}

std::string JsonErrorBody(std::string_view code, const absl::Status& status) {
  json::object body{{"__type", code}, {"message", std::string(status.message())}};
  for (auto& [name, value] : ErrorFields(status)) body[name] = value;
  for (auto& [name, text] : ErrorDocuments(status)) {
    boost::system::error_code error;
    json::value document = json::parse(text, error);
    if (!error) body[name] = std::move(document);
  }
  return json::serialize(body);
}

std::string QueryErrorBody(std::string_view code, int http_status, const absl::Status& status,
                           std::string_view request_id) {
  XmlWriter xml;
  xml.Open("ErrorResponse")
      .Open("Error")
      .Element("Type", http_status >= 500 ? "Receiver" : "Sender")
      .Element("Code", code)
      .Element("Message", std::string(status.message()));
  for (const auto& [name, value] : ErrorFields(status)) xml.Element(name, value);
  return xml.Close("Error").Element("RequestId", request_id).Close("ErrorResponse").Take();
}

std::string RestXmlErrorBody(std::string_view code, const absl::Status& status,
                             std::string_view request_id) {
  XmlWriter xml;
  xml.Declaration()
      .Open("Error")
      .Element("Code", code)
      .Element("Message", std::string(status.message()));
  for (const auto& [name, value] : ErrorFields(status)) xml.Element(name, value);
  return xml.Element("RequestId", request_id).Element("HostId", request_id).Close("Error").Take();
}

std::string Ec2ErrorBody(std::string_view code, const absl::Status& status,
                         std::string_view request_id) {
  XmlWriter xml;
  xml.Declaration()
      .Open("Response")
      .Open("Errors")
      .Open("Error")
      .Element("Code", code)
      .Element("Message", std::string(status.message()));
  for (const auto& [name, value] : ErrorFields(status)) xml.Element(name, value);
  return xml.Close("Error")
      .Close("Errors")
      .Element("RequestID", request_id)
      .Close("Response")
      .Take();
}

int StatusCodeToHttp(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kOutOfRange:
      return 413;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return 403;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

int HttpStatusOf(Protocol protocol, const absl::Status& status) {
  if (std::optional<int> explicit_status = ExplicitHttpStatus(status)) return *explicit_status;
  const int mapped = StatusCodeToHttp(status.code());
  switch (protocol) {
    case Protocol::kAwsJson1_0:
    case Protocol::kAwsJson1_1:
    case Protocol::kEc2:
      // These families have no per-error HTTP status: the client's faults are all 400.
      return mapped >= 500 ? mapped : 400;
    default:
      return mapped;
  }
}

http::Response ErrorResponse(Protocol protocol, const absl::Status& absl_status,
                             std::string_view request_id) {
  std::string code = AwsErrorCode(absl_status);
  absl::Status status = absl_status;
  if (code.empty() && protocol == Protocol::kRestXml) {
    // S3 names its own failures InternalError and says nothing of them (a disk that is full, a
    // path on it); what went wrong goes to Serval's log instead.
    fmt::print(stderr, "serval: request {} failed: {}\n", request_id, status.ToString());
    code = "InternalError";
    status = absl::Status(status.code(), "We encountered an internal error. Please try again.");
  }
  if (code.empty()) code = kInternalCode;
  const int http_status = AwsErrorCode(status).empty() && !ExplicitHttpStatus(status)
                              ? 500
                              : HttpStatusOf(protocol, status);
  http::Response response{.status = http_status};
  switch (protocol) {
    case Protocol::kAwsJson1_0:
    case Protocol::kAwsJson1_1:
    case Protocol::kRestJson1: {
      const std::optional<std::string> json_type = QueryCompatibleType(status);
      const std::string& type = json_type ? *json_type : code;
      response.body = JsonErrorBody(type, status);
      response.SetHeader("Content-Type", std::string(JsonContentType(protocol)))
          .SetHeader("x-amzn-ErrorType", type);
      if (json_type) {
        response.SetHeader("x-amzn-query-error",
                           code + (http_status >= 500 ? ";Receiver" : ";Sender"));
      }
      break;
    }
    case Protocol::kQuery:
      response.body = QueryErrorBody(code, http_status, status, request_id);
      response.SetHeader("Content-Type", "text/xml");
      break;
    case Protocol::kRestXml:
      response.body = RestXmlErrorBody(code, status, request_id);
      response.SetHeader("Content-Type", "application/xml");
      break;
    case Protocol::kEc2:
      response.body = Ec2ErrorBody(code, status, request_id);
      response.SetHeader("Content-Type", "text/xml;charset=UTF-8");
      break;
  }
  for (auto& [name, value] : ErrorHeaders(status)) response.SetHeader(name, value);
  SetRequestId(protocol, request_id, response);
  return response;
}

absl::Status WithQueryCompatibleType(absl::Status status, std::string_view json_type) {
  status.SetPayload(kQueryCompatibleTypeUrl,
                    absl::Cord(absl::string_view(json_type.data(), json_type.size())));
  return status;
}

absl::Status UnknownOperation(Protocol protocol, std::string_view operation) {
  switch (protocol) {
    case Protocol::kAwsJson1_0:
    case Protocol::kAwsJson1_1:
      return AwsError(absl::StatusCode::kInvalidArgument, "UnknownOperationException",
                      "Unknown operation " + std::string(operation));
    case Protocol::kRestJson1:
      return AwsError(absl::StatusCode::kNotFound, "UnknownOperationException",
                      "Unknown operation " + std::string(operation));
    case Protocol::kQuery:
    case Protocol::kEc2:
      return AwsError(
          absl::StatusCode::kInvalidArgument, "InvalidAction",
          "The action " + std::string(operation) + " is not valid for this web service.");
    case Protocol::kRestXml:
      return WithHttpStatus(AwsError(absl::StatusCode::kUnimplemented, "MethodNotAllowed",
                                     "The specified method is not allowed against this resource."),
                            405);
  }
  return absl::InternalError("unknown protocol");
}

void SetRequestId(Protocol protocol, std::string_view request_id, http::Response& response) {
  if (protocol == Protocol::kRestXml) {
    response.SetHeader("x-amz-request-id", std::string(request_id))
        .SetHeader("x-amz-id-2", std::string(request_id));
    return;
  }
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
}

http::Response JsonResponse(Protocol protocol, int status, std::string body,
                            std::string_view request_id) {
  http::Response response{.status = status, .body = std::move(body)};
  if (IsJson(protocol)) response.SetHeader("Content-Type", std::string(JsonContentType(protocol)));
  SetRequestId(protocol, request_id, response);
  return response;
}

}  // namespace serval::protocol
