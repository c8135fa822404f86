#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "http/message.h"
#include "services/s3/conditions.h"
#include "services/s3/object_record.h"

namespace serval::s3 {

// Part numbers, as UploadPart and ?partNumber= reads name them.
inline constexpr uint32_t kMaxPartNumber = 10000;

// The request's partNumber: 400 InvalidArgument unless an integer from 1 to 10000.
absl::StatusOr<uint32_t> PartNumberOf(const http::Request& request);

// The bytes of part `number` of `record`, for GetObject and HeadObject ?partNumber=: the part's
// segment of an object completed from a multipart upload (its parts, in the order completed,
// numbered from 1), or the whole of an object stored in one piece (its only part, 1). Any other
// number is 416 InvalidPartNumber, as S3 words it. nullopt for part 1 of an empty object.
absl::StatusOr<std::optional<ByteRange>> PartRangeOf(const ObjectRecord& record, uint32_t number);

// Sets the checksum headers for the whole of `record` (no part number) or one part: the stored
// x-amz-checksum-<algorithm> with x-amz-checksum-type (COMPOSITE or FULL_OBJECT), a COMPOSITE
// object's part's own, or none for a part of a FULL_OBJECT multipart object (its CRC covers only
// the whole). PutObject's answer, and GET and HEAD with x-amz-checksum-mode: ENABLED.
void AddObjectChecksumHeaders(const ObjectRecord& record, std::optional<uint32_t> part_number,
                              http::Response& response);
// The type of `record`'s checksum: COMPOSITE for a multipart object's checksum of its parts'
// checksums, FULL_OBJECT otherwise.
std::string_view ChecksumTypeOf(const ObjectRecord& record);

}  // namespace serval::s3
