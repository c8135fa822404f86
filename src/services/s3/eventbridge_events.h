#pragma once

#include <string>
#include <string_view>

#include "services/event_bus.h"
#include "services/s3/notifications.h"

namespace serval::s3 {

// The event S3 puts on EventBridge's default bus for a change of an object in a bucket with
// <EventBridgeConfiguration/> (AWS S3 user guide, "EventBridge message structure"): source
// "aws.s3", detail-type "Object Created" or "Object Deleted", resources [the bucket's ARN], and
// the detail {"version":"0","bucket":{"name"},"object":{"key","size","etag","sequencer"},
// "request-id","requester","source-ip-address","reason"[,"deletion-type"]}. The key is the
// object's key as is (not form-encoded as in notification records); requester is the account
// for signed callers, "s3.amazonaws.com" for lifecycle expirations. Buckets have no versioning,
// so there is no version-id. Thread-safe (pure function).
services::EventPublisher::Event EventBridgeEvent(const ObjectEvent& event,
                                                 std::string_view account_id);

}  // namespace serval::s3
