#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/events/event_pattern.h"
#include "services/sns/message.h"

namespace serval::sns {

// A subscription's FilterPolicy, compiled: what it is matched against (FilterPolicyScope) and
// the pattern (the engine EventBridge rules use, in SNS's dialect). Thread-compatible.
struct SubscriptionFilter {
  events::EventPattern pattern;
  bool message_body = false;  // FilterPolicyScope MessageBody; else MessageAttributes
};

// Compiles `policy` for `scope` ("MessageAttributes" or "MessageBody"). InvalidParameter
// "Invalid parameter: <reason_prefix><engine's reason>" when SNS would refuse it: Subscribe
// words it "Attributes Reason: ", SetSubscriptionAttributes with no prefix.
absl::StatusOr<SubscriptionFilter> ParseFilterPolicy(std::string_view policy,
                                                     std::string_view scope,
                                                     std::string_view reason_prefix);

// One message as filters see it, each form built once however many filters ask.
// Thread-compatible.
class FilterInput {
 public:
  explicit FilterInput(const Message& message) : message_(message) {}
  // Whether `filter` lets the message through.
  bool Accepts(const SubscriptionFilter& filter);

 private:
  const Message& message_;
  std::optional<boost::json::value> attributes_;  // name -> String/Number/String.Array value
  std::optional<boost::json::value> body_;        // the message parsed as JSON (or null)
};

}  // namespace serval::sns
