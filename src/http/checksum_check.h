#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "common/checksums.h"
#include "http/aws_chunked.h"

namespace serval::http {

// Holding object data to the x-amz-checksum-* value the client sent, in a header or an
// aws-chunked trailer, with S3's answers:
// * a value that is not the base64 of a digest of the right size: 400 InvalidRequest
//   "Value for x-amz-checksum-crc32 header is invalid.";
// * a mismatch: 400 BadDigest "The CRC32 you specified did not match the calculated checksum."
//   (the algorithm upper case for the CRCs, lower case for the SHAs, as S3 was seen to write them:
//   aws-sdk-ruby issue 3322, arrow-rs-object-store issue 709);
// * a trailer the request announced but did not send: 400 MalformedTrailerError.
// Thread-safe (pure functions).

absl::Status VerifyChecksumValue(std::string_view provided_base64, const Checksum& computed);

// The trailer named ChecksumHeaderName(computed.algorithm()) checked against `computed`.
absl::Status VerifyTrailerChecksum(const Trailers& trailers, const Checksum& computed);

}  // namespace serval::http
