#include "services/s3/lifecycle.h"

#include <fmt/format.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "common/ids.h"
#include "common/text.h"
#include "common/time_format.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"

namespace serval::s3 {
namespace {

constexpr size_t kMaxRules = 1000;
constexpr size_t kMaxIdBytes = 255;
constexpr std::string_view kKeptActions[] = {"Transition", "NoncurrentVersionTransition",
                                             "NoncurrentVersionExpiration"};

std::optional<std::string> Text(const protocol::XmlElement& element, std::string_view name) {
  std::optional<std::string_view> text = element.ChildText(name);
  if (!text) return std::nullopt;
  return std::string(TrimBlanks(*text));
}

int64_t CeilToMidnight(int64_t millis) {
  const int64_t days = millis / kMillisPerDay + (millis % kMillisPerDay > 0 ? 1 : 0);
  return days * kMillisPerDay;
}

// A positive day count, or S3's complaint about `name` for `action`.
absl::StatusOr<uint32_t> PositiveDays(std::string_view text, std::string_view name,
                                      std::string_view action) {
  int64_t days = 0;
  if (!ParseDecimal(text, &days)) return protocol::MalformedXml();
  if (days <= 0 || days > 1'000'000) {
    return InvalidArgument(
        fmt::format("'{}' for {} action must be a positive integer", name, action), name, text);
  }
  return static_cast<uint32_t>(days);
}

// An xsd:dateTime (or a bare date) as epoch milliseconds; it must be midnight UTC.
absl::StatusOr<int64_t> MidnightDate(std::string_view text) {
  absl::Time time;
  std::string error;
  const std::string input(text);
  if (!absl::ParseTime(absl::RFC3339_full, input, &time, &error) &&
      !absl::ParseTime("%Y-%m-%d", input, &time, &error)) {
    return protocol::MalformedXml();
  }
  const int64_t millis = absl::ToUnixMillis(time);
  if (millis % kMillisPerDay != 0 || time != absl::FromUnixMillis(millis)) {
    return InvalidArgument("'Date' must be at midnight GMT", "Date", text);
  }
  return millis;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseTag(const protocol::XmlElement& tag) {
  std::optional<std::string_view> key = tag.ChildText("Key");
  if (!key) return protocol::MalformedXml();
  return std::make_pair(std::string(*key), std::string(tag.ChildText("Value").value_or("")));
}

// The conditions of one <Filter> or <And>: Prefix, Tag(s), ObjectSizeGreaterThan/LessThan.
absl::Status ParseConditions(const protocol::XmlElement& element, LifecycleFilter& filter) {
  if (std::optional<std::string_view> prefix = element.ChildText("Prefix")) {
    filter.prefix = std::string(*prefix);
  }
  for (const protocol::XmlElement* tag : element.Children("Tag")) {
    auto parsed = ParseTag(*tag);
    if (!parsed.ok()) return parsed.status();
    filter.tags.push_back(*std::move(parsed));
  }
  for (auto [name, bound] : {std::pair{"ObjectSizeGreaterThan", &filter.size_greater_than},
                             std::pair{"ObjectSizeLessThan", &filter.size_less_than}}) {
    if (std::optional<std::string> text = Text(element, name)) {
      uint64_t size = 0;
      if (!ParseDecimal(*text, &size)) return protocol::MalformedXml();
      *bound = size;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LifecycleFilter> ParseFilter(const protocol::XmlElement& element) {
  LifecycleFilter filter;
  size_t conditions = 0;
  for (const protocol::XmlElement& child : element.children) {
    if (child.name == "Prefix" || child.name == "Tag" || child.name == "ObjectSizeGreaterThan" ||
        child.name == "ObjectSizeLessThan" || child.name == "And") {
      ++conditions;
    } else {
      return protocol::MalformedXml();
    }
  }
  if (conditions > 1) return protocol::MalformedXml();
  if (const protocol::XmlElement* conjunction = element.Child("And")) {
    filter.uses_and = true;
    if (absl::Status parsed = ParseConditions(*conjunction, filter); !parsed.ok()) return parsed;
    absl::flat_hash_set<std::string> keys;
    for (const auto& [key, value] : filter.tags) {
      if (!keys.insert(key).second) return InvalidRequest("Duplicate Tag Keys are not allowed.");
    }
    return filter;
  }
  if (absl::Status parsed = ParseConditions(element, filter); !parsed.ok()) return parsed;
  return filter;
}

absl::StatusOr<LifecycleRule> ParseRule(const protocol::XmlElement& element) {
  LifecycleRule rule;
  rule.id = Text(element, "ID").value_or("");
  if (rule.id.empty()) rule.id = RandomHex(16);
  if (rule.id.size() > kMaxIdBytes) {
    return InvalidArgument("ID length should not exceed allowed limit of 255", "ID", rule.id);
  }
  const std::optional<std::string> status = Text(element, "Status");
  if (status != "Enabled" && status != "Disabled") return protocol::MalformedXml();
  rule.enabled = status == "Enabled";
  const protocol::XmlElement* filter = element.Child("Filter");
  std::optional<std::string_view> legacy_prefix = element.ChildText("Prefix");
  if ((filter != nullptr) == legacy_prefix.has_value()) return protocol::MalformedXml();
  if (filter != nullptr) {
    auto parsed = ParseFilter(*filter);
    if (!parsed.ok()) return parsed.status();
    rule.filter = *std::move(parsed);
  } else {
    rule.filter = LifecycleFilter{.prefix = std::string(*legacy_prefix), .legacy = true};
  }
  if (const protocol::XmlElement* expiration = element.Child("Expiration")) {
    const std::optional<std::string> days = Text(*expiration, "Days");
    const std::optional<std::string> date = Text(*expiration, "Date");
    const bool marker = expiration->Child("ExpiredObjectDeleteMarker") != nullptr;
    if ((days && date) || (marker && (days || date)) || (!days && !date && !marker)) {
      return protocol::MalformedXml();
    }
    if (days) {
      auto parsed = PositiveDays(*days, "Days", "Expiration");
      if (!parsed.ok()) return parsed.status();
      rule.expiration_days = *parsed;
    } else if (date) {
      auto parsed = MidnightDate(*date);
      if (!parsed.ok()) return parsed.status();
      rule.expiration_date_millis = *parsed;
    } else {
      rule.kept.push_back(*expiration);  // no versioning: no delete markers to remove
    }
  }
  if (const protocol::XmlElement* abort = element.Child("AbortIncompleteMultipartUpload")) {
    const std::optional<std::string> days = Text(*abort, "DaysAfterInitiation");
    if (!days) return protocol::MalformedXml();
    auto parsed = PositiveDays(*days, "DaysAfterInitiation", "AbortIncompleteMultipartUpload");
    if (!parsed.ok()) return parsed.status();
    if (!rule.filter.tags.empty()) {
      return InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.");
    }
    rule.abort_days = *parsed;
  }
  for (std::string_view action : kKeptActions) {
    for (const protocol::XmlElement* kept : element.Children(action)) rule.kept.push_back(*kept);
  }
  if (!rule.expiration_days && !rule.expiration_date_millis && !rule.abort_days &&
      rule.kept.empty()) {
    return InvalidRequest("At least one action needs to be specified in a rule");
  }
  return rule;
}

void WriteElement(protocol::XmlWriter& xml, const protocol::XmlElement& element) {
  if (element.children.empty()) {
    xml.Element(element.name, TrimBlanks(element.text));
    return;
  }
  xml.Open(element.name);
  for (const protocol::XmlElement& child : element.children) WriteElement(xml, child);
  xml.Close(element.name);
}

void WriteConditions(protocol::XmlWriter& xml, const LifecycleFilter& filter) {
  if (filter.prefix) xml.Element("Prefix", *filter.prefix);
  for (const auto& [key, value] : filter.tags) {
    xml.Open("Tag").Element("Key", key).Element("Value", value).Close("Tag");
  }
  if (filter.size_greater_than) {
    xml.Element("ObjectSizeGreaterThan", std::to_string(*filter.size_greater_than));
  }
  if (filter.size_less_than) {
    xml.Element("ObjectSizeLessThan", std::to_string(*filter.size_less_than));
  }
}

}  // namespace

absl::StatusOr<LifecycleConfiguration> ParseLifecycleXml(std::string_view body) {
  auto document = protocol::ParseXml(body);
  if (!document.ok()) return document.status();
  if (document->name != "LifecycleConfiguration") return protocol::MalformedXml();
  const std::vector<const protocol::XmlElement*> rules = document->Children("Rule");
  if (rules.empty() || rules.size() > kMaxRules) return protocol::MalformedXml();
  LifecycleConfiguration configuration;
  absl::flat_hash_set<std::string> ids;
  for (const protocol::XmlElement* element : rules) {
    auto rule = ParseRule(*element);
    if (!rule.ok()) return rule.status();
    if (!ids.insert(rule->id).second) {
      return InvalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID",
                             rule->id);
    }
    configuration.rules.push_back(*std::move(rule));
  }
  return configuration;
}

protocol::XmlWriter LifecycleXml(const LifecycleConfiguration& configuration) {
  protocol::XmlWriter xml;
  xml.Declaration().Open("LifecycleConfiguration", kS3Namespace);
  for (const LifecycleRule& rule : configuration.rules) {
    xml.Open("Rule").Element("ID", rule.id);
    if (rule.filter.legacy) {
      xml.Element("Prefix", rule.filter.prefix.value_or(""));
    } else {
      xml.Open("Filter");
      if (rule.filter.uses_and) xml.Open("And");
      WriteConditions(xml, rule.filter);
      if (rule.filter.uses_and) xml.Close("And");
      xml.Close("Filter");
    }
    xml.Element("Status", rule.enabled ? "Enabled" : "Disabled");
    if (rule.expiration_days || rule.expiration_date_millis) {
      xml.Open("Expiration");
      if (rule.expiration_days) xml.Element("Days", std::to_string(*rule.expiration_days));
      if (rule.expiration_date_millis) {
        xml.Element("Date", FormatIso8601Millis(*rule.expiration_date_millis));
      }
      xml.Close("Expiration");
    }
    for (const protocol::XmlElement& kept : rule.kept) WriteElement(xml, kept);
    if (rule.abort_days) {
      xml.Open("AbortIncompleteMultipartUpload")
          .Element("DaysAfterInitiation", std::to_string(*rule.abort_days))
          .Close("AbortIncompleteMultipartUpload");
    }
    xml.Close("Rule");
  }
  xml.Close("LifecycleConfiguration");
  return xml;
}

bool FilterMatches(const LifecycleFilter& filter, std::string_view key,
                   const ObjectRecord& record) {
  if (filter.prefix && !key.starts_with(*filter.prefix)) return false;
  for (const auto& tag : filter.tags) {
    if (std::find(record.tags.begin(), record.tags.end(), tag) == record.tags.end()) return false;
  }
  if (filter.size_greater_than && record.size <= *filter.size_greater_than) return false;
  if (filter.size_less_than && record.size >= *filter.size_less_than) return false;
  return true;
}

std::optional<Expiry> ObjectExpiry(const LifecycleConfiguration& configuration,
                                   std::string_view key, const ObjectRecord& record) {
  std::optional<Expiry> earliest;
  for (const LifecycleRule& rule : configuration.rules) {
    if (!rule.enabled || !FilterMatches(rule.filter, key, record)) continue;
    std::optional<int64_t> at;
    if (rule.expiration_days) {
      at = CeilToMidnight(record.last_modified_millis +
                          static_cast<int64_t>(*rule.expiration_days) * kMillisPerDay);
    } else if (rule.expiration_date_millis) {
      at = *rule.expiration_date_millis;
    }
    if (at && (!earliest || *at < earliest->at_millis)) earliest = Expiry{*at, rule.id};
  }
  return earliest;
}

std::string ExpirationHeader(const Expiry& expiry) {
  return fmt::format("expiry-date=\"{}\", rule-id=\"{}\"", FormatHttpDate(expiry.at_millis),
                     expiry.rule_id);
}

std::optional<std::string> ExpirationHeaderFor(std::string_view stored_lifecycle,
                                               std::string_view key, const ObjectRecord& record) {
  if (stored_lifecycle.empty()) return std::nullopt;
  auto configuration = ParseLifecycleXml(stored_lifecycle);
  if (!configuration.ok()) return std::nullopt;
  std::optional<Expiry> expiry = ObjectExpiry(*configuration, key, record);
  if (!expiry) return std::nullopt;
  return ExpirationHeader(*expiry);
}

std::optional<int64_t> UploadAbortMillis(const LifecycleConfiguration& configuration,
                                         std::string_view key, int64_t initiated_millis) {
  std::optional<int64_t> earliest;
  for (const LifecycleRule& rule : configuration.rules) {
    if (!rule.enabled || !rule.abort_days) continue;
    if (rule.filter.prefix && !key.starts_with(*rule.filter.prefix)) continue;
    const int64_t at =
        CeilToMidnight(initiated_millis + static_cast<int64_t>(*rule.abort_days) * kMillisPerDay);
    if (!earliest || at < *earliest) earliest = at;
  }
  return earliest;
}

}  // namespace serval::s3
