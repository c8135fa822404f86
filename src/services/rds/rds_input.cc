#include "services/rds/rds_input.h"

#include <fmt/format.h>

#include "absl/strings/numbers.h"
#include "common/text.h"
#include "services/rds/rds_errors.h"

namespace serval::rds {

absl::StatusOr<std::string> RequiredParameter(const protocol::QueryRequest& request,
                                              std::string_view name) {
  std::optional<std::string> value = request.Get(name);
  if (!value.has_value() || value->empty()) return MissingParameter(name);
  return *std::move(value);
}

absl::StatusOr<std::optional<int64_t>> IntParameter(const protocol::QueryRequest& request,
                                                    std::string_view name) {
  const std::optional<std::string> text = request.Get(name);
  if (!text.has_value()) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return InvalidParameterValue(
        fmt::format("Invalid value {} for {}: it must be an integer.", *text, name));
  }
  return value;
}

absl::StatusOr<bool> BoolParameter(const protocol::QueryRequest& request, std::string_view name,
                                   bool fallback) {
  const std::optional<std::string> text = request.Get(name);
  if (!text.has_value()) return fallback;
  if (EqualsIgnoreCase(*text, "true")) return true;
  if (EqualsIgnoreCase(*text, "false")) return false;
  return InvalidParameterValue(
      fmt::format("Invalid value {} for {}: it must be true or false.", *text, name));
}

absl::StatusOr<std::map<std::string, std::string>> ReadTags(const protocol::QueryRequest& request) {
  std::map<std::string, std::string> tags;
  for (auto& [index, fields] : protocol::QueryMembers(request.parameters, "Tags.Tag")) {
    const std::string& key = fields["Key"];
    if (key.empty() || key.size() > 128) {
      return InvalidParameterValue("A tag key must have from 1 to 128 characters.");
    }
    if (key.starts_with("aws:")) {
      return InvalidParameterValue("Tag keys must not start with 'aws:'.");
    }
    if (fields["Value"].size() > 256) {
      return InvalidParameterValue("A tag value must have at most 256 characters.");
    }
    tags[key] = fields["Value"];
  }
  return tags;
}

}  // namespace serval::rds
