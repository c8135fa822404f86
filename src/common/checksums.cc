#include "common/checksums.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "common/aws_error.h"
#include "common/crypto.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>
#endif

// CRC32 is zlib's (already vectorised). CRC32C and CRC64NVME are reflected CRCs computed eight
// bytes at a time with "slice-by-8" tables (Intel's method, as in the AWS CRT's aws-checksums
// fallback); when the CPU has them (checked once at run time) CRC32C uses the SSE4.2 crc32
// instruction and CRC64NVME folds 64 bytes at a time with carry-less multiplication (PCLMULQDQ,
// Intel's "Fast CRC Computation for Generic Polynomials"): S3 computes CRC64NVME over every
// upload that names no checksum, so it must cost far less than the MD5 beside it. Parameters (the
// "CRC catalogue" entries):
//   CRC-32C:     poly 0x1EDC6F41 (reflected 0x82F63B78), init and xorout 0xFFFFFFFF,
//                check("123456789") = 0xE3069283
//   CRC-64/NVME: poly 0xAD93D23594C93659 (reflected 0x9A6C9329AC4BC9B5), init and xorout all
//                ones, check("123456789") = 0xAE8B14860A799888
// SHA-1, SHA-256 and MD5 are OpenSSL's.

namespace serval {
namespace {

static_assert(std::endian::native == std::endian::little, "the slice-by-8 loads assume it");

// Slice-by-8 tables for a reflected CRC of width T: table[0] is the classic byte table,
// table[k][b] the CRC of byte b followed by k zero bytes.
template <typename T>
constexpr std::array<std::array<T, 256>, 8> MakeTables(T reflected_poly) {
  std::array<std::array<T, 256>, 8> table{};
  for (unsigned b = 0; b < 256; ++b) {
    T crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ reflected_poly : crc >> 1;
    table[0][b] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (unsigned b = 0; b < 256; ++b) {
      table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
    }
  }
  return table;
}

constexpr uint32_t kCrc32Poly = 0xEDB88320u;  // reflected, as the others
constexpr uint32_t kCrc32cPoly = 0x82F63B78u;
constexpr uint64_t kCrc64NvmePoly = 0x9A6C9329AC4BC9B5ull;
constexpr auto kCrc32cTables = MakeTables<uint32_t>(kCrc32cPoly);
constexpr auto kCrc64NvmeTables = MakeTables<uint64_t>(kCrc64NvmePoly);

// Continues a reflected CRC whose register (already inverted) is `crc`.
template <typename T>
T SliceBy8(const std::array<std::array<T, 256>, 8>& table, T crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    word ^= crc;  // the register's bytes meet the next data bytes, low byte first
    crc = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^
          table[4][(word >> 24) & 0xff] ^ table[3][(word >> 32) & 0xff] ^
          table[2][(word >> 40) & 0xff] ^ table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint64_t wide = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    wide = _mm_crc32_u64(wide, word);
    p += 8;
    n -= 8;
  }
  crc = static_cast<uint32_t>(wide);
  while (n-- > 0) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}

bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}

// x^n mod P as a reflected 64-bit value (bit i holds the coefficient of x^(63-i)).
constexpr uint64_t ReflectedXPowerModP(int n, uint64_t reflected_poly) {
  uint64_t r = uint64_t{1} << 63;  // x^0
  for (int i = 0; i < n; ++i) r = (r & 1) ? (r >> 1) ^ reflected_poly : r >> 1;
  return r;
}

// Folding constants. A 16-byte block loaded little-endian is a 128-bit reflected polynomial whose
// low half holds the high-degree coefficients. Carry-less multiplying two reflected 64-bit values
// gives their product times x (the product has degree 126, the 128-bit result's reflected
// scale 127), so moving a half forward by x^k takes the constant x^(k-1) mod P. With four lanes
// 64 bytes apart, a lane moves forward by 512 bits: its high-degree half by x^(512+64), its low
// half by x^512; merging one lane into the next moves by 128 bits (x^(128+64), x^128).
constexpr uint64_t kFoldBy4High = ReflectedXPowerModP(512 + 64 - 1, kCrc64NvmePoly);
constexpr uint64_t kFoldBy4Low = ReflectedXPowerModP(512 - 1, kCrc64NvmePoly);
constexpr uint64_t kFoldBy1High = ReflectedXPowerModP(128 + 64 - 1, kCrc64NvmePoly);
constexpr uint64_t kFoldBy1Low = ReflectedXPowerModP(128 - 1, kCrc64NvmePoly);

__attribute__((target("pclmul,sse4.1"))) inline __m128i Fold(__m128i lane, __m128i constants,
                                                             __m128i next) {
  const __m128i high = _mm_clmulepi64_si128(lane, constants, 0x00);  // low half x high constant
  const __m128i low = _mm_clmulepi64_si128(lane, constants, 0x11);   // high half x low constant
  return _mm_xor_si128(_mm_xor_si128(high, low), next);
}

