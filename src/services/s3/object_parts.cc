#include "services/s3/object_parts.h"

#include <string>

#include "common/aws_error.h"
#include "common/text.h"
#include "services/s3/request_checksum.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {

absl::StatusOr<uint32_t> PartNumberOf(const http::Request& request) {
  const std::string text = request.QueryParam("partNumber").value_or("");
  uint32_t number = 0;
  if (!ParseDecimal(text, &number) || number < 1 || number > kMaxPartNumber) {
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                           "partNumber", text);
  }
  return number;
}

absl::StatusOr<std::optional<ByteRange>> PartRangeOf(const ObjectRecord& record, uint32_t number) {
  const uint32_t parts = record.parts_count > 0 ? record.parts_count : 1;
  if (number > parts) {
    return WithErrorField(WithErrorField(S3Error(416, "InvalidPartNumber",
                                                 "The requested partnumber is not satisfiable"),
                                         "PartNumberRequested", std::to_string(number)),
                          "ActualPartCount", std::to_string(parts));
  }
  if (record.parts_count == 0) {
    if (record.size == 0) return std::nullopt;
    return ByteRange{0, record.size - 1};
  }
  // A completed upload's segments are its parts, one each, in order (CompleteMultipartUpload).
  if (record.segments.size() != record.parts_count) {
    return absl::DataLossError("a multipart object's segments are not its parts");
  }
  uint64_t first = 0;
  for (uint32_t i = 0; i + 1 < number; ++i) first += record.segments[i].size;
  const uint64_t size = record.segments[number - 1].size;
  if (size == 0) return std::nullopt;
  return ByteRange{first, first + size - 1};
}

void AddObjectChecksumHeaders(const ObjectRecord& record, std::optional<uint32_t> part_number,
                              http::Response& response) {
  if (record.checksums.empty()) return;
  const bool composite = !record.checksum_type.empty();
  if (!composite && part_number && record.parts_count > 1) return;
  if (composite && part_number) {
    if (*part_number > record.part_checksums.size()) return;
    AddChecksumHeaders({{record.checksums[0].first, record.part_checksums[*part_number - 1]}},
                       response);
  } else {
    AddChecksumHeaders(record.checksums, response);
  }
  response.SetHeader("x-amz-checksum-type", std::string(ChecksumTypeOf(record)));
}

std::string_view ChecksumTypeOf(const ObjectRecord& record) {
  if (record.checksum_type.empty()) return "FULL_OBJECT";
  return record.checksum_type;
}

}  // namespace serval::s3
