#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace serval {

std::string Sha256(std::string_view data) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size());
  out.resize(written);
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view encoded) {
  // EVP_DecodeBlock accepts no whitespace and ignores nothing, which is the strictness we want,
  // but it does not report padding: strip it ourselves and trim the output accordingly.
  if (encoded.size() % 4 != 0) {
    return absl::InvalidArgumentError("base64 input length is not a multiple of 4");
  }
  size_t padding = 0;
  while (padding < 2 && padding < encoded.size() && encoded[encoded.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string out(3 * (encoded.size() / 4), '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size());
  if (written < 0) return absl::InvalidArgumentError("input is not valid base64");
  out.resize(written - padding);
  return out;
}

}  // namespace serval
