#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace serval::s3 {

// S3's errors, as its REST API answers them: each an absl::Status carrying the S3 code, its
// message and HTTP status, and the extra <Error> members S3 sends (<BucketName>, <Key>, ...), for
// protocol::ErrorResponse to write. Messages are S3's own wording. Thread-safe (pure functions).

// Any S3 error: `code` and `message` with `http_status`.
absl::Status S3Error(int http_status, std::string_view code, std::string_view message);

absl::Status NoSuchBucket(std::string_view bucket);
absl::Status NoSuchKey(std::string_view key);
absl::Status NoSuchUpload(std::string_view upload_id);
absl::Status InvalidBucketName(std::string_view bucket);
absl::Status BucketAlreadyOwnedByYou(std::string_view bucket);
absl::Status BucketNotEmpty(std::string_view bucket);
// 400 InvalidArgument naming the offending argument, as S3 does.
absl::Status InvalidArgument(std::string_view message, std::string_view name,
                             std::string_view value);
absl::Status InvalidRequest(std::string_view message);
absl::Status InvalidRange(uint64_t object_size, std::string_view range);
absl::Status PreconditionFailed(std::string_view condition);
absl::Status KeyTooLong(size_t size);
absl::Status MetadataTooLarge(size_t size);
absl::Status EntityTooLarge(uint64_t size, uint64_t max);
absl::Status AccessDenied();
// 409: another change of the same resource committed first, too often.
absl::Status OperationAborted();
absl::Status NotImplemented(std::string_view what);
absl::Status BadDigest();
absl::Status InvalidDigest();
// A GET or HEAD configuration that was never put: NoSuchTagSet, NoSuchBucketPolicy, ...
absl::Status NoSuchConfiguration(std::string_view code, std::string_view message,
                                 std::string_view bucket);

}  // namespace serval::s3
