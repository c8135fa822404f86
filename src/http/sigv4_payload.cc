#include <openssl/crypto.h>

#include "http/sigv4.h"
#include "http/sigv4_internal.h"

// CheckDeclaredPayload and PayloadHashCheck: the body of a request verified by
// VerifySigV4Headers, whole or streamed, against the X-Amz-Content-SHA256 its signature declared.

namespace serval::http {

absl::Status CheckDeclaredPayload(const VerifiedCaller& caller, std::string_view body) {
  if (caller.payload != PayloadSigning::kVerified || caller.declared_payload_sha256.empty()) {
    return absl::OkStatus();
  }
  sigv4_internal::Digest declared;
  const sigv4_internal::Digest actual = sigv4_internal::Sha256::ForThisThread().Of(body);
  if (!sigv4_internal::DecodeHexDigest(caller.declared_payload_sha256, &declared) ||
      CRYPTO_memcmp(declared.data(), actual.data(), declared.size()) != 0) {
    return sigv4_internal::PayloadHashMismatch(sigv4_internal::DialectFor(caller.scope.service));
  }
  return absl::OkStatus();
}

PayloadHashCheck::PayloadHashCheck(std::string_view declared_hex, std::string_view service)
    : declared_hex_(declared_hex),
      service_(service),
      sha256_(Checksum::Create(ChecksumAlgorithm::kSha256)) {}

void PayloadHashCheck::Update(std::string_view data) { sha256_->Update(data); }

absl::Status PayloadHashCheck::Finish() const {
  sigv4_internal::Digest declared;
  const std::string actual = sha256_->Digest();
  if (!sigv4_internal::DecodeHexDigest(declared_hex_, &declared) ||
      CRYPTO_memcmp(declared.data(), actual.data(), declared.size()) != 0) {
    return sigv4_internal::PayloadHashMismatch(sigv4_internal::DialectFor(service_));
  }
  return absl::OkStatus();
}

}  // namespace serval::http
