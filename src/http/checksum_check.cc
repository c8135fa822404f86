#include "http/checksum_check.h"

#include <openssl/crypto.h>

#include <string>

#include "common/aws_error.h"
#include "common/crypto.h"

namespace serval::http {

absl::Status VerifyChecksumValue(std::string_view provided_base64, const Checksum& computed) {
  const ChecksumAlgorithm algorithm = computed.algorithm();
  const std::string digest = computed.Digest();
  absl::StatusOr<std::string> provided = Base64Decode(provided_base64);
  if (!provided.ok() || provided->size() != digest.size()) {
    return AwsError(
        absl::StatusCode::kInvalidArgument, "InvalidRequest",
        "Value for " + std::string(ChecksumHeaderName(algorithm)) + " header is invalid.");
  }
  if (CRYPTO_memcmp(provided->data(), digest.data(), digest.size()) != 0) {
    std::string name(ChecksumAlgorithmName(algorithm));
    if (algorithm == ChecksumAlgorithm::kSha1 || algorithm == ChecksumAlgorithm::kSha256) {
      for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return AwsError(absl::StatusCode::kInvalidArgument, "BadDigest",
                    "The " + name + " you specified did not match the calculated checksum.");
  }
  return absl::OkStatus();
}

absl::Status VerifyTrailerChecksum(const Trailers& trailers, const Checksum& computed) {
  const std::optional<std::string_view> value =
      FindTrailer(trailers, ChecksumHeaderName(computed.algorithm()));
  if (!value.has_value()) {
    return AwsError(absl::StatusCode::kInvalidArgument, "MalformedTrailerError",
                    "The request contained trailing data that was not well-formed or did not "
                    "conform to our published schema.");
  }
  return VerifyChecksumValue(*value, computed);
}

}  // namespace serval::http
