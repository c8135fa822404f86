// ResourceProperties (resource_appliers.h): a planned resource's properties, substituted when an
// applier asks for them, once the ARNs they may name are known.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "server/resource_appliers.h"

namespace serval::server {

absl::StatusOr<std::optional<boost::json::value>> ResourceProperties::Get(
    std::string_view key) const {
  const boost::json::value* raw = resource_.properties.if_contains(key);
  if (!raw) return std::nullopt;
  auto lookup = [this](std::string_view name) -> std::optional<std::string> {
    if (auto it = resource_.variables.find(std::string(name)); it != resource_.variables.end()) {
      return it->second;
    }
    if (!name.ends_with(".Arn")) return std::nullopt;
    const std::string_view id = name.substr(0, name.size() - 4);
    if (id == resource_.id) return own_arn_;
    if (auto it = arns_.find(std::string(id)); it != arns_.end()) return it->second;
    return std::nullopt;
  };
  auto value = SubstituteJson(*raw, lookup);
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}: {}", resource_.where, key, std::string(value.status().message())));
  }
  return *std::move(value);
}

absl::StatusOr<std::string> ResourceProperties::String(std::string_view key) const {
  auto value = Get(key);
  if (!value.ok()) return value.status();
  if (!*value || !(*value)->is_string() || (*value)->get_string().empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {} must be a non-empty string", resource_.where, key));
  }
  return std::string((*value)->get_string());
}

}  // namespace serval::server
