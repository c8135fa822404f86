#include "services/logs/request_fields.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/aws_error.h"
#include "protocol/validation.h"

namespace serval::logs {
namespace json = boost::json;

namespace {

constexpr size_t kMaxNameLength = 512;
constexpr std::string_view kInvalidParameter = "InvalidParameterException";
// AWS's own check of both names, recorded (aws-wire-contracts-2.md 2.1).
constexpr std::string_view kNameTooLong =
    "Invalid LogGroup or LogStream, both must have length less than or equal to 512.";

bool IsGroupNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == '#';
}

const json::value* Member(const json::object& body, std::string_view key) {
  const json::value* value = body.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

}  // namespace

absl::Status InvalidParameter(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, kInvalidParameter, message);
}

absl::Status ResourceNotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", message);
}

absl::Status GroupNotFound() { return ResourceNotFound("The specified log group does not exist."); }

absl::Status StreamNotFound() {
  return ResourceNotFound("The specified log stream does not exist.");
}

absl::Status LimitExceeded(std::string_view message) {
  return AwsError(absl::StatusCode::kResourceExhausted, "LimitExceededException", message);
}

absl::Status FromStore(const absl::Status& status) {
  if (status.ok() || !AwsErrorCode(status).empty()) return status;
  if (absl::IsNotFound(status)) return ResourceNotFound(std::string(status.message()));
  if (absl::IsAlreadyExists(status)) {
    return AwsError(absl::StatusCode::kAlreadyExists, "ResourceAlreadyExistsException",
                    std::string(status.message()));
  }
  return AwsError(absl::StatusCode::kUnavailable, "ServiceUnavailableException",
                  std::string(status.message()));
}

std::function<void(absl::Status)> AnswerEmpty(protocol::JsonOperationDone done) {
  return [done = std::move(done)](absl::Status status) {
    if (!status.ok()) return done(FromStore(status));
    done(json::object{});
  };
}

absl::StatusOr<std::optional<std::string>> OptionalString(const json::object& body,
                                                          std::string_view key) {
  const json::value* value = Member(body, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return protocol::WrongMemberType(key);
  return std::string(value->get_string());
}

absl::StatusOr<std::string> RequiredString(const json::object& body, std::string_view key) {
  auto value = OptionalString(body, key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return protocol::ValidationErrors().AddMissing(key).ToStatus(kInvalidParameter);
  }
  return **std::move(value);
}

absl::StatusOr<std::optional<int64_t>> OptionalInteger(const json::object& body,
                                                       std::string_view key) {
  const json::value* value = Member(body, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX) {
    return static_cast<int64_t>(value->get_uint64());
  }
  return protocol::WrongMemberType(key);
}

absl::StatusOr<bool> OptionalBool(const json::object& body, std::string_view key,
                                  bool default_value) {
  const json::value* value = Member(body, key);
  if (value == nullptr) return default_value;
  if (!value->is_bool()) return protocol::WrongMemberType(key);
  return value->get_bool();
}

absl::StatusOr<int> ReadLimit(const json::object& body, int max, int default_value) {
  auto limit = OptionalInteger(body, "limit");
  if (!limit.ok()) return limit.status();
  if (!limit->has_value()) return default_value;
  const int64_t value = **limit;
  if (value < 1) {
    return protocol::ValidationErrors()
        .Add(std::to_string(value), "limit", "Member must have value greater than or equal to 1")
        .ToStatus(kInvalidParameter);
  }
  if (value > max) {
    return protocol::ValidationErrors()
        .Add(std::to_string(value), "limit",
             "Member must have value less than or equal to " + std::to_string(max))
        .ToStatus(kInvalidParameter);
  }
  return static_cast<int>(value);
}

absl::Status CheckGroupName(std::string_view name, std::string_view member) {
  protocol::ValidationErrors errors;
  if (name.empty()) {
    errors.Add(name, member, "Member must have length greater than or equal to 1");
  } else if (name.size() > kMaxNameLength) {
    return InvalidParameter(kNameTooLong);
  } else if (!std::all_of(name.begin(), name.end(), IsGroupNameChar)) {
    errors.Add(name, member,
               "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  }
  return errors.ToStatus(kInvalidParameter);
}

absl::Status CheckStreamName(std::string_view name, std::string_view member) {
  protocol::ValidationErrors errors;
  if (name.empty()) {
    errors.Add(name, member, "Member must have length greater than or equal to 1");
  } else if (name.size() > kMaxNameLength) {
    return InvalidParameter(kNameTooLong);
  } else if (name.find_first_of(":*") != std::string_view::npos) {
    errors.Add(name, member, "Member must satisfy regular expression pattern: [^:*]*");
  }
  return errors.ToStatus(kInvalidParameter);
}

std::string GroupArn(const AccountContext& account, std::string_view group, bool with_wildcard) {
  std::string arn = "arn:aws:logs:" + account.region + ":" + account.account_id +
                    ":log-group:" + std::string(group);
  if (with_wildcard) arn += ":*";
  return arn;
}

std::optional<std::string> GroupOfArn(const AccountContext& account, std::string_view arn) {
  const std::string prefix = GroupArn(account, "", false);
  if (!arn.starts_with(prefix)) return std::nullopt;
  std::string_view group = arn.substr(prefix.size());
  if (group.ends_with(":*")) group.remove_suffix(2);
  if (group.empty()) return std::nullopt;
  return std::string(group);
}

absl::StatusOr<std::string> ReadGroupName(const json::object& body) {
  auto name = OptionalString(body, "logGroupName");
  if (!name.ok()) return name.status();
  auto identifier = OptionalString(body, "logGroupIdentifier");
  if (!identifier.ok()) return identifier.status();
  if (name->has_value() && identifier->has_value()) {
    return InvalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (identifier->has_value())
    return GroupOfIdentifier(**std::move(identifier), "logGroupIdentifier");
  if (!name->has_value()) {
    return protocol::ValidationErrors().AddMissing("logGroupName").ToStatus(kInvalidParameter);
  }
  if (auto status = CheckGroupName(**name); !status.ok()) return status;
  return **std::move(name);
}

absl::StatusOr<std::string> GroupOfIdentifier(std::string identifier, std::string_view member) {
  if (identifier.starts_with("arn:")) {
    // Any account's ARN parses; the group is then looked up in this one.
    const size_t marker = identifier.find(":log-group:");
    if (marker == std::string::npos) {
      return InvalidParameter("Invalid " + std::string(member) + ": " + identifier);
    }
    identifier = identifier.substr(marker + 11);
    if (identifier.ends_with(":*")) identifier.resize(identifier.size() - 2);
  }
  if (auto status = CheckGroupName(identifier, member); !status.ok()) return status;
  return identifier;
}

absl::StatusOr<StreamName> ReadStreamName(const json::object& body) {
  auto group = ReadGroupName(body);
  if (!group.ok()) return group.status();
  auto stream = RequiredString(body, "logStreamName");
  if (!stream.ok()) return stream.status();
  if (auto status = CheckStreamName(*stream); !status.ok()) return status;
  return StreamName{*std::move(group), *std::move(stream)};
}

}  // namespace serval::logs
