#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "protocol/xml.h"
#include "services/s3/object_record.h"

namespace serval::s3 {

// Tag sets of buckets and objects, in S3's limits: at most 10 tags on an object (50 on a
// bucket), keys of 1-128 characters, values of at most 256, each key once. Thread-safe.

// A <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging> body.
absl::StatusOr<Pairs> ParseTaggingXml(std::string_view body, size_t max_tags);
// The x-amz-tagging header: a query string "k1=v1&k2=v2".
absl::StatusOr<Pairs> ParseTaggingHeader(std::string_view header);
// The GetBucketTagging / GetObjectTagging answer.
protocol::XmlWriter TaggingXml(const Pairs& tags);

inline constexpr size_t kMaxObjectTags = 10;
inline constexpr size_t kMaxBucketTags = 50;

}  // namespace serval::s3
