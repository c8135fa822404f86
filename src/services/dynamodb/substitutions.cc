// ExpressionAttributeNames and ExpressionAttributeValues: reading, validation, use tracking.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/expression_internal.h"

namespace serval::dynamodb {

namespace json = boost::json;

namespace {

// A placeholder key: the prefix, then one or more letters, digits or '_'.
bool ValidKey(std::string_view key, char prefix) {
  if (key.size() < 2 || key[0] != prefix) return false;
  for (char c : key.substr(1)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

absl::Status InvalidKey(std::string_view member, std::string_view key) {
  return Invalid(fmt::format("{} contains invalid key: Syntax error; key: \"{}\"", member, key));
}

// The keys of `map` not in `used`, as AWS lists them: {:a, :b}.
template <typename Map>
std::vector<std::string> Unused(const Map& map, const std::set<std::string, std::less<>>& used) {
  std::vector<std::string> unused;
  for (const auto& [key, value] : map) {
    if (!used.contains(key)) unused.push_back(key);
  }
  return unused;
}

}  // namespace

Substitutions::Substitutions() : maps_(std::make_unique<Maps>()) {}
Substitutions::~Substitutions() = default;
Substitutions::Substitutions(Substitutions&&) noexcept = default;
Substitutions& Substitutions::operator=(Substitutions&&) noexcept = default;

absl::StatusOr<Substitutions> Substitutions::FromRequest(const json::object& request) {
  Substitutions substitutions;
  Maps& maps = *substitutions.maps_;
  if (const json::value* names = request.if_contains("ExpressionAttributeNames")) {
    const json::object* object = names->if_object();
    if (!object) return Invalid("ExpressionAttributeNames must be a map");
    if (object->empty()) return Invalid("ExpressionAttributeNames must not be empty");
    for (const auto& [key, value] : *object) {
      if (!ValidKey(key, '#')) return InvalidKey("ExpressionAttributeNames", key);
      const json::string* name = value.if_string();
      if (!name) return Invalid("ExpressionAttributeNames values must be strings");
      maps.names.emplace(std::string(key), std::string(*name));
    }
  }
  if (const json::value* values = request.if_contains("ExpressionAttributeValues")) {
    const json::object* object = values->if_object();
    if (!object) return Invalid("ExpressionAttributeValues must be a map");
    if (object->empty()) return Invalid("ExpressionAttributeValues must not be empty");
    for (const auto& [key, value] : *object) {
      if (!ValidKey(key, ':')) return InvalidKey("ExpressionAttributeValues", key);
      json::value copy = value;
      if (absl::Status status = NormalizeValue(copy); !status.ok()) return status;
      maps.values.emplace(std::string(key), std::move(copy));
    }
  }
  return substitutions;
}

absl::Status Substitutions::CheckAllUsed() const {
  if (!maps_->any_expression) {
    if (!maps_->names.empty()) {
      return Invalid("ExpressionAttributeNames can only be specified when using expressions");
    }
    if (!maps_->values.empty()) {
      return Invalid("ExpressionAttributeValues can only be specified when using expressions");
    }
    return absl::OkStatus();
  }
  if (std::vector<std::string> unused = Unused(maps_->names, maps_->used_names); !unused.empty()) {
    return Invalid(fmt::format(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
        absl::StrJoin(unused, ", ")));
  }
  if (std::vector<std::string> unused = Unused(maps_->values, maps_->used_values);
      !unused.empty()) {
    return Invalid(fmt::format(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
        absl::StrJoin(unused, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace serval::dynamodb