// Continues the CRC-64/NVME register (already inverted) `crc` over `data` of at least 64 bytes:
// the register meets the first 8 bytes, four lanes fold 64 bytes per round, the lanes merge
// into one 128-bit remainder of the same class mod P, and the table finishes: running it over
// those 16 bytes from a zero register multiplies them by x^64 mod P, as the CRC definition does.
__attribute__((target("pclmul,sse4.1"))) uint64_t Crc64NvmeFolded(uint64_t crc,
                                                                  std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  auto load = [](const char* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); };
  __m128i lane[4] = {_mm_xor_si128(load(p), _mm_cvtsi64_si128(static_cast<int64_t>(crc))),
                     load(p + 16), load(p + 32), load(p + 48)};
  p += 64;
  n -= 64;
  const __m128i by4 =
      _mm_set_epi64x(static_cast<int64_t>(kFoldBy4Low), static_cast<int64_t>(kFoldBy4High));
  while (n >= 64) {
    for (int i = 0; i < 4; ++i) lane[i] = Fold(lane[i], by4, load(p + 16 * i));
    p += 64;
    n -= 64;
  }
  const __m128i by1 =
      _mm_set_epi64x(static_cast<int64_t>(kFoldBy1Low), static_cast<int64_t>(kFoldBy1High));
  __m128i merged = Fold(Fold(Fold(lane[0], by1, lane[1]), by1, lane[2]), by1, lane[3]);
  while (n >= 16) {
    merged = Fold(merged, by1, load(p));
    p += 16;
    n -= 16;
  }
  alignas(16) char remainder[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(remainder), merged);
  crc = SliceBy8(kCrc64NvmeTables, uint64_t{0}, std::string_view(remainder, sizeof remainder));
  return SliceBy8(kCrc64NvmeTables, crc, std::string_view(p, n));
}

bool HasPclmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return has;
}
#endif

std::string BigEndian(uint64_t value, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

// A CRC of width T kept as its running value. Thread-compatible, like Checksum.
template <typename T, T (*kUpdate)(T, std::string_view), ChecksumAlgorithm kAlgorithm>
class CrcChecksum final : public Checksum {
 public:
  CrcChecksum() : Checksum(kAlgorithm) {}
  void Update(std::string_view data) override { crc_ = kUpdate(crc_, data); }
  std::string Digest() const override { return BigEndian(crc_, sizeof(T)); }

 private:
  T crc_ = 0;
};

// An OpenSSL message digest (SHA-1, SHA-256, MD5). Thread-compatible, like Checksum.
class EvpChecksum final : public Checksum {
 public:
  EvpChecksum(ChecksumAlgorithm algorithm, const EVP_MD* md)
      : Checksum(algorithm), context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_, md, nullptr) != 1) std::abort();
  }
  ~EvpChecksum() override { EVP_MD_CTX_free(context_); }

  void Update(std::string_view data) override {
    if (EVP_DigestUpdate(context_, data.data(), data.size()) != 1) std::abort();
  }

  // Finishes a copy, so that the running context can go on.
  std::string Digest() const override {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, context_) != 1 ||
        EVP_DigestFinal_ex(copy, digest, &size) != 1) {
      std::abort();
    }
    EVP_MD_CTX_free(copy);
    return std::string(reinterpret_cast<const char*>(digest), size);
  }

 private:
  EVP_MD_CTX* const context_;
};

// CRC arithmetic for combining: polynomials over GF(2) modulo the CRC's, in the reflected bit
// order the CRC values use (x^0 is the top bit). crc(A + B) = crc(A) * x^(8 |B|) + crc(B) for
// these CRCs (init and xorout all ones cancel out), as zlib's crc32_combine computes it.
template <typename T, T kReflectedPoly>
T MultiplyModPoly(T a, T b) {
  T product = 0;
  for (T bit = T{1} << (sizeof(T) * 8 - 1); bit != 0; bit >>= 1) {
    if (a & bit) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kReflectedPoly : b >> 1;  // b * x
  }
  return product;
}

template <typename T, T kReflectedPoly>
T CombineCrcs(T first, T second, uint64_t second_length) {
  constexpr T kOne = T{1} << (sizeof(T) * 8 - 1);  // x^0
  T shift = kOne;                                  // becomes x^(8 * second_length)
  T power = kOne >> 8;                             // x^8, then x^16, x^32, ...
  for (uint64_t n = second_length; n != 0; n >>= 1) {
    if (n & 1) shift = MultiplyModPoly<T, kReflectedPoly>(power, shift);
    power = MultiplyModPoly<T, kReflectedPoly>(power, power);
  }
  return MultiplyModPoly<T, kReflectedPoly>(shift, first) ^ second;
}

