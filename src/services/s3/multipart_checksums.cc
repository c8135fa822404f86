#include "services/s3/multipart_checksums.h"

#include <fmt/format.h>

#include "absl/strings/escaping.h"
#include "common/text.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace {

bool IsCrc(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::kCrc32 || algorithm == ChecksumAlgorithm::kCrc32c ||
         algorithm == ChecksumAlgorithm::kCrc64Nvme;
}

// S3 names algorithms in lower case in these messages ("crc32c").
std::string LowerName(ChecksumAlgorithm algorithm) {
  return AsciiToLower(ChecksumAlgorithmName(algorithm));
}

// A part's stored checksum of `algorithm`, decoded; empty if it has none.
std::string RawPartChecksum(const PartRecord& part, ChecksumAlgorithm algorithm) {
  std::string raw;
  if (!absl::Base64Unescape(PartChecksum(part, algorithm), &raw)) return {};
  return raw;
}

}  // namespace

absl::StatusOr<std::optional<UploadChecksum>> UploadChecksumOfRequest(
    const http::Request& request) {
  const std::string_view algorithm_name = request.Header("x-amz-checksum-algorithm");
  const std::string_view type_name = request.Header("x-amz-checksum-type");
  if (algorithm_name.empty()) {
    if (type_name.empty()) return std::nullopt;
    return InvalidRequest(
        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm "
        "header.");
  }
  const std::optional<ChecksumAlgorithm> algorithm = ParseChecksumAlgorithm(algorithm_name);
  if (!algorithm) {
    return InvalidRequest(
        "Checksum algorithm provided is unsupported. Please try again with any of the valid "
        "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  }
  UploadChecksum checksum{.algorithm = *algorithm,
                          .full_object = *algorithm == ChecksumAlgorithm::kCrc64Nvme};
  if (type_name == "FULL_OBJECT") {
    checksum.full_object = true;
  } else if (type_name == "COMPOSITE") {
    checksum.full_object = false;
  } else if (!type_name.empty()) {
    return InvalidRequest("Value for x-amz-checksum-type header is invalid.");
  }
  const bool composite_only = !IsCrc(*algorithm);
  const bool full_object_only = *algorithm == ChecksumAlgorithm::kCrc64Nvme;
  if ((checksum.full_object && composite_only) || (!checksum.full_object && full_object_only)) {
    return InvalidRequest(
        fmt::format("The {} checksum type cannot be used with the {} checksum "
                    "algorithm.",
                    ChecksumTypeName(checksum), LowerName(*algorithm)));
  }
  return checksum;
}

std::optional<UploadChecksum> UploadChecksumOf(const UploadRecord& upload) {
  const std::optional<ChecksumAlgorithm> algorithm =
      ParseChecksumAlgorithm(upload.checksum_algorithm);
  if (!algorithm) return std::nullopt;
  // Uploads recorded before the type was kept have their algorithm's default.
  const bool full_object = upload.checksum_type.empty()
                               ? *algorithm == ChecksumAlgorithm::kCrc64Nvme
                               : upload.checksum_type == "FULL_OBJECT";
  return UploadChecksum{.algorithm = *algorithm, .full_object = full_object};
}

void SetUploadChecksum(const std::optional<UploadChecksum>& checksum, UploadRecord& upload) {
  upload.checksum_algorithm =
      checksum ? std::string(ChecksumAlgorithmName(checksum->algorithm)) : std::string();
  upload.checksum_type = checksum ? std::string(ChecksumTypeName(*checksum)) : std::string();
}

std::string_view ChecksumTypeName(const UploadChecksum& checksum) {
  return checksum.full_object ? "FULL_OBJECT" : "COMPOSITE";
}

absl::Status CheckPartChecksumAlgorithm(const UploadChecksum& upload,
                                        const std::optional<RequestedChecksum>& part) {
  if (part && part->algorithm == upload.algorithm) return absl::OkStatus();
  return InvalidRequest(fmt::format(
      "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
      LowerName(upload.algorithm), part ? LowerName(part->algorithm) : "null"));
}

absl::Status CheckListedPartChecksum(const std::optional<UploadChecksum>& upload,
                                     const protocol::XmlElement& listed, const PartRecord& stored,
                                     const absl::Status& invalid_part) {
  std::optional<std::pair<ChecksumAlgorithm, std::string_view>> given;
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    if (auto text = listed.ChildText(fmt::format("Checksum{}", ChecksumAlgorithmName(algorithm)))) {
      given.emplace(algorithm, *text);
      break;
    }
  }
  if (!upload) return given ? invalid_part : absl::OkStatus();
  if (!given) {
    if (upload->full_object) return absl::OkStatus();
    return InvalidRequest(fmt::format(
        "The upload was created using a {} checksum. The complete request must include the "
        "checksum for each part. It was missing for part {} in the request.",
        LowerName(upload->algorithm), stored.number));
  }
  if (given->first != upload->algorithm) {
    return S3Error(400, "BadDigest",
                   fmt::format("The {} you specified for part {} did not match what we received.",
                               LowerName(given->first), stored.number));
  }
  return given->second == PartChecksum(stored, upload->algorithm) ? absl::OkStatus() : invalid_part;
}

absl::StatusOr<std::string> ObjectChecksumOf(const UploadChecksum& upload,
                                             const std::vector<const PartRecord*>& parts) {
  std::unique_ptr<Checksum> composite = Checksum::Create(upload.algorithm);
  std::string whole;  // FULL_OBJECT: the CRC digest of the parts so far
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string raw = RawPartChecksum(*parts[i], upload.algorithm);
    // UploadPart and UploadPartCopy store one with every part of such an upload.
    if (raw.empty()) {
      return InvalidRequest(
          fmt::format("Part {} was stored without the upload's {} checksum. Upload the part again.",
                      parts[i]->number, LowerName(upload.algorithm)));
    }
    if (!upload.full_object) {
      composite->Update(raw);
    } else if (i == 0) {
      whole = raw;
    } else {
      auto combined = CombineCrcDigests(upload.algorithm, whole, raw, parts[i]->segment.size);
      if (!combined.ok()) return combined.status();
      whole = *std::move(combined);
    }
  }
  if (upload.full_object) return absl::Base64Escape(whole);
  return fmt::format("{}-{}", composite->Base64(), parts.size());
}

