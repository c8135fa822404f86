// Log groups: create, delete, describe, retention and tags.
#include <boost/json.hpp>

#include "absl/container/flat_hash_set.h"
#include "common/crypto.h"
#include "common/text.h"
#include "protocol/validation.h"
#include "services/logs/logs_service.h"
#include "services/logs/request_fields.h"
#include "services/logs/subscription_delivery.h"
#include "storage/log_store.h"
#include "storage/metadata_store.h"
#include "storage/offload.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

constexpr std::string_view kSettingsTable = "logs.groups";
constexpr size_t kMaxTags = 50;
constexpr int kAllowedRetentionDays[] = {1,    3,    5,    7,    14,   30,  60,  90,
                                         120,  150,  180,  365,  400,  545, 731, 1096,
                                         1827, 2192, 2557, 2922, 3288, 3653};

absl::StatusOr<std::map<std::string, std::string>> ReadTagMap(const json::object& input,
                                                              std::string_view key) {
  std::map<std::string, std::string> tags;
  const json::value* value = input.if_contains(key);
  if (value == nullptr || value->is_null()) return tags;
  if (!value->is_object()) return protocol::WrongMemberType(key);
  for (const auto& [name, tag] : value->get_object()) {
    if (!tag.is_string()) return protocol::WrongMemberType(key);
    // The aws: prefix is AWS's own (the model's key pattern excludes it).
    if (StartsWithIgnoreCase(std::string_view(name), "aws:")) {
      return protocol::ValidationErrors()
          .Add("{" + std::string(std::string_view(name)) + "=" +
                   std::string(std::string_view(tag.get_string())) + "}",
               key,
               "Map keys must satisfy constraint: [Member must satisfy regular expression "
               "pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+$]")
          .ToStatus("InvalidParameterException");
    }
    if (name.empty() || name.size() > 128 || tag.get_string().size() > 256) {
      return InvalidParameter(
          "Invalid tag: keys must have 1 to 128 characters, values at most 256");
    }
    tags[std::string(name)] = std::string(tag.get_string());
  }
  if (tags.size() > kMaxTags) return InvalidParameter("A log group can have at most 50 tags.");
  return tags;
}

absl::StatusOr<std::vector<std::string>> ReadTagKeys(const json::object& input,
                                                     std::string_view key) {
  const json::value* value = input.if_contains(key);
  if (value == nullptr || value->is_null()) return protocol::MissingMember(key);
  if (!value->is_array()) return protocol::WrongMemberType(key);
  std::vector<std::string> keys;
  for (const json::value& item : value->get_array()) {
    if (!item.is_string()) return protocol::WrongMemberType(key);
    keys.emplace_back(item.get_string());
  }
  return keys;
}

absl::Status AddTags(GroupSettings& settings, const std::map<std::string, std::string>& tags) {
  for (const auto& [key, value] : tags) settings.tags[key] = value;
  if (settings.tags.size() > kMaxTags) {
    return InvalidParameter("A log group can have at most 50 tags.");
  }
  return absl::OkStatus();
}

absl::Status RemoveTags(GroupSettings& settings, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) settings.tags.erase(key);
  return absl::OkStatus();
}

}  // namespace

void LogsService::CreateLogGroup(const Input& input, Done done) {
  auto group = RequiredString(input, "logGroupName");
  if (!group.ok()) return done(group.status());
  if (auto status = CheckGroupName(*group); !status.ok()) return done(status);
  // AWS's own groups (aws/...) only AWS creates; /aws/lambda/NAME is a user's to create.
  if (StartsWithIgnoreCase(*group, "aws/")) {
    return done(InvalidParameter("Log groups starting with AWS/ are reserved for AWS."));
  }
  auto tags = ReadTagMap(input, "tags");
  if (!tags.ok()) return done(tags.status());
  auto kms = OptionalString(input, "kmsKeyId");
  if (!kms.ok()) return done(kms.status());
  auto group_class = OptionalString(input, "logGroupClass");
  if (!group_class.ok()) return done(group_class.status());
  GroupSettings settings;
  settings.tags = *std::move(tags);
  settings.kms_key_id = kms->value_or("");
  if (group_class->has_value()) {
    if (**group_class != "STANDARD" && **group_class != "INFREQUENT_ACCESS" &&
        **group_class != "DELIVERY") {
      return done(protocol::ValidationErrors()
                      .Add(**group_class, "logGroupClass",
                           "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, "
                           "DELIVERY]")
                      .ToStatus("InvalidParameterException"));
    }
    settings.log_group_class = **group_class;
  }
  auto deletion_protection = OptionalBool(input, "deletionProtectionEnabled", false);
  if (!deletion_protection.ok()) return done(deletion_protection.status());
  settings.deletion_protection = *deletion_protection;
  const int64_t now = platform_.clock->NowMillis();
  storage::Offload(
      writer_, platform_.post_to_io,
      [logs = platform_.logs, name = *group, now] { return logs->CreateGroup(name, now); },
      [this, name = *group, settings = std::move(settings), done](absl::Status created) {
        if (!created.ok()) return done(FromStore(created));
        // A new group may still have the record of a deleted one of the same name (a crash
        // between the two deletes): it is replaced.
        storage::WriteBatch batch;
        batch.Put(std::string(kSettingsTable), name, SerializeGroupSettings(settings));
        platform_.metadata->WriteAsync(std::move(batch),
                                       [this, name, settings, done](absl::Status status) {
                                         if (!status.ok()) return done(FromStore(status));
                                         settings_[name] = settings;
                                         done(json::object{});
                                       });
      });
}

