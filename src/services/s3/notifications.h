#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "protocol/xml.h"

namespace serval::s3 {

// A bucket's event notification configuration (PutBucketNotificationConfiguration and the
// deprecated PutBucketNotification, both `PUT ?notification`), and the event records it makes.
// docs/s3.md, "Event notifications". Thread-safe (pure functions).

enum class DestinationKind { kFunction, kTopic, kQueue };

struct NotificationTarget {
  DestinationKind kind = DestinationKind::kFunction;
  std::string id;                   // the configurationId of its records
  std::string arn;                  // the function, topic or queue
  std::vector<std::string> events;  // "s3:ObjectCreated:*", as given
  // Key filter rules in the order given, names normalised to "Prefix" / "Suffix".
  std::vector<std::pair<std::string, std::string>> filter_rules;
};

struct NotificationConfig {
  std::vector<NotificationTarget> targets;
  bool event_bridge = false;  // <EventBridgeConfiguration/>: every change goes to EventBridge
};

// A `PUT ?notification` body, in botocore's wire names (CloudFunctionConfiguration/CloudFunction,
// TopicConfiguration/Topic, QueueConfiguration/Queue, repeated <Event>) or the API's
// (LambdaFunctionConfiguration/LambdaFunctionArn, TopicArn, QueueArn). Ids left out are made up.
// MalformedXML for a wrong shape; InvalidArgument for an unknown event ("The event is not
// supported for notifications"), a filter rule other than prefix/suffix or given twice, and a
// destination ARN of the wrong form ("The ARN could not be parsed", ArgumentName the element).
// Destinations are not looked up here (the operation does that).
absl::StatusOr<NotificationConfig> ParseNotificationXml(std::string_view body);
// The GET answer, in the wire names botocore reads (also how the configuration is stored).
protocol::XmlWriter NotificationXml(const NotificationConfig& config);

// Whether a change of `key` that is `event` ("ObjectCreated:Put", no "s3:") goes to `target`:
// one of its events names it or its type ("s3:ObjectCreated:*"), and the key has its prefix
// and suffix.
bool Matches(const NotificationTarget& target, std::string_view event, std::string_view key);

// A key as event records carry it: form-encoded (space -> '+', '+' -> "%2B"; '/' kept).
std::string EventKey(std::string_view key);

// One change of one object, to be told to the targets that want it.
struct ObjectEvent {
  std::string name;  // "ObjectCreated:Put", "ObjectRemoved:Delete", "LifecycleExpiration:Delete"
  std::string region;
  int64_t time_millis = 0;
  std::string principal_id;  // who made the change: "AWS:<access key>", "s3.amazonaws.com"
  std::string source_ip;
  std::string request_id;
  std::string bucket;
  std::string key;
  std::optional<uint64_t> size;  // created objects only
  std::string etag;              // created objects only; unquoted
  std::string sequencer;
};

// {"Records":[...]} for `target`, as S3 sends it (eventVersion 2.1).
std::string EventRecordJson(const ObjectEvent& event, std::string_view configuration_id);

// The Subject of what S3 publishes to a topic.
inline constexpr std::string_view kS3NotificationSubject = "Amazon S3 Notification";
// The s3:TestEvent S3 sends a topic when a configuration naming it is put:
// {"Service":"Amazon S3","Event":"s3:TestEvent","Time":..,"Bucket":..,"RequestId":..,
// "HostId":..}.
std::string TestEventJson(std::string_view bucket, std::string_view request_id,
                          int64_t time_millis);

}  // namespace serval::s3