absl::Status CheckCompleteChecksumType(const std::optional<UploadChecksum>& upload,
                                       const http::Request& request) {
  const std::string_view type = request.Header("x-amz-checksum-type");
  const std::string_view mode = upload ? ChecksumTypeName(*upload) : "null";
  if (type.empty() || type == mode) return absl::OkStatus();
  return InvalidRequest(
      fmt::format("The upload was created using the {} checksum mode. The "
                  "complete request must use the same checksum mode.",
                  mode));
}

absl::Status CheckCompleteObjectChecksum(const std::optional<UploadChecksum>& upload,
                                         const http::Request& request,
                                         std::string_view object_checksum) {
  if (!upload) return absl::OkStatus();  // S3 ignores whole-object checksums then
  const std::string_view type = request.Header("x-amz-checksum-type");
  // A COMPOSITE value may be given with or without its "-<parts>".
  const std::string_view without_parts = object_checksum.substr(0, object_checksum.rfind('-'));
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    const std::string_view value = request.Header(ChecksumHeaderName(algorithm));
    if (value.empty()) continue;
    const bool matches = algorithm == upload->algorithm &&
                         (upload->full_object ? value == object_checksum && type == "FULL_OBJECT"
                                              : value == object_checksum || value == without_parts);
    if (!matches) {
      return S3Error(400, "BadDigest",
                     fmt::format("The {} you specified did not match the calculated checksum.",
                                 LowerName(upload->algorithm)));
    }
  }
  return absl::OkStatus();
}

std::string PartChecksum(const PartRecord& part, ChecksumAlgorithm algorithm) {
  for (const auto& [name, value] : part.checksums) {
    if (name == ChecksumAlgorithmName(algorithm)) return value;
  }
  return {};
}

}  // namespace serval::s3
