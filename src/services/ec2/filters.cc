#include "services/ec2/filters.h"

#include <array>

#include "common/aws_error.h"
#include "common/text.h"
#include "protocol/query.h"

namespace serval::ec2 {
namespace {

using Matches = absl::FunctionRef<bool(std::string_view)>;

// A field that is one member of the instance record.
template <typename Subject, std::string Instance::*kMember>
bool Member(const Subject& subject, std::string_view, Matches matches) {
  return matches(subject.instance.*kMember);
}

bool StateNameIs(const InstanceView& s, std::string_view, Matches matches) {
  return matches(StateName(s.state));
}

bool TagKeyIs(const TagView& s, std::string_view, Matches matches) { return matches(s.key); }
bool TagValueIs(const TagView& s, std::string_view, Matches matches) { return matches(s.value); }
// Instances are the only resources whose tags Serval keeps.
bool ResourceTypeIs(const TagView&, std::string_view, Matches matches) {
  return matches("instance");
}

// An instance record has no machine to be impaired: a running one is "ok", any other
// "not-applicable" (as DescribeInstanceStatus answers).
bool StatusIs(const InstanceView& s, std::string_view, Matches matches) {
  return matches(s.state == InstanceState::kRunning ? "ok" : "not-applicable");
}

bool StateCodeIs(const InstanceView& s, std::string_view, Matches matches) {
  return matches(std::to_string(StateCode(s.state)));
}

// tag:KEY: the value of the tag KEY, when the instance has it.
bool TagNamed(const InstanceView& s, std::string_view name, Matches matches) {
  auto tag = s.instance.tags.find(std::string(name.substr(4)));
  return tag != s.instance.tags.end() && matches(tag->second);
}

bool AnyTagKey(const InstanceView& s, std::string_view, Matches matches) {
  for (const auto& [key, value] : s.instance.tags) {
    if (matches(key)) return true;
  }
  return false;
}

bool AnyTagValue(const InstanceView& s, std::string_view, Matches matches) {
  for (const auto& [key, value] : s.instance.tags) {
    if (matches(value)) return true;
  }
  return false;
}

template <std::string Instance::*kMember>
constexpr auto kOf = &Member<InstanceView, kMember>;

constexpr std::array<FilterField<InstanceView>, 16> kInstanceFields{{
    {"instance-id", kOf<&Instance::id>},
    {"instance-type", kOf<&Instance::instance_type>},
    {"instance-state-name", &StateNameIs},
    {"instance-state-code", &StateCodeIs},
    {"image-id", kOf<&Instance::image_id>},
    {"availability-zone", kOf<&Instance::availability_zone>},
    {"placement-availability-zone", kOf<&Instance::availability_zone>},
    {"reservation-id", kOf<&Instance::reservation_id>},
    {"key-name", kOf<&Instance::key_name>},
    {"subnet-id", kOf<&Instance::subnet_id>},
    {"vpc-id", kOf<&Instance::vpc_id>},
    {"private-ip-address", kOf<&Instance::private_ip>},
    {"network-interface.addresses.private-ip-address", kOf<&Instance::private_ip>},
    {"tag:", &TagNamed},
    {"tag-key", &AnyTagKey},
    {"tag-value", &AnyTagValue},
}};

constexpr std::array<FilterField<InstanceView>, 5> kInstanceStatusFields{{
    {"availability-zone", kOf<&Instance::availability_zone>},
    {"instance-state-name", &StateNameIs},
    {"instance-state-code", &StateCodeIs},
    {"instance-status.status", &StatusIs},
    {"system-status.status", &StatusIs},
}};

constexpr std::array<FilterField<TagView>, 4> kTagFields{{
    {"resource-id", &Member<TagView, &Instance::id>},
    {"resource-type", &ResourceTypeIs},
    {"key", &TagKeyIs},
    {"value", &TagValueIs},
}};

}  // namespace

std::span<const FilterField<InstanceView>> InstanceFilterFields() { return kInstanceFields; }
std::span<const FilterField<InstanceView>> InstanceStatusFilterFields() {
  return kInstanceStatusFields;
}
std::span<const FilterField<TagView>> TagFilterFields() { return kTagFields; }

bool FilterValueMatches(std::string_view pattern, std::string_view value) {
  if (pattern.find('\\') == std::string_view::npos) return WildcardMatch(pattern, value);
  // A backslash makes the character after it literal: the pattern before the first escape
  // matches some prefix of `value` (WildcardMatch), the escaped character the next character,
  // the rest of the pattern (escapes and all) the rest, trying every place the literal occurs.
  const size_t escape = pattern.find('\\');
  const std::string_view head = pattern.substr(0, escape);
  if (escape + 1 >= pattern.size()) return WildcardMatch(pattern, value);
  const char literal = pattern[escape + 1];
  const std::string_view rest = pattern.substr(escape + 2);
  // Try every split of `value` where the head ends and the literal stands.
  for (size_t at = 0; at < value.size(); ++at) {
    if (value[at] == literal && WildcardMatch(head, value.substr(0, at)) &&
        FilterValueMatches(rest, value.substr(at + 1))) {
      return true;
    }
  }
  return false;
}

absl::Status InvalidFilter(std::string_view name) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                  "The filter '" + std::string(name) + "' is invalid");
}

absl::StatusOr<std::vector<FilterTerm>> ReadFilterTerms(
    const std::map<std::string, std::string>& parameters) {
  std::vector<FilterTerm> terms;
  for (const auto& [index, fields] : protocol::QueryMembers(parameters, "Filter")) {
    FilterTerm term;
    auto name = fields.find("Name");
    if (name == fields.end() || name->second.empty()) {
      return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                      "The filter 'null' is invalid");
    }
    term.name = name->second;
    // Filter.N.Value.M, in M's order.
    for (auto& [value_index, value] : protocol::QueryMembers(fields, "Value")) {
      term.values.push_back(value[""]);
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

}  // namespace serval::ec2
