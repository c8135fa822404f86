#include <openssl/crypto.h>

#include "http/sigv4.h"
#include "http/sigv4_internal.h"

// PayloadHashCheck: the body of a request verified by VerifySigV4Headers, streamed, against the
// X-Amz-Content-SHA256 its signature declared.

namespace serval::http {

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
