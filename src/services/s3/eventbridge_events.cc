#include "services/s3/eventbridge_events.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace serval::s3 {

namespace json = boost::json;

services::EventPublisher::Event EventBridgeEvent(const ObjectEvent& event,
                                                 std::string_view account_id) {
  // Notification event names -> the reason AWS gives.
  static constexpr std::pair<std::string_view, std::string_view> kReasons[] = {
      {"ObjectCreated:Put", "PutObject"},
      {"ObjectCreated:Post", "PostObject"},
      {"ObjectCreated:Copy", "CopyObject"},
      {"ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload"},
      {"ObjectRemoved:Delete", "DeleteObject"},
      {"ObjectRemoved:DeleteMarkerCreated", "DeleteObject"},
      {"LifecycleExpiration:Delete", "Lifecycle Expiration"},
  };
  std::string_view reason = event.name;
  for (const auto& entry : kReasons) {
    if (entry.first == event.name) reason = entry.second;
  }
  const bool created = event.name.starts_with("ObjectCreated:");
  json::object object{{"key", event.key}};
  if (event.size) object["size"] = *event.size;
  if (!event.etag.empty()) object["etag"] = event.etag;
  object["sequencer"] = event.sequencer;
  const bool by_s3 = event.principal_id == "s3.amazonaws.com";
  json::object detail{
      {"version", "0"},
      {"bucket", json::object{{"name", event.bucket}}},
      {"object", std::move(object)},
      {"request-id", event.request_id},
      {"requester", by_s3 ? std::string("s3.amazonaws.com") : std::string(account_id)},
      {"source-ip-address", event.source_ip},
      {"reason", reason}};
  if (!created) detail["deletion-type"] = "Permanently Deleted";
  return services::EventPublisher::Event{
      .source = "aws.s3",
      .detail_type = created ? "Object Created" : "Object Deleted",
      .detail = json::serialize(detail),
      .resources = {fmt::format("arn:aws:s3:::{}", event.bucket)},
      .time_millis = event.time_millis};
}

}  // namespace serval::s3
