#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "protocol/xml.h"
#include "protocol/xml_reader.h"
#include "services/s3/object_record.h"

namespace serval::s3 {

// A bucket's lifecycle configuration (PutBucketLifecycleConfiguration, and the legacy
// PutBucketLifecycle with a rule-level Prefix) and when it expires what. Thread-safe (pure
// functions over values).

inline constexpr int64_t kMillisPerDay = 86'400'000;

// Which objects a rule applies to: every condition given must hold.
struct LifecycleFilter {
  std::optional<std::string> prefix;
  Pairs tags;
  std::optional<uint64_t> size_greater_than;
  std::optional<uint64_t> size_less_than;
  bool legacy = false;  // a rule-level <Prefix>, not a <Filter>
  bool uses_and = false;
};

struct LifecycleRule {
  std::string id;
  bool enabled = false;
  LifecycleFilter filter;
  std::optional<uint32_t> expiration_days;
  std::optional<int64_t> expiration_date_millis;  // always midnight UTC
  std::optional<uint32_t> abort_days;             // AbortIncompleteMultipartUpload
  // Actions Serval keeps but does not carry out (Transition, NoncurrentVersion*: there is one
  // storage class and no versioning), written back as they came.
  std::vector<protocol::XmlElement> kept;
};

struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules;
};

// A PutBucketLifecycleConfiguration body, checked as S3 checks it: MalformedXML (schema: no
// rules, a Status other than Enabled/Disabled, Filter and Prefix both or neither, Days and Date
// both, a Filter with two conditions outside <And>), InvalidArgument ("'Date' must be at
// midnight GMT", a non-positive Days, a duplicate or over-long ID), InvalidRequest (a rule
// without an action, duplicate tag keys, AbortIncompleteMultipartUpload with a tag filter).
// Rules without an ID get a fresh one.
absl::StatusOr<LifecycleConfiguration> ParseLifecycleXml(std::string_view body);
// The GetBucketLifecycleConfiguration answer (also how the configuration is stored).
protocol::XmlWriter LifecycleXml(const LifecycleConfiguration& configuration);

// Whether `filter` selects the object `key` with `record`.
bool FilterMatches(const LifecycleFilter& filter, std::string_view key, const ObjectRecord& record);

// When an object expires: the earliest expiry among the enabled rules selecting it, and the
// rule that sets it. Days count from the object's last modification and round up to the next
// midnight UTC, as S3 does; a Date is that midnight.
struct Expiry {
  int64_t at_millis = 0;
  std::string rule_id;
};
std::optional<Expiry> ObjectExpiry(const LifecycleConfiguration& configuration,
                                   std::string_view key, const ObjectRecord& record);
// The x-amz-expiration header value: expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="r".
std::string ExpirationHeader(const Expiry& expiry);

// The x-amz-expiration header for the object `key` with `record` under a bucket's stored
// lifecycle configuration (empty: none), or nullopt when no rule expires it.
std::optional<std::string> ExpirationHeaderFor(std::string_view stored_lifecycle,
                                               std::string_view key, const ObjectRecord& record);

// When an incomplete multipart upload of `key` begun at `initiated_millis` is aborted (the
// earliest enabled AbortIncompleteMultipartUpload rule whose prefix selects it, rounded up to
// midnight UTC as expiry is), or nullopt.
std::optional<int64_t> UploadAbortMillis(const LifecycleConfiguration& configuration,
                                         std::string_view key, int64_t initiated_millis);

}  // namespace serval::s3
