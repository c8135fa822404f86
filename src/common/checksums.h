#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval {

// The incremental checksums S3 computes over object data: the five `x-amz-checksum-*`
// algorithms, and MD5 (the ETag and Content-MD5). Each digest is the big-endian byte string AWS
// puts, base64-encoded, in the header: CRC32 of "123456789" is cbf43926, "y/Q5Jg==".

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256, kMd5 };
// The x-amz-checksum algorithms (all but MD5), in the order S3 lists them.
inline constexpr ChecksumAlgorithm kChecksumAlgorithms[] = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// "CRC32", "crc32c", "Crc64Nvme", "SHA1", "sha256" (any case) -> the algorithm; nullopt for
// anything else, MD5 included (it is not an x-amz-checksum algorithm).
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5".
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// The header carrying the checksum: "x-amz-checksum-crc32", ... ("content-md5" for MD5).
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);

// One running checksum. Thread-compatible: feed it from one thread at a time.
class Checksum {
 public:
  // The checksum named as S3 names it (x-amz-sdk-checksum-algorithm, x-amz-checksum-algorithm;
  // any case). An unknown name is S3's 400 InvalidRequest.
  static absl::StatusOr<std::unique_ptr<Checksum>> For(std::string_view algorithm);
  static std::unique_ptr<Checksum> Create(ChecksumAlgorithm algorithm);
  static std::unique_ptr<Checksum> Md5() { return Create(ChecksumAlgorithm::kMd5); }

  virtual ~Checksum() = default;
  Checksum(const Checksum&) = delete;
  Checksum& operator=(const Checksum&) = delete;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  // Adds the next bytes of the data.
  virtual void Update(std::string_view data) = 0;
  // The digest of everything added so far (big-endian bytes: 4 for CRC32/CRC32C, 8 for
  // CRC64NVME, 20, 32 and 16 for SHA1, SHA256 and MD5). Does not end the checksum: more data may
  // follow and the digest be asked for again.
  virtual std::string Digest() const = 0;
  // The digest base64-encoded: the value of the checksum header (and of Content-MD5).
  std::string Base64() const;
  // The digest as lower-case hex (MD5's ETag form).
  std::string Hex() const;

 protected:
  explicit Checksum(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {}

 private:
  const ChecksumAlgorithm algorithm_;
};

// The raw CRCs, for callers with all the data at hand or who keep the running value themselves.
// Start from 0 and pass the previous result to continue: Crc32c(Crc32c(0, a), b) ==
// Crc32c(0, a + b).
uint32_t Crc32(uint32_t crc, std::string_view data);
uint32_t Crc32c(uint32_t crc, std::string_view data);
uint64_t Crc64Nvme(uint64_t crc, std::string_view data);
// The CRC digest of data A followed by data B, from A's and B's digests (big-endian, as
// Checksum::Digest gives them) and B's length, without the data: how S3's FULL_OBJECT checksum
// of a multipart upload follows from its parts'. InvalidArgument for an algorithm that is not a
// CRC or a digest of the wrong size.
absl::StatusOr<std::string> CombineCrcDigests(ChecksumAlgorithm algorithm, std::string_view first,
                                              std::string_view second, uint64_t second_length);
// Crc32c without the SSE4.2 instruction and Crc64Nvme without PCLMULQDQ (what CPUs without them
// run); for tests.
uint32_t Crc32cPortable(uint32_t crc, std::string_view data);
uint64_t Crc64NvmePortable(uint64_t crc, std::string_view data);

}  // namespace serval
