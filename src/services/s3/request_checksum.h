#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/checksums.h"
#include "http/message.h"
#include "protocol/request_context.h"
#include "protocol/xml.h"
#include "services/s3/object_record.h"

namespace serval::s3 {

// The x-amz-checksum-* a PutObject or UploadPart carries: its value in a header
// (x-amz-checksum-crc32: <base64>, what botocore sends over HTTP), or announced as an aws-chunked
// trailer (x-amz-trailer: x-amz-checksum-crc32, what the SDKs send for streams). Thread-compatible.
struct RequestedChecksum {
  ChecksumAlgorithm algorithm;
  std::string header_value;  // empty when it comes in a trailer
};

// nullopt when the request names no checksum; InvalidRequest for an algorithm S3 does not know.
absl::StatusOr<std::optional<RequestedChecksum>> RequestedChecksumOf(const http::Request& request);

// A running checksum for `requested` (null when nothing was requested), for ReceiveOptions.
std::shared_ptr<Checksum> ChecksumFor(const std::optional<RequestedChecksum>& requested);

// Once the body was received into `computed`: the value the client gave (header or trailer from
// `context`) checked against it (BadDigest, InvalidRequest, MalformedTrailerError), and the
// checksums to store with the object or part ({"CRC32", base64}).
absl::StatusOr<Pairs> CheckedChecksums(const protocol::RequestContext& context,
                                       const std::optional<RequestedChecksum>& requested,
                                       const Checksum* computed);

// A request body of `operation` that was read whole (configurations, DeleteObjects,
// CompleteMultipartUpload): its Content-MD5 and x-amz-checksum-* header, if given, checked
// against it (InvalidDigest, BadDigest) — except CompleteMultipartUpload's checksum header,
// which is the whole object's. DeleteObjects must carry one of them: S3's InvalidRequest
// "Missing required header for this request: Content-MD5" otherwise.
absl::Status CheckBufferedBody(const http::Request& request, std::string_view operation);

// What is stored for a checksum computed over the data: {{"CRC32", base64}}.
Pairs StoredChecksum(const Checksum& computed);
// S3's default checksum, what an object whose request names none gets (and every part of a
// multipart upload created without an algorithm, hidden until the upload completes):
// {{"CRC64NVME", crc64nvme}}, from ReceivedBody::crc64nvme.
Pairs DefaultChecksum(std::string crc64nvme);

// Sets x-amz-checksum-<algorithm> for each stored checksum (PUT answers; GET and HEAD with
// x-amz-checksum-mode: ENABLED).
void AddChecksumHeaders(const Pairs& checksums, http::Response& response);
// Adds a <ChecksumCRC32>, ... element for each stored checksum (ListParts' parts, the results
// of CopyObject, UploadPartCopy and CompleteMultipartUpload).
void WriteChecksumElements(const Pairs& checksums, protocol::XmlWriter& xml);

}  // namespace serval::s3
