#include "protocol/query.h"

#include "absl/strings/str_split.h"
#include "common/aws_error.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "protocol/protocol.h"
#include "protocol/xml.h"

namespace serval::protocol {

std::optional<std::string> QueryRequest::Get(std::string_view name) const {
  auto found = parameters.find(std::string(name));
  if (found == parameters.end()) return std::nullopt;
  return found->second;
}

std::map<int, std::map<std::string, std::string>> QueryMembers(
    const std::map<std::string, std::string>& parameters, std::string_view prefix) {
  std::map<int, std::map<std::string, std::string>> members;
  const std::string start = std::string(prefix) + ".";
  for (auto it = parameters.lower_bound(start); it != parameters.end(); ++it) {
    const std::string_view name = it->first;
    if (!name.starts_with(start)) break;
    const std::string_view rest = name.substr(start.size());
    const size_t dot = rest.find('.');
    const std::string_view digits = rest.substr(0, dot);
    int index = 0;
    if (digits.size() > 6 || !ParseDigits(digits, &index) || index == 0) continue;
    const std::string_view field = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
    members[index][std::string(field)] = it->second;
  }
  return members;
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
