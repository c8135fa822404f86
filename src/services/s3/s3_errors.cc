#include "services/s3/s3_errors.h"

#include <string>

#include "common/aws_error.h"

namespace serval::s3 {
namespace {

absl::StatusCode CodeFor(int http_status) {
  switch (http_status) {
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 416:
      return absl::StatusCode::kOutOfRange;
    case 501:
      return absl::StatusCode::kUnimplemented;
    default:
      return http_status >= 500 ? absl::StatusCode::kInternal : absl::StatusCode::kInvalidArgument;
  }
}

}  // namespace

absl::Status S3Error(int http_status, std::string_view code, std::string_view message) {
  return WithHttpStatus(AwsError(CodeFor(http_status), code, message), http_status);
}

absl::Status NoSuchBucket(std::string_view bucket) {
  return WithErrorField(S3Error(404, "NoSuchBucket", "The specified bucket does not exist"),
                        "BucketName", bucket);
}

absl::Status NoSuchKey(std::string_view key) {
  return WithErrorField(S3Error(404, "NoSuchKey", "The specified key does not exist."), "Key", key);
}

absl::Status NoSuchUpload(std::string_view upload_id) {
  return WithErrorField(
      S3Error(404, "NoSuchUpload",
              "The specified upload does not exist. The upload ID may be invalid, or the upload "
              "may have been aborted or completed."),
      "UploadId", upload_id);
}

absl::Status InvalidBucketName(std::string_view bucket) {
  return WithErrorField(S3Error(400, "InvalidBucketName", "The specified bucket is not valid."),
                        "BucketName", bucket);
}

absl::Status BucketAlreadyOwnedByYou(std::string_view bucket) {
  return WithErrorField(
      S3Error(409, "BucketAlreadyOwnedByYou",
              "Your previous request to create the named bucket succeeded and you already own it."),
      "BucketName", bucket);
}

absl::Status BucketNotEmpty(std::string_view bucket) {
  return WithErrorField(
      S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty"), "BucketName",
      bucket);
}

absl::Status InvalidArgument(std::string_view message, std::string_view name,
                             std::string_view value) {
  return WithErrorField(
      WithErrorField(S3Error(400, "InvalidArgument", message), "ArgumentName", name),
      "ArgumentValue", value);
}

absl::Status InvalidRequest(std::string_view message) {
  return S3Error(400, "InvalidRequest", message);
}

absl::Status InvalidRange(uint64_t object_size, std::string_view range) {
  return WithErrorField(
      WithErrorField(S3Error(416, "InvalidRange", "The requested range is not satisfiable"),
                     "ActualObjectSize", std::to_string(object_size)),
      "RangeRequested", range);
}

absl::Status PreconditionFailed(std::string_view condition) {
  return WithErrorField(S3Error(412, "PreconditionFailed",
                                "At least one of the pre-conditions you specified did not hold"),
                        "Condition", condition);
}

absl::Status KeyTooLong(size_t size) {
  return WithErrorField(WithErrorField(S3Error(400, "KeyTooLongError", "Your key is too long"),
                                       "MaxSizeAllowed", "1024"),
                        "Size", std::to_string(size));
}

absl::Status MetadataTooLarge(size_t size) {
  return WithErrorField(
      WithErrorField(S3Error(400, "MetadataTooLarge",
                             "Your metadata headers exceed the maximum allowed metadata size."),
                     "MaxSizeAllowed", "2048"),
      "Size", std::to_string(size));
}

absl::Status EntityTooLarge(uint64_t size, uint64_t max) {
  return WithErrorField(
      WithErrorField(
          S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
          "ProposedSize", std::to_string(size)),
      "MaxSizeAllowed", std::to_string(max));
}

absl::Status OperationAborted() {
  return S3Error(409, "OperationAborted",
                 "A conflicting conditional operation is currently in progress against this "
                 "resource. Please try again.");
}

absl::Status AccessDenied() { return S3Error(403, "AccessDenied", "Access Denied"); }

absl::Status NotImplemented(std::string_view what) {
  return S3Error(501, "NotImplemented",
                 "A header or query you provided implies functionality that is not implemented: " +
                     std::string(what));
}

absl::Status BadDigest() {
  return S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
}

absl::Status InvalidDigest() {
  return S3Error(400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
}

absl::Status NoSuchConfiguration(std::string_view code, std::string_view message,
                                 std::string_view bucket) {
  return WithErrorField(S3Error(404, code, message), "BucketName", bucket);
}

}  // namespace serval::s3
