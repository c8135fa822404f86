#include "services/logs/logs_access.h"

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "services/logs/request_fields.h"

namespace serval::logs {
namespace {

namespace json = boost::json;

// Where an operation's resource comes from.
enum class Resource {
  kAccount,      // no group: log-group::log-stream:
  kGroup,        // logGroupName or logGroupIdentifier
  kStream,       // the group, and logStreamName
  kResourceArn,  // resourceArn, as given
};

struct Mapping {
  std::string_view action;
  Resource resource;
};

// Every operation of the logs front end (logs_service.cc).
const absl::flat_hash_map<std::string_view, Mapping>& Mappings() {
  static const auto* kMappings = new absl::flat_hash_map<std::string_view, Mapping>{
      {"CreateLogGroup", {"logs:CreateLogGroup", Resource::kGroup}},
      {"DeleteLogGroup", {"logs:DeleteLogGroup", Resource::kGroup}},
      {"DescribeLogGroups", {"logs:DescribeLogGroups", Resource::kAccount}},
      {"PutRetentionPolicy", {"logs:PutRetentionPolicy", Resource::kGroup}},
      {"DeleteRetentionPolicy", {"logs:DeleteRetentionPolicy", Resource::kGroup}},
      {"TagLogGroup", {"logs:TagLogGroup", Resource::kGroup}},
      {"UntagLogGroup", {"logs:UntagLogGroup", Resource::kGroup}},
      {"ListTagsLogGroup", {"logs:ListTagsLogGroup", Resource::kGroup}},
      {"TagResource", {"logs:TagResource", Resource::kResourceArn}},
      {"UntagResource", {"logs:UntagResource", Resource::kResourceArn}},
      {"ListTagsForResource", {"logs:ListTagsForResource", Resource::kResourceArn}},
      {"CreateLogStream", {"logs:CreateLogStream", Resource::kStream}},
      {"DeleteLogStream", {"logs:DeleteLogStream", Resource::kStream}},
      {"DescribeLogStreams", {"logs:DescribeLogStreams", Resource::kGroup}},
      {"PutLogEvents", {"logs:PutLogEvents", Resource::kStream}},
      {"GetLogEvents", {"logs:GetLogEvents", Resource::kStream}},
      {"FilterLogEvents", {"logs:FilterLogEvents", Resource::kGroup}},
      {"PutSubscriptionFilter", {"logs:PutSubscriptionFilter", Resource::kGroup}},
      {"DescribeSubscriptionFilters", {"logs:DescribeSubscriptionFilters", Resource::kGroup}},
      {"DeleteSubscriptionFilter", {"logs:DeleteSubscriptionFilter", Resource::kGroup}},
  };
  return *kMappings;
}

// arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM (either part may be empty).
std::string StreamArn(const AccountContext& account, std::string_view group,
                      std::string_view stream) {
  std::string arn = GroupArn(account, group, false);
  arn.append(":log-stream:").append(stream);
  return arn;
}

}  // namespace

services::AccessRequests AccessRequestsFor(std::string_view operation, const json::object& input,
                                           const AccountContext& account) {
  services::AccessRequests requests;
  auto found = Mappings().find(operation);
  if (found == Mappings().end()) return requests;
  const Mapping& mapping = found->second;
  switch (mapping.resource) {
    case Resource::kAccount:
      requests.push_back({.action = mapping.action, .resource = StreamArn(account, "", "")});
      break;
    case Resource::kGroup: {
      absl::StatusOr<std::string> group = ReadGroupName(input);
      if (group.ok()) {
        requests.push_back({.action = mapping.action, .resource = StreamArn(account, *group, "")});
      }
      break;
    }
    case Resource::kStream: {
      absl::StatusOr<StreamName> name = ReadStreamName(input);
      if (name.ok()) {
        requests.push_back(
            {.action = mapping.action, .resource = StreamArn(account, name->group, name->stream)});
      }
      break;
    }
    case Resource::kResourceArn: {
      const json::value* arn = input.if_contains("resourceArn");
      if (arn != nullptr && arn->is_string() && !arn->get_string().empty()) {
        requests.push_back({.action = mapping.action, .resource = std::string(arn->get_string())});
      }
      break;
    }
  }
  return requests;
}

}  // namespace serval::logs
