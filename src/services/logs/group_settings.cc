#include "services/logs/group_settings.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace serval::logs {
namespace json = boost::json;

std::string SerializeGroupSettings(const GroupSettings& settings) {
  json::object out;
  if (settings.retention_days) out["retentionInDays"] = *settings.retention_days;
  out["tags"] = StringMapToJson(settings.tags);
  if (!settings.kms_key_id.empty()) out["kmsKeyId"] = settings.kms_key_id;
  out["logGroupClass"] = settings.log_group_class;
  out["deletionProtectionEnabled"] = settings.deletion_protection;
  json::array filters;
  for (const SubscriptionFilter& filter : settings.subscription_filters) {
    filters.push_back(json::object{{"filterName", filter.name},
                                   {"filterPattern", filter.pattern},
                                   {"destinationArn", filter.destination_arn},
                                   {"roleArn", filter.role_arn},
                                   {"distribution", filter.distribution},
                                   {"creationTime", filter.creation_millis}});
  }
  out["subscriptionFilters"] = std::move(filters);
  return json::serialize(out);
}

absl::StatusOr<GroupSettings> ParseGroupSettings(std::string_view text) {
  auto parsed = ParseStoredObject(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  GroupSettings settings;
  if (const int64_t days = IntMember(in, "retentionInDays", 0); days > 0) {
    settings.retention_days = static_cast<int>(days);
  }
  settings.tags = StringMapFromJson(in.if_contains("tags"));
  settings.kms_key_id = StringMember(in, "kmsKeyId");
  if (std::string group_class = StringMember(in, "logGroupClass"); !group_class.empty()) {
    settings.log_group_class = std::move(group_class);
  }
  if (const json::value* flag = in.if_contains("deletionProtectionEnabled");
      flag && flag->is_bool()) {
    settings.deletion_protection = flag->get_bool();
  }
  if (const json::value* filters = in.if_contains("subscriptionFilters");
      filters && filters->is_array()) {
    for (const json::value& item : filters->get_array()) {
      const json::object* filter = item.if_object();
      if (filter == nullptr) continue;
      settings.subscription_filters.push_back(
          {.name = StringMember(*filter, "filterName"),
           .pattern = StringMember(*filter, "filterPattern"),
           .destination_arn = StringMember(*filter, "destinationArn"),
           .role_arn = StringMember(*filter, "roleArn"),
           .distribution = StringMember(*filter, "distribution"),
           .creation_millis = IntMember(*filter, "creationTime", 0)});
    }
  }
  return settings;
}

}  // namespace serval::logs
