#include "services/sns/filter_policy.h"

#include <boost/json.hpp>
#include <string>

#include "absl/strings/numbers.h"
#include "services/sns/sns_errors.h"

namespace serval::sns {
namespace {

namespace json = boost::json;

json::value ParseOrNull(std::string_view text) {
  boost::system::error_code error;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), error);
  return error ? json::value(nullptr) : parsed;
}

// The attributes as event_pattern.h says SNS matches them: String as a string, Number as a
// number, String.Array as the array it holds; Binary left out.
json::value AttributesValue(const MessageAttributes& attributes) {
  json::object object;
  for (const auto& [name, attribute] : attributes) {
    const std::string_view type = attribute.data_type;
    if (type.starts_with("Number")) {
      double number = 0;
      if (absl::SimpleAtod(attribute.value, &number)) object[name] = number;
    } else if (type == "String.Array") {
      json::value array = ParseOrNull(attribute.value);
      object[name] = array.is_array() ? std::move(array) : json::value(attribute.value);
    } else if (type.starts_with("String")) {
      object[name] = attribute.value;
    }
  }
  return object;
}

}  // namespace

absl::StatusOr<SubscriptionFilter> ParseFilterPolicy(std::string_view policy,
                                                     std::string_view scope,
                                                     std::string_view reason_prefix) {
  const bool message_body = scope == "MessageBody";
  absl::StatusOr<events::EventPattern> pattern =
      events::EventPattern::Parse(policy, events::PatternDialect::kSnsFilterPolicy,
                                  message_body ? events::FilterPolicyScope::kMessageBody
                                               : events::FilterPolicyScope::kMessageAttributes);
  if (!pattern.ok()) {
    return InvalidParameter(std::string(reason_prefix) + std::string(pattern.status().message()));
  }
  return SubscriptionFilter{.pattern = *std::move(pattern), .message_body = message_body};
}

bool FilterInput::Accepts(const SubscriptionFilter& filter) {
  if (filter.message_body) {
    if (!body_) body_ = ParseOrNull(message_.body);
    return filter.pattern.Matches(*body_);
  }
  if (!attributes_) attributes_ = AttributesValue(message_.attributes);
  return filter.pattern.Matches(*attributes_);
}

}  // namespace serval::sns
