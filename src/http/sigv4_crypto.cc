#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

#include "common/percent_encoding.h"
#include "http/sigv4_internal.h"

// SHA-256 and HMAC over OpenSSL's EVP interface. The digest is fetched once and each thread
// reuses one context: OpenSSL 3's one-shot SHA256()/HMAC() look the algorithm up on every call,
// which costs more than hashing these short inputs.

namespace serval::http::sigv4_internal {
namespace {

constexpr char kLowerHex[] = "0123456789abcdef";

const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256& Sha256::ForThisThread() {
  thread_local Sha256 hasher;
  return hasher;
}

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr || Sha256Algorithm() == nullptr) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_); }

void Sha256::Begin() {
  if (EVP_DigestInit_ex2(context_, Sha256Algorithm(), nullptr) != 1) std::abort();
}

void Sha256::Add(const void* data, size_t size) {
  if (EVP_DigestUpdate(context_, data, size) != 1) std::abort();
}

Digest Sha256::Finish() {
  Digest digest;
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_, digest.data(), &size) != 1) std::abort();
  return digest;
}

Digest Sha256::Of(std::string_view data) {
  Begin();
  Add(data);
  return Finish();
}

Digest HmacSha256(Sha256& sha, std::string_view key_prefix, std::string_view key,
                  std::string_view message) {
  constexpr size_t kBlock = 64;
  unsigned char block[kBlock] = {};
  if (key_prefix.size() + key.size() > kBlock) {
    sha.Begin();
    sha.Add(key_prefix);
    sha.Add(key);
    const Digest hashed = sha.Finish();
    std::memcpy(block, hashed.data(), hashed.size());
  } else {
    // (memcpy from an empty view's null pointer would be undefined, even for zero bytes.)
    if (!key_prefix.empty()) std::memcpy(block, key_prefix.data(), key_prefix.size());
    if (!key.empty()) std::memcpy(block + key_prefix.size(), key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  sha.Begin();
  sha.Add(pad, kBlock);
  sha.Add(message);
  const Digest inner = sha.Finish();
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  sha.Begin();
  sha.Add(pad, kBlock);
  sha.Add(inner.data(), inner.size());
  OPENSSL_cleanse(block, kBlock);
  OPENSSL_cleanse(pad, kBlock);
  return sha.Finish();
}

// The signing key depends only on the secret, the date, the region and the service, so each
// thread remembers the last one it derived: four HMACs saved, about half of a verification. The
// secret is part of the comparison, so a changed secret never reuses a stale key.
const Digest& SigningKey(Sha256& sha, std::string_view secret, std::string_view date,
                         std::string_view region, std::string_view service) {
  struct Entry {
    std::string secret, date, region, service;
    Digest key{};
    bool valid = false;
  };
  thread_local Entry last;
  if (last.valid && last.secret == secret && last.date == date && last.region == region &&
      last.service == service) {
    return last.key;
  }
  const Digest date_key = HmacSha256(sha, "AWS4", secret, date);
  const Digest region_key = HmacSha256(sha, {}, AsView(date_key), region);
  const Digest service_key = HmacSha256(sha, {}, AsView(region_key), service);
  last.key = HmacSha256(sha, {}, AsView(service_key), kTerminator);
  last.secret.assign(secret);
  last.date.assign(date);
  last.region.assign(region);
  last.service.assign(service);
  last.valid = true;
  return last.key;
}

bool DecodeHexDigest(std::string_view hex, Digest* out) {
  if (hex.size() != 2 * kDigestSize) return false;
  for (size_t i = 0; i < kDigestSize; ++i) {
    const int high = HexDigitValue(hex[2 * i]);
    const int low = HexDigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*out)[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

void AppendHex(const Digest& digest, std::string* out) {
  for (unsigned char c : digest) {
    out->push_back(kLowerHex[c >> 4]);
    out->push_back(kLowerHex[c & 0xf]);
  }
}

}  // namespace serval::http::sigv4_internal
