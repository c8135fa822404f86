#pragma once

#include <array>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::events {

// Content filtering shared by EventBridge rules (EventPattern) and SNS subscriptions
// (FilterPolicy). Both services run AWS's Event Ruler, with two sets of validation rules; the
// matching is the same. What is implemented, in our words (EventBridge user guide "Event
// patterns" and "Content filtering", SNS developer guide "Subscription filter policies", the
// Event Ruler README, and LocalStack's recordings of both services against AWS):
//
//  * A pattern is a JSON object. Nested objects follow the event's objects; a key path is its
//    keys joined with '.', in the pattern and in the event, so {"a":{"b":[..]}} and
//    {"a.b":[..]} are the same pattern and both match {"a":{"b":..}} and {"a.b":..}.
//  * Every leaf of the pattern is a non-empty array: the field matches when any element does.
//    Fields are ANDed. "$or": [{..}, {..}, ...] (at least two objects) ORs sub-patterns.
//  * An event value that is an array matches when any of its elements does; arrays of objects
//    are looked into. Matches are array-consistent (Event Ruler's rulesForJSONEvent): fields
//    matched inside objects of one array must come from the same element of it.
//  * Elements: a string, number, true, false or null matches that exact value (numbers by
//    value: 5 matches 5.0; "5" does not match 5). Operators, one per object:
//      {"prefix": s}, {"suffix": s}, each also as {"prefix": {"equals-ignore-case": s}};
//      {"equals-ignore-case": s} (ASCII letters only);
//      {"wildcard": s} (EventBridge only): '*' matches any run of characters, "\*" is a star and
//        "\\" a backslash;
//      {"anything-but": v}: v is a string, a number, a list of strings or of numbers, or
//        {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s-or-list} (SNS: "prefix" only); it
//        matches a present value (null included) that none of them matches;
//      {"numeric": [op, n]} or {"numeric": [">"|">=", n, "<"|"<=", m]} with op one of
//        = < <= > >=; only numbers match (compared as IEEE doubles: SNS's documented 5 decimal
//        digits and +-1e9 range are not enforced, and AWS accepts values beyond them too);
//      {"exists": true|false}: whether the field holds a value (an object, or an empty array,
//        is not a value);
//      {"cidr": "10.0.0.0/24"} (IPv4 mask < 32, IPv6 mask < 128): a string IP address in it.
//  * Events that are not JSON objects match nothing.
//
// Building the value to match, for SNS:
//  * FilterPolicyScope MessageBody: the message parsed as JSON (not an object: no match).
//  * FilterPolicyScope MessageAttributes: an object of attribute name -> value. A String
//    attribute is a JSON string; a Number attribute is a JSON number (parse its text as a
//    number: it then matches numeric conditions and numbers, but not string patterns — "5" and
//    {"prefix": "5"} do not match Number 5, as in SNS); a String.Array attribute is its value
//    parsed as a JSON array (each element is matched on its own, so ["a", 1] matches "a" and
//    {"numeric": ["=", 1]}; a value that is not a JSON array is passed as a string); Binary
//    attributes are left out (SNS compares only String, String.Array and Number).
//
// Where we differ: AWS appends the parser position to a validation message ("\n at [Source:
// ...; line: 1, column: 11]"); we do not. JSON that does not parse gets "Filter is not valid
// JSON" rather than Jackson's wording. The wildcard complexity check is approximated as "more
// than five '*' in one wildcard". An event whose array-consistent match needs more than 100,000
// steps (huge arrays of objects with several fields inside them) is matched without the
// array-consistency rule.
enum class PatternDialect { kEventBridge, kSnsFilterPolicy };

// SNS only: what a filter policy is matched against. MessageAttributes refuses nested objects.
enum class FilterPolicyScope { kMessageAttributes, kMessageBody };

// A compiled pattern. Thread-compatible value type.
class EventPattern {
 public:
  // Parses and validates pattern JSON text. InvalidArgument with the message AWS gives:
  //  * kEventBridge: "Event pattern is not valid. Reason: <reason>", with the AWS error code
  //    InvalidEventPatternException attached (AwsError), ready to return from PutRule or
  //    TestEventPattern.
  //  * kSnsFilterPolicy: the text that follows "Invalid parameter: " in SNS's InvalidParameter
  //    message — usually "FilterPolicy: <reason>", but "Filter policy scope MessageAttributes
  //    does not support nested filter policy" for that one. SetSubscriptionAttributes prefixes
  //    "Invalid parameter: ", Subscribe "Invalid parameter: Attributes Reason: ". SNS also
  //    refuses more than 5 top-level keys and more than 150 combinations (the sum over the
  //    $or alternatives of the product of each field's value count times its nesting depth).
  static absl::StatusOr<EventPattern> Parse(
      std::string_view json, PatternDialect dialect,
      FilterPolicyScope scope = FilterPolicyScope::kMessageBody);

  bool Matches(const boost::json::value& event) const;

  // The compiled form (public for the parser and the matcher; not an interface).
  struct Condition {
    enum class Kind {
      kExact,  // any of `values`
      kPrefix,
      kSuffix,
      kEqualsIgnoreCase,
      kWildcard,
      kNumeric,
      kExists,
      kCidr,
    };
    Kind kind = Kind::kExact;
    // anything-but: the field holds a value and the positive test fails. Never with kExists.
    bool negated = false;
    bool ignore_case = false;  // prefix / suffix with equals-ignore-case
    // kExact: scalars; kPrefix / kSuffix / kEqualsIgnoreCase: strings (lowered when
    // ignore_case); kWildcard: the pieces between unescaped stars, per pattern.
    std::vector<boost::json::value> values;
    std::vector<std::vector<std::string>> wildcards;
    // kNumeric: value `op` bound, for each bound set.
    struct Bound {
      bool set = false;
      bool inclusive = false;
      double value = 0;
    };
    Bound lower, upper;
    bool equal_set = false;
    double equal = 0;
    bool exists = true;  // kExists
    // kCidr: the network's first address and mask length; family 4 or 6.
    int family = 0;
    std::array<uint8_t, 16> network{};
    int mask_bits = 0;
  };
  struct Field {
    size_t path = 0;  // index into paths_
    int depth = 1;    // object nesting of the leaf (SNS's complexity count)
    std::vector<Condition> conditions;
  };
  using Branch = std::vector<Field>;

 private:
  friend class PatternParser;
  friend class PatternMatcher;

  std::vector<std::string> paths_;     // every field's dotted path, sorted, unique
  std::vector<std::string> prefixes_;  // every dotted prefix of those paths, sorted, unique
  std::vector<Branch> branches_;       // ORed; each ANDs its fields
};

}  // namespace serval::events
