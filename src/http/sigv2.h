#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "http/credential_store.h"
#include "http/message.h"
#include "http/sigv4.h"

namespace serval::http {

// AWS Signature Version 2 for S3, as boto3/CLI v1 with signature_version "s3" (botocore
// auth.py HmacV1Auth / HmacV1QueryAuth) and older SDKs send it: the header form
// "Authorization: AWS <AccessKeyId>:<base64 HMAC-SHA1>" and the presigned query form
// "?AWSAccessKeyId=..&Signature=..&Expires=<epoch seconds>". The string to sign is
//   METHOD \n Content-MD5 \n Content-Type \n (Expires | Date, empty when x-amz-date is sent) \n
//   x-amz-* headers ("name:value\n", lower-case names, sorted, values trimmed, repeats joined
//   with ',') then the canonical resource: "/bucket" + the path as sent, plus the sub-resources
//   botocore signs (acl, uploads, versionId, response-content-type, ...), values decoded, sorted.
// In the query form, x-amz-* query parameters count as headers (botocore moves them there).
//
// Errors are S3's: unknown key 403 InvalidAccessKeyId, wrong signature 403 SignatureDoesNotMatch
// with AWSAccessKeyId, StringToSign, StringToSignBytes and SignatureProvided, expired URL 403
// AccessDenied "Request has expired" with Expires and ServerTime, header time outside the window
// 403 RequestTimeTooSkewed, malformed data 400 InvalidArgument or 403 AccessDenied as S3 words
// them.

// True when the request carries SigV2 authentication data (routes it here rather than to
// VerifySigV4).
bool HasSigV2(const Request& request);

struct SigV2Options {
  // The bucket, when it is addressed by the Host header (virtual-hosted style): the canonical
  // resource is then "/" + bucket + path. Empty for path-style requests.
  std::string_view virtual_host_bucket;
  // Header-form requests further than this from now are refused (S3: 15 minutes).
  int64_t max_clock_skew_millis = 15 * 60 * 1000;
};

// Verifies the SigV2 signature of `request` (its body is not read: SigV2 never signs the body;
// only a Content-MD5 header, which the service must check against the body, covers it). On
// success fills `*caller` (may be null): scope.access_key and scope.service "s3" (date and region
// empty), principal, form kSigV2AuthorizationHeader or kSigV2PresignedQuery, payload kUnsigned,
// request_time_millis (the Date, or Expires for presigned). Thread-safe.
absl::Status VerifySigV2(const Request& request, const CredentialStore& credentials,
                         int64_t now_millis, VerifiedCaller* caller,
                         const SigV2Options& options = {});

}  // namespace serval::http
