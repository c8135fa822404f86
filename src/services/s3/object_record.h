#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::s3 {

// Where part of an object's bytes live: a blob, in order.
struct Segment {
  std::string blob;  // blob store key
  uint64_t size = 0;
  bool operator==(const Segment&) const = default;
};

// Name/value pairs in the order they were given (user metadata, tags, checksums).
using Pairs = std::vector<std::pair<std::string, std::string>>;

// The headers an object was stored with, returned on GET and HEAD as they were sent.
struct StoredHeaders {
  std::string content_type;
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;
  std::string website_redirect_location;
  std::string storage_class;  // empty: STANDARD
  // x-amz-server-side-encryption: "aws:kms" or "aws:kms:dsse" with the KMS key named; empty:
  // AES256, S3's default (SSE-S3) for every object.
  std::string server_side_encryption;
  std::string kms_key_id;
  Pairs user_metadata;  // x-amz-meta-NAME (lower-case NAME) -> value
  bool operator==(const StoredHeaders&) const = default;
};

// One object's metadata, as the catalog stores it (JSON; docs/formats.md "S3"). Small bodies
// are kept beside it in the metadata store (`segments` empty), larger ones in blobs.
// Thread-compatible value.
struct ObjectRecord {
  uint64_t size = 0;
  std::string etag;  // unquoted: MD5 hex, or "<md5 of part md5s>-<parts>"
  int64_t last_modified_millis = 0;
  StoredHeaders headers;
  Pairs tags;
  Pairs checksums;  // "CRC32" -> base64 value, as x-amz-checksum-crc32 carries it
  // "COMPOSITE" when `checksums` holds a multipart upload's checksum of its parts' checksums
  // ("<base64>-<parts>"), with each part's in `part_checksums`; empty: FULL_OBJECT.
  std::string checksum_type;
  std::vector<std::string> part_checksums;
  std::vector<Segment> segments;
  uint32_t parts_count = 0;  // from a multipart upload; 0 otherwise
  std::string sequencer;     // grows with every change of the key (event notifications)

  bool inline_body() const { return segments.empty(); }
  bool operator==(const ObjectRecord&) const = default;
};

std::string EncodeObjectRecord(const ObjectRecord& record);
absl::StatusOr<ObjectRecord> DecodeObjectRecord(std::string_view encoded);

}  // namespace serval::s3
