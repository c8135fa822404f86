#pragma once

#include "absl/status/statusor.h"
#include "http/message.h"
#include "services/s3/object_record.h"

namespace serval::s3 {

// The headers a PutObject, CreateMultipartUpload or CopyObject (MetadataDirective REPLACE)
// stores with an object: Content-Type (binary/octet-stream when absent), -Encoding (without the
// aws-chunked transfer coding), -Disposition, -Language, Cache-Control, Expires,
// x-amz-website-redirect-location, x-amz-storage-class and x-amz-meta-*. MetadataTooLarge over
// 2 KB of user metadata; InvalidStorageClass; InvalidRedirectLocation. Thread-safe.
absl::StatusOr<StoredHeaders> StoredHeadersOf(const http::Request& request);

// Adds the stored headers to a GET or HEAD answer.
void AddStoredHeaders(const StoredHeaders& headers, http::Response& response);

}  // namespace serval::s3
