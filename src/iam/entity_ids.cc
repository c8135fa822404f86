#include "iam/entity_ids.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <string_view>

namespace serval::iam {
namespace {

// `count` characters drawn uniformly from `alphabet` (whose size divides 256 or is below it:
// rejection sampling keeps the draw uniform).
std::string RandomChars(std::string_view alphabet, int count) {
  const unsigned limit = 256 - 256 % alphabet.size();
  std::string out;
  while (static_cast<int>(out.size()) < count) {
    unsigned char bytes[64];
    // RAND_bytes fails only when the generator cannot be seeded: nothing sane to do then.
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
    for (unsigned char byte : bytes) {
      if (byte >= limit || static_cast<int>(out.size()) == count) continue;
      out.push_back(alphabet[byte % alphabet.size()]);
    }
  }
  return out;
}

constexpr std::string_view kUpperAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string NewUniqueId(std::string_view prefix) {
  return std::string(prefix) + RandomChars(kUpperAlphanumeric, 17);
}

std::string NewAccessKeyId() { return "AKIA" + RandomChars(kUpperAlphanumeric, 16); }

std::string NewSecretAccessKey() { return RandomChars(kBase64, 40); }

}  // namespace serval::iam
