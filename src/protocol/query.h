#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::protocol {

// A query-protocol request decoded (SNS, IAM, STS, EC2): the form-encoded body of a POST
// (application/x-www-form-urlencoded) or the query string of a GET, as flat name -> value
// parameters ("Attributes.entry.1.key"); `action` is the Action parameter.
struct QueryRequest {
  std::string action;
  std::string version;
  std::map<std::string, std::string> parameters;

  std::optional<std::string> Get(std::string_view name) const;
};

// The members of a query-protocol list or map named `prefix`, in index order: for parameters
// "Tags.member.1.Key", "Tags.member.1.Value", "Tags.member.2.Key" and prefix "Tags.member",
// {1: {"Key": .., "Value": ..}, 2: {"Key": ..}}; a scalar member ("TagKeys.member.1") is under
// "". A map's entries are the same with "entry" ("Attributes.entry.1.key"). Parameters whose
// index is not a positive number are not members.
std::map<int, std::map<std::string, std::string>> QueryMembers(
    const std::map<std::string, std::string>& parameters, std::string_view prefix);

// A request without Action is a MissingAction error (400), in the query shape.
absl::StatusOr<QueryRequest> DecodeQuery(const http::Request& request);

// The successful query response for `action`:
// <ActionResponse xmlns="namespace_uri"><ActionResult>result_xml</ActionResult>
// <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></ActionResponse>, as text/xml.
http::Response QueryResponse(std::string_view action, std::string_view namespace_uri,
                             std::string_view result_xml, std::string_view request_id);

}  // namespace serval::protocol