template <typename T>
std::optional<T> FromBigEndian(std::string_view digest) {
  if (digest.size() != sizeof(T)) return std::nullopt;
  T value = 0;
  for (unsigned char c : digest) value = static_cast<T>((value << 8) | c);
  return value;
}

template <typename T, T kReflectedPoly>
absl::StatusOr<std::string> CombineDigests(std::string_view first, std::string_view second,
                                           uint64_t second_length) {
  const std::optional<T> a = FromBigEndian<T>(first);
  const std::optional<T> b = FromBigEndian<T>(second);
  if (!a || !b) return absl::InvalidArgumentError("a CRC digest of the wrong size");
  return BigEndian(CombineCrcs<T, kReflectedPoly>(*a, *b, second_length), sizeof(T));
}

char ToUpperAscii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

bool EqualsUpper(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ToUpperAscii(text[i]) != upper[i]) return false;
  }
  return true;
}

}  // namespace

uint32_t Crc32(uint32_t crc, std::string_view data) {
  // zlib takes a uInt length; feed very large views in pieces.
  while (!data.empty()) {
    const size_t piece = std::min<size_t>(data.size(), 1u << 30);
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(piece)));
    data.remove_prefix(piece);
  }
  return crc;
}

uint32_t Crc32c(uint32_t crc, std::string_view data) {
#if defined(__x86_64__)
  if (HasSse42()) return ~Crc32cHardware(~crc, data);
#endif
  return Crc32cPortable(crc, data);
}

uint32_t Crc32cPortable(uint32_t crc, std::string_view data) {
  return ~SliceBy8(kCrc32cTables, ~crc, data);
}

uint64_t Crc64Nvme(uint64_t crc, std::string_view data) {
#if defined(__x86_64__)
  if (data.size() >= 64 && HasPclmul()) return ~Crc64NvmeFolded(~crc, data);
#endif
  return Crc64NvmePortable(crc, data);
}

uint64_t Crc64NvmePortable(uint64_t crc, std::string_view data) {
  return ~SliceBy8(kCrc64NvmeTables, ~crc, data);
}

absl::StatusOr<std::string> CombineCrcDigests(ChecksumAlgorithm algorithm, std::string_view first,
                                              std::string_view second, uint64_t second_length) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return CombineDigests<uint32_t, kCrc32Poly>(first, second, second_length);
    case ChecksumAlgorithm::kCrc32c:
      return CombineDigests<uint32_t, kCrc32cPoly>(first, second, second_length);
    case ChecksumAlgorithm::kCrc64Nvme:
      return CombineDigests<uint64_t, kCrc64NvmePoly>(first, second, second_length);
    default:
      return absl::InvalidArgumentError(std::string(ChecksumAlgorithmName(algorithm)) +
                                        " digests cannot be combined");
  }
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    if (EqualsUpper(name, ChecksumAlgorithmName(algorithm))) return algorithm;
  }
  return std::nullopt;
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
    case ChecksumAlgorithm::kMd5:
      return "MD5";
  }
  return {};
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
    case ChecksumAlgorithm::kMd5:
      return "content-md5";
  }
  return {};
}

absl::StatusOr<std::unique_ptr<Checksum>> Checksum::For(std::string_view algorithm) {
  const std::optional<ChecksumAlgorithm> parsed = ParseChecksumAlgorithm(algorithm);
  if (!parsed.has_value()) {
    // S3's answer to an unknown x-amz-sdk-checksum-algorithm.
    return AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                    "Checksum algorithm provided is unsupported. Please try again with any of the "
                    "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  }
  return Create(*parsed);
}

std::unique_ptr<Checksum> Checksum::Create(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return std::make_unique<CrcChecksum<uint32_t, Crc32, ChecksumAlgorithm::kCrc32>>();
    case ChecksumAlgorithm::kCrc32c:
      return std::make_unique<CrcChecksum<uint32_t, Crc32c, ChecksumAlgorithm::kCrc32c>>();
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::make_unique<CrcChecksum<uint64_t, Crc64Nvme, ChecksumAlgorithm::kCrc64Nvme>>();
    case ChecksumAlgorithm::kSha1:
      return std::make_unique<EvpChecksum>(algorithm, EVP_sha1());
    case ChecksumAlgorithm::kSha256:
      return std::make_unique<EvpChecksum>(algorithm, EVP_sha256());
    case ChecksumAlgorithm::kMd5:
      return std::make_unique<EvpChecksum>(algorithm, EVP_md5());
  }
  std::abort();
}

std::string Checksum::Base64() const { return Base64Encode(Digest()); }

std::string Checksum::Hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string digest = Digest();
  std::string hex;
  hex.reserve(2 * digest.size());
  for (unsigned char c : digest) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xf]);
  }
  return hex;
}

}  // namespace serval
