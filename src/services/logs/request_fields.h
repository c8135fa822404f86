#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/arn.h"
#include "protocol/json_rpc.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::logs {

// Reading CloudWatch Logs request members and the errors Logs answers with, shared by the
// operations of LogsService. Logs reports validation failures as InvalidParameterException, not
// ValidationException (aws-wire-contracts-2.md 2.1). Thread-safe (pure functions).

absl::Status InvalidParameter(std::string_view message);
absl::Status ResourceNotFound(std::string_view message);
absl::Status GroupNotFound();   // "The specified log group does not exist."
absl::Status StreamNotFound();  // "The specified log stream does not exist."
absl::Status LimitExceeded(std::string_view message);
// A log store status with Logs' error code: NotFound and AlreadyExists keep their messages;
// anything else is a ServiceUnavailableException.
absl::Status FromStore(const absl::Status& status);

// What answers an operation whose output is empty: {} once `status` is OK, else the error
// (through FromStore).
std::function<void(absl::Status)> AnswerEmpty(protocol::JsonOperationDone done);

// An optional string member (nullopt when absent or null); another type is a
// SerializationException.
absl::StatusOr<std::optional<std::string>> OptionalString(const boost::json::object& body,
                                                          std::string_view key);
// A required, non-empty string member.
absl::StatusOr<std::string> RequiredString(const boost::json::object& body, std::string_view key);
absl::StatusOr<std::optional<int64_t>> OptionalInteger(const boost::json::object& body,
                                                       std::string_view key);
absl::StatusOr<bool> OptionalBool(const boost::json::object& body, std::string_view key,
                                  bool default_value);
// The `limit` member: 1..`max`, `default_value` when absent.
absl::StatusOr<int> ReadLimit(const boost::json::object& body, int max, int default_value);

// A log group name checked against [\.\-_/#A-Za-z0-9]+ and 1..512 characters, named `member`
// in the error.
absl::Status CheckGroupName(std::string_view name, std::string_view member = "logGroupName");
// A log stream name checked against [^:*]* and 1..512 characters.
absl::Status CheckStreamName(std::string_view name, std::string_view member = "logStreamName");
// The group a request names: logGroupName, or logGroupIdentifier (a name or a group ARN); both
// at once is refused as AWS refuses it.
absl::StatusOr<std::string> ReadGroupName(const boost::json::object& body);
// The group a logGroupIdentifier(s) `member` names: a group name, or a group ARN of any account
// (with or without ":*"), checked as a name.
absl::StatusOr<std::string> GroupOfIdentifier(std::string identifier, std::string_view member);

// The group and stream a request names (ReadGroupName and logStreamName, checked).
struct StreamName {
  std::string group;
  std::string stream;
};
absl::StatusOr<StreamName> ReadStreamName(const boost::json::object& body);

// arn:aws:logs:REGION:ACCOUNT:log-group:NAME (with_wildcard: followed by ":*", the form of
// DescribeLogGroups' `arn`).
std::string GroupArn(const AccountContext& account, std::string_view group, bool with_wildcard);
// The group a log-group ARN names (either form), or nullopt if `arn` is not one of this account.
std::optional<std::string> GroupOfArn(const AccountContext& account, std::string_view arn);

}  // namespace serval::logs
