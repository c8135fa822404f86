#include "protocol/query.h"

#include "absl/strings/str_split.h"
#include "common/aws_error.h"
#include "common/percent_encoding.h"
#include "protocol/protocol.h"
#include "protocol/xml.h"

namespace serval::protocol {
namespace {}  // namespace

std::optional<std::string> QueryRequest::Get(std::string_view name) const {
  auto found = parameters.find(std::string(name));
  if (found == parameters.end()) return std::nullopt;
  return found->second;
}

absl::StatusOr<QueryRequest> DecodeQuery(const http::Request& request) {
  const std::string_view form =
      request.method == "POST" ? std::string_view(request.body) : request.RawQuery();
  QueryRequest decoded;
  for (absl::string_view pair :
       absl::StrSplit(absl::string_view(form.data(), form.size()), '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    const absl::string_view name = pair.substr(0, equals);
    const absl::string_view value =
        equals == absl::string_view::npos ? absl::string_view() : pair.substr(equals + 1);
    decoded.parameters[FormDecode({name.data(), name.size()})] =
        FormDecode({value.data(), value.size()});
  }
  std::optional<std::string> action = decoded.Get("Action");
  if (!action || action->empty()) {
    return AwsError(absl::StatusCode::kInvalidArgument, "MissingAction",
                    "The request must contain the parameter Action.");
  }
  decoded.action = *action;
  decoded.version = decoded.Get("Version").value_or("");
  return decoded;
}

http::Response QueryResponse(std::string_view action, std::string_view namespace_uri,
                             std::string_view result_xml, std::string_view request_id) {
  const std::string response_tag = std::string(action) + "Response";
  const std::string result_tag = std::string(action) + "Result";
  XmlWriter xml;
  xml.Open(response_tag, namespace_uri).Open(result_tag);
  std::string body = xml.Take();
  body += result_xml;
  XmlWriter tail;
  tail.Close(result_tag)
      .Open("ResponseMetadata")
      .Element("RequestId", request_id)
      .Close("ResponseMetadata")
      .Close(response_tag);
  body += tail.str();
  http::Response response{.status = 200, .body = std::move(body)};
  response.SetHeader("Content-Type", "text/xml");
  SetRequestId(Protocol::kQuery, request_id, response);
  return response;
}

}  // namespace serval::protocol
