#include "services/s3/request_checksum.h"

#include "http/checksum_check.h"
#include "services/s3/object_body.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
absl::StatusOr<std::optional<RequestedChecksum>> RequestedChecksumOf(const http::Request& request) {
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    const std::string_view value = request.Header(ChecksumHeaderName(algorithm));
    if (!value.empty()) return RequestedChecksum{algorithm, std::string(value)};
  }
  const std::string_view trailer = request.Header("x-amz-trailer");
  if (!trailer.empty()) {
    for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
      if (trailer == ChecksumHeaderName(algorithm)) return RequestedChecksum{algorithm, ""};
    }
    return InvalidRequest("The value specified in the x-amz-trailer header is not supported");
  }
  // An algorithm named without a value anywhere: nothing to hold the body to, but an unknown
  // name is still refused.
  const std::string_view named = request.Header("x-amz-sdk-checksum-algorithm");
  if (!named.empty()) {
    if (auto known = Checksum::For(named); !known.ok()) return known.status();
  }
  return std::nullopt;
}

std::shared_ptr<Checksum> ChecksumFor(const std::optional<RequestedChecksum>& requested) {
  if (!requested.has_value()) return nullptr;
  return Checksum::Create(requested->algorithm);
}

absl::StatusOr<Pairs> CheckedChecksums(const protocol::RequestContext& context,
                                       const std::optional<RequestedChecksum>& requested,
                                       const Checksum* computed) {
  if (!requested.has_value() || computed == nullptr) return Pairs{};
  absl::Status verified;
  if (!requested->header_value.empty()) {
    verified = http::VerifyChecksumValue(requested->header_value, *computed);
  } else if (context.trailers != nullptr) {
    verified = http::VerifyTrailerChecksum(*context.trailers, *computed);
  } else {
    // Announced as a trailer on a body that was not aws-chunked: there is no trailer.
    verified = S3Error(400, "MalformedTrailerError",
                       "The request contained trailing data that was not well-formed or did not "
                       "conform to our published schema.");
  }
  if (!verified.ok()) return verified;
  return StoredChecksum(*computed);
}

absl::Status CheckBufferedBody(const http::Request& request, std::string_view operation) {
  auto declared_md5 = DeclaredContentMd5(request);
  if (!declared_md5.ok()) return declared_md5.status();
  if (!declared_md5->empty()) {
    std::unique_ptr<Checksum> md5 = Checksum::Md5();
    md5->Update(request.body);
    if (md5->Digest() != *declared_md5) return BadDigest();
  }
  auto requested = RequestedChecksumOf(request);
  if (!requested.ok()) return requested.status();
  if (requested->has_value() && !(*requested)->header_value.empty() &&
      operation != "CompleteMultipartUpload") {
    std::unique_ptr<Checksum> computed = Checksum::Create((*requested)->algorithm);
    computed->Update(request.body);
    if (absl::Status verified = http::VerifyChecksumValue((*requested)->header_value, *computed);
        !verified.ok()) {
      return verified;
    }
  }
  if (operation == "DeleteObjects" && declared_md5->empty() && !requested->has_value()) {
    return InvalidRequest("Missing required header for this request: Content-MD5");
  }
  return absl::OkStatus();
}

Pairs StoredChecksum(const Checksum& computed) {
  return {{std::string(ChecksumAlgorithmName(computed.algorithm())), computed.Base64()}};
}

Pairs DefaultChecksum(std::string crc64nvme) {
  return {
      {std::string(ChecksumAlgorithmName(ChecksumAlgorithm::kCrc64Nvme)), std::move(crc64nvme)}};
}

void AddChecksumHeaders(const Pairs& checksums, http::Response& response) {
  for (const auto& [algorithm, value] : checksums) {
    if (std::optional<ChecksumAlgorithm> known = ParseChecksumAlgorithm(algorithm)) {
      response.SetHeader(std::string(ChecksumHeaderName(*known)), value);
    }
  }
}

void WriteChecksumElements(const Pairs& checksums, protocol::XmlWriter& xml) {
  for (const auto& [algorithm, value] : checksums) {
    if (std::optional<ChecksumAlgorithm> known = ParseChecksumAlgorithm(algorithm)) {
      xml.Element("Checksum" + std::string(ChecksumAlgorithmName(*known)), value);
    }
  }
}

}  // namespace serval::s3
