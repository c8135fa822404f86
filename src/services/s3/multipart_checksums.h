#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/checksums.h"
#include "http/message.h"
#include "protocol/xml_reader.h"
#include "services/s3/catalog.h"
#include "services/s3/request_checksum.h"

namespace serval::s3 {

// The checksum a multipart upload keeps for its object, named at CreateMultipartUpload
// (x-amz-checksum-algorithm, x-amz-checksum-type). Every part then carries a checksum of that
// algorithm, and the object's is either
//   COMPOSITE:   the algorithm over the concatenated (raw) part checksums, base64, then "-" and
//                the number of parts ("5FRUiw==-3"); CRC32, CRC32C, SHA1, SHA256;
//   FULL_OBJECT: the CRC of the whole object, combined from the parts' CRCs without reading
//                them again; CRC32, CRC32C, CRC64NVME.
struct UploadChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc32;
  bool full_object = false;
};
// What an upload created without an algorithm gives its object: the parts' default checksums
// (request_checksum.h DefaultChecksum) combined into the whole object's CRC64NVME.
inline constexpr UploadChecksum kDefaultUploadChecksum{.algorithm = ChecksumAlgorithm::kCrc64Nvme,
                                                       .full_object = true};

// CreateMultipartUpload's request: nullopt when it names no algorithm. The type defaults to
// FULL_OBJECT for CRC64NVME and COMPOSITE otherwise. InvalidRequest, worded as S3 words it, for
// an unknown algorithm, a type without an algorithm, or a type the algorithm cannot have.
absl::StatusOr<std::optional<UploadChecksum>> UploadChecksumOfRequest(const http::Request& request);
// What an upload record says (nullopt: no algorithm).
std::optional<UploadChecksum> UploadChecksumOf(const UploadRecord& upload);
// The record's fields for `checksum`.
void SetUploadChecksum(const std::optional<UploadChecksum>& checksum, UploadRecord& upload);
// "COMPOSITE" or "FULL_OBJECT".
std::string_view ChecksumTypeName(const UploadChecksum& checksum);

// UploadPart into an upload with a checksum: the part must carry one of the upload's algorithm
// (400 InvalidRequest "Checksum Type mismatch occurred, ..." otherwise).
absl::Status CheckPartChecksumAlgorithm(const UploadChecksum& upload,
                                        const std::optional<RequestedChecksum>& part);

// CompleteMultipartUpload: the checksum a listed <Part> gives (ChecksumCRC32, ...) held against
// the stored part's. Another value, or any checksum for an upload without one, is InvalidPart
// (like a wrong ETag, so the caller passes that error); another algorithm's is BadDigest; a
// COMPOSITE upload needs each part's checksum listed (InvalidRequest).
absl::Status CheckListedPartChecksum(const std::optional<UploadChecksum>& upload,
                                     const protocol::XmlElement& listed, const PartRecord& stored,
                                     const absl::Status& invalid_part);

// The object's checksum from its parts, in order (each has the upload's algorithm; a part stored
// without it, by a Serval before multipart checksums, is InvalidRequest: upload it again).
absl::StatusOr<std::string> ObjectChecksumOf(const UploadChecksum& upload,
                                             const std::vector<const PartRecord*>& parts);

// CompleteMultipartUpload's x-amz-checksum-type, judged before the parts: it must be the
// upload's type (InvalidRequest).
absl::Status CheckCompleteChecksumType(const std::optional<UploadChecksum>& upload,
                                       const http::Request& request);
// CompleteMultipartUpload's x-amz-checksum-<algorithm> of the whole object, if given, must be
// `object_checksum` (BadDigest); for FULL_OBJECT, with x-amz-checksum-type saying so.
absl::Status CheckCompleteObjectChecksum(const std::optional<UploadChecksum>& upload,
                                         const http::Request& request,
                                         std::string_view object_checksum);

// A stored part's checksum of `algorithm` (base64), empty if it has none.
std::string PartChecksum(const PartRecord& part, ChecksumAlgorithm algorithm);

}  // namespace serval::s3
