#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::logs {

// One subscription filter of a log group (PutSubscriptionFilter).
struct SubscriptionFilter {
  std::string name;
  std::string pattern;
  std::string destination_arn;
  std::string role_arn;
  std::string distribution = "ByLogStream";
  int64_t creation_millis = 0;
};

// What a log group has beyond its streams: settings the Logs API sets, kept in the metadata
// store (table "logs.groups", key: the group name, value: this as JSON; docs/formats.md). A
// group without a record (one Serval created for a function) has the defaults. Value type.
struct GroupSettings {
  std::optional<int> retention_days;
  std::map<std::string, std::string> tags;
  std::string kms_key_id;
  std::string log_group_class = "STANDARD";
  bool deletion_protection = false;
  std::vector<SubscriptionFilter> subscription_filters;  // at most two, in name order
};

std::string SerializeGroupSettings(const GroupSettings& settings);
absl::StatusOr<GroupSettings> ParseGroupSettings(std::string_view json);

}  // namespace serval::logs