void LogsService::DeleteLogGroup(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  if (SettingsOf(*group).deletion_protection) {
    return done(InvalidParameter("Log group " + *group +
                                 " has deletion protection enabled and cannot be deleted."));
  }
  storage::Offload(
      writer_, platform_.post_to_io,
      [logs = platform_.logs, name = *group] { return logs->DeleteGroup(name); },
      [this, name = *group, done](absl::Status deleted) {
        if (!deleted.ok()) return done(FromStore(deleted));
        subscriptions_->SetFilters(name, {});
        if (!settings_.contains(name)) return done(json::object{});
        storage::WriteBatch batch;
        batch.Delete(std::string(kSettingsTable), name);
        platform_.metadata->WriteAsync(std::move(batch), [this, name, done](absl::Status status) {
          if (!status.ok()) return done(FromStore(status));
          settings_.erase(name);
          done(json::object{});
        });
      });
}

absl::StatusOr<json::object> LogsService::DescribeLogGroups(const Input& input) {
  auto prefix = OptionalString(input, "logGroupNamePrefix");
  if (!prefix.ok()) return prefix.status();
  auto pattern = OptionalString(input, "logGroupNamePattern");
  if (!pattern.ok()) return pattern.status();
  if (prefix->has_value() && pattern->has_value()) {
    return InvalidParameter(
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  // logGroupIdentifiers: only these groups (names or ARNs, at most 50).
  std::optional<absl::flat_hash_set<std::string>> named;
  if (const json::value* identifiers = input.if_contains("logGroupIdentifiers")) {
    if (!identifiers->is_array()) return protocol::WrongMemberType("logGroupIdentifiers");
    if (identifiers->get_array().empty() || identifiers->get_array().size() > 50) {
      return protocol::ValidationErrors()
          .Add("[...]", "logGroupIdentifiers",
               "Member must have length less than or equal to 50 and greater than or equal to 1")
          .ToStatus("InvalidParameterException");
    }
    if (prefix->has_value() || pattern->has_value()) {
      return InvalidParameter(
          "logGroupIdentifiers is mutually exclusive with logGroupNamePrefix and "
          "logGroupNamePattern.");
    }
    named.emplace();
    for (const json::value& identifier : identifiers->get_array()) {
      if (!identifier.is_string()) return protocol::WrongMemberType("logGroupIdentifiers");
      auto group = GroupOfIdentifier(std::string(identifier.get_string()), "logGroupIdentifiers");
      if (!group.ok()) return group.status();
      named->insert(*std::move(group));
    }
  }
  auto group_class = OptionalString(input, "logGroupClass");
  if (!group_class.ok()) return group_class.status();
  auto limit = ReadLimit(input, 50, 50);
  if (!limit.ok()) return limit.status();
  auto token = OptionalString(input, "nextToken");
  if (!token.ok()) return token.status();
  std::string after;
  if (token->has_value()) {
    auto decoded = Base64Decode(**token);
    if (!decoded.ok() || decoded->empty()) {
      return InvalidParameter("The specified nextToken is invalid.");
    }
    after = *std::move(decoded);
  }
  json::array groups;
  std::optional<std::string> last;
  bool more = false;
  for (const storage::LogGroupInfo& group : platform_.logs->ListGroups()) {
    if (!after.empty() && group.name <= after) continue;
    if (prefix->has_value() && !group.name.starts_with(**prefix)) continue;
    if (pattern->has_value() && group.name.find(**pattern) == std::string::npos) continue;
    if (named && !named->contains(group.name)) continue;
    const GroupSettings& settings = SettingsOf(group.name);
    if (group_class->has_value() && settings.log_group_class != **group_class) continue;
    if (groups.size() == static_cast<size_t>(*limit)) {
      more = true;
      break;
    }
    json::object item{{"logGroupName", group.name},
                      {"creationTime", group.creation_millis},
                      {"metricFilterCount", 0},
                      {"arn", GroupArn(platform_.account, group.name, true)},
                      {"logGroupArn", GroupArn(platform_.account, group.name, false)},
                      {"storedBytes", group.stored_bytes},
                      {"logGroupClass", settings.log_group_class},
                      {"deletionProtectionEnabled", settings.deletion_protection}};
    if (settings.retention_days) item["retentionInDays"] = *settings.retention_days;
    if (!settings.kms_key_id.empty()) item["kmsKeyId"] = settings.kms_key_id;
    groups.push_back(std::move(item));
    last = group.name;
  }
  json::object out{{"logGroups", std::move(groups)}};
  if (more && last) out["nextToken"] = Base64Encode(*last);
  return out;
}

void LogsService::PutRetentionPolicy(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  auto days = OptionalInteger(input, "retentionInDays");
  if (!days.ok()) return done(days.status());
  if (!days->has_value()) {
    return done(protocol::ValidationErrors()
                    .AddMissing("retentionInDays")
                    .ToStatus("InvalidParameterException"));
  }
  const int64_t value = **days;
  if (std::find(std::begin(kAllowedRetentionDays), std::end(kAllowedRetentionDays), value) ==
      std::end(kAllowedRetentionDays)) {
    return done(protocol::ValidationErrors()
                    .Add(std::to_string(value), "retentionInDays",
                         "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, "
                         "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
                    .ToStatus("InvalidParameterException"));
  }
  UpdateSettings(
      *group,
      [value](GroupSettings& settings) {
        settings.retention_days = static_cast<int>(value);
        return absl::OkStatus();
      },
      [this, done](absl::StatusOr<json::object> result) {
        if (result.ok()) SweepRetention();
        done(std::move(result));
      });
}

void LogsService::DeleteRetentionPolicy(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  UpdateSettings(
      *group,
      [](GroupSettings& settings) {
        settings.retention_days.reset();
        return absl::OkStatus();
      },
      std::move(done));
}

void LogsService::TagLogGroup(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  auto tags = ReadTagMap(input, "tags");
  if (!tags.ok()) return done(tags.status());
  UpdateSettings(
      *group, [tags = *tags](GroupSettings& settings) { return AddTags(settings, tags); },
      std::move(done));
}

void LogsService::UntagLogGroup(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  auto keys = ReadTagKeys(input, "tags");
  if (!keys.ok()) return done(keys.status());
  UpdateSettings(
      *group, [keys = *keys](GroupSettings& settings) { return RemoveTags(settings, keys); },
      std::move(done));
}

absl::StatusOr<json::object> LogsService::ListTagsLogGroup(const Input& input) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return group.status();
  if (!platform_.logs->GetGroup(*group)) return GroupNotFound();
  json::object tags;
  for (const auto& [key, value] : SettingsOf(*group).tags) tags[key] = value;
  return json::object{{"tags", std::move(tags)}};
}

namespace {

// The group a tagging request's resourceArn names.
absl::StatusOr<std::string> TaggedGroup(const AccountContext& account, const json::object& input) {
  auto arn = RequiredString(input, "resourceArn");
  if (!arn.ok()) return arn.status();
  std::optional<std::string> group = GroupOfArn(account, *arn);
  if (!group) return InvalidParameter("Invalid resourceArn: " + *arn);
  return *group;
}

}  // namespace

void LogsService::TagResource(const Input& input, Done done) {
  auto group = TaggedGroup(platform_.account, input);
  if (!group.ok()) return done(group.status());
  auto tags = ReadTagMap(input, "tags");
  if (!tags.ok()) return done(tags.status());
  UpdateSettings(
      *group, [tags = *tags](GroupSettings& settings) { return AddTags(settings, tags); },
      std::move(done));
}

void LogsService::UntagResource(const Input& input, Done done) {
  auto group = TaggedGroup(platform_.account, input);
  if (!group.ok()) return done(group.status());
  auto keys = ReadTagKeys(input, "tagKeys");
  if (!keys.ok()) return done(keys.status());
  UpdateSettings(
      *group, [keys = *keys](GroupSettings& settings) { return RemoveTags(settings, keys); },
      std::move(done));
}

absl::StatusOr<json::object> LogsService::ListTagsForResource(const Input& input) {
  auto group = TaggedGroup(platform_.account, input);
  if (!group.ok()) return group.status();
  return ListTagsLogGroup(json::object{{"logGroupName", *group}});
}

}  // namespace serval::logs
