#include "common/checksums.h"

#include <gtest/gtest.h>

#include <string>

#include "common/aws_error.h"

namespace serval {
namespace {

// Reference values from Python: zlib.crc32, hashlib, and a bit-at-a-time CRC over the catalogue
// parameters of CRC-32C and CRC-64/NVME (see checksums.cc). 66560 'a's is the object of the AWS
// chunked-upload examples, whose trailer carries x-amz-checksum-crc32c:sOO8/Q==.
struct Vector {
  std::string data;
  const char* crc32;
  const char* crc32c;
  const char* crc64nvme;
  const char* sha1;
  const char* sha256;
  const char* md5_hex;
  const char* md5_base64;
};

std::string Bytes256Times5PlusXyz() {
  std::string data;
  for (int round = 0; round < 5; ++round) {
    for (int b = 0; b < 256; ++b) data.push_back(static_cast<char>(b));
  }
  return data + "xyz";
}

std::vector<Vector> Vectors() {
  return {
      {"123456789", "y/Q5Jg==", "4waSgw==", "rosUhgp5mIg=", "98O8HYCOBHMq32eZZczDTKeuNEE=",
       "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=", "25f9e794323b453885f5181f1b624d0b",
       "JfnnlDI7RTiF9RgfG2JNCw=="},
      {"", "AAAAAA==", "AAAAAA==", "AAAAAAAAAAA=", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
       "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "d41d8cd98f00b204e9800998ecf8427e",
       "1B2M2Y8AsgTpgAmY7PhCfg=="},
      {std::string(66560, 'a'), "sK4Y7A==", "sOO8/Q==", "pRf+emrnL+A=",
       "qOlv5ixdz2jRNhlSLmgH6iaTKRI=", "zWnTiHxq+SZLEA17dgIzEzXZqn4718MM3G1vS/uzyIg=",
       "da0d2e17cd5a8f14633c6b4aebad7e02", "2g0uF81ajxRjPGtK661+Ag=="},
      {Bytes256Times5PlusXyz(), "tEnZjQ==", "3laI7Q==", "d0AuUjg5kxw=",
       "y5XWGdfm4fhqvn81pw1T38ZD1VQ=", "7cHXi4wrgshyHtOYAwAl9hBa83Ypu3nJY8AXreobIxY=",
       "af2cedb12eea1952446648c27db4afd5", "ryztsS7qGVJEZkjCfbSv1Q=="},
  };
}

std::string Base64Of(ChecksumAlgorithm algorithm, std::string_view data, size_t piece) {
  std::unique_ptr<Checksum> checksum = Checksum::Create(algorithm);
  for (size_t i = 0; i < data.size(); i += piece) checksum->Update(data.substr(i, piece));
  return checksum->Base64();
}

TEST(Checksums, CheckValues) {
  EXPECT_EQ(Crc32(0, "123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32c(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(Crc64Nvme(0, "123456789"), 0xAE8B14860A799888ull);
}

TEST(Checksums, MatchReferenceWhateverThePieces) {
  for (const Vector& v : Vectors()) {
    for (size_t piece :
         {size_t{1}, size_t{3}, size_t{7}, size_t{8}, size_t{13}, size_t{4096}, size_t{1} << 20}) {
      SCOPED_TRACE(testing::Message() << v.data.size() << " bytes in pieces of " << piece);
      EXPECT_EQ(Base64Of(ChecksumAlgorithm::kCrc32, v.data, piece), v.crc32);
      EXPECT_EQ(Base64Of(ChecksumAlgorithm::kCrc32c, v.data, piece), v.crc32c);
      EXPECT_EQ(Base64Of(ChecksumAlgorithm::kCrc64Nvme, v.data, piece), v.crc64nvme);
      EXPECT_EQ(Base64Of(ChecksumAlgorithm::kSha1, v.data, piece), v.sha1);
      EXPECT_EQ(Base64Of(ChecksumAlgorithm::kSha256, v.data, piece), v.sha256);
      EXPECT_EQ(Base64Of(ChecksumAlgorithm::kMd5, v.data, piece), v.md5_base64);
    }
    std::unique_ptr<Checksum> md5 = Checksum::Md5();
    md5->Update(v.data);
    EXPECT_EQ(md5->Hex(), v.md5_hex);
  }
}

TEST(Checksums, UnalignedStartsAgreeWithAlignedOnes) {
  // The slice-by-8 and SSE4.2 loops read 8 bytes at a time from wherever the view starts.
  const std::string data = Bytes256Times5PlusXyz();
  for (size_t offset = 0; offset < 9; ++offset) {
    const std::string copy = data.substr(offset);
    const std::string_view view = std::string_view(data).substr(offset);
    EXPECT_EQ(Crc32c(0, view), Crc32c(0, copy));
    EXPECT_EQ(Crc32cPortable(0, view), Crc32c(0, view));
    EXPECT_EQ(Crc64Nvme(0, view), Crc64Nvme(0, copy));
    EXPECT_EQ(Crc32c(Crc32c(0, view.substr(0, 5)), view.substr(5)), Crc32c(0, view));
  }
}

TEST(Checksums, FoldedCrc64NvmeAgreesWithTheTablesAtEveryLengthAndSplit) {
  // The folded loop takes 64 bytes at a time, then 16, then the table finishes: every length
  // around those steps, from every alignment and continued from a running value.
  std::string data(3 * 1024 + 7, '\0');
  uint32_t state = 12345;
  for (char& c : data) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 23);
  }
  const std::string_view all(data);
  for (size_t length = 0; length <= 300; ++length) {
    for (size_t offset : {size_t{0}, size_t{1}, size_t{7}}) {
      const std::string_view piece = all.substr(offset, length);
      ASSERT_EQ(Crc64Nvme(0, piece), Crc64NvmePortable(0, piece)) << length << " at " << offset;
    }
  }
  const uint64_t whole = Crc64NvmePortable(0, all);
  EXPECT_EQ(Crc64Nvme(0, all), whole);
  for (size_t split :
       {size_t{1}, size_t{63}, size_t{64}, size_t{100}, size_t{1024}, size_t{3000}}) {
    EXPECT_EQ(Crc64Nvme(Crc64Nvme(0, all.substr(0, split)), all.substr(split)), whole) << split;
  }
}

TEST(Checksums, DigestDoesNotEndTheChecksum) {
  for (ChecksumAlgorithm algorithm :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kMd5}) {
    std::unique_ptr<Checksum> checksum = Checksum::Create(algorithm);
    checksum->Update("12345");
    const std::string partial = checksum->Base64();
    EXPECT_EQ(checksum->Base64(), partial);
    checksum->Update("6789");
    EXPECT_EQ(checksum->Base64(), Base64Of(algorithm, "123456789", 9));
    EXPECT_NE(checksum->Base64(), partial);
  }
}

TEST(Checksums, CombinedCrcDigestsEqualTheDigestOfTheWhole) {
  for (ChecksumAlgorithm algorithm :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme}) {
    for (const Vector& v : Vectors()) {
      for (size_t split : {size_t{0}, size_t{1}, v.data.size() / 3, v.data.size()}) {
        if (split > v.data.size()) continue;
        SCOPED_TRACE(testing::Message() << ChecksumAlgorithmName(algorithm) << ", " << v.data.size()
                                        << " bytes split at " << split);
        const std::string first = v.data.substr(0, split);
        const std::string second = v.data.substr(split);
        std::unique_ptr<Checksum> a = Checksum::Create(algorithm);
        std::unique_ptr<Checksum> b = Checksum::Create(algorithm);
        std::unique_ptr<Checksum> whole = Checksum::Create(algorithm);
        a->Update(first);
        b->Update(second);
        whole->Update(v.data);
        absl::StatusOr<std::string> combined =
            CombineCrcDigests(algorithm, a->Digest(), b->Digest(), second.size());
        ASSERT_TRUE(combined.ok()) << combined.status();
        EXPECT_EQ(*combined, whole->Digest());
      }
    }
  }
  EXPECT_FALSE(CombineCrcDigests(ChecksumAlgorithm::kSha256, "x", "y", 1).ok());
  EXPECT_FALSE(CombineCrcDigests(ChecksumAlgorithm::kCrc32, "abc", "abcd", 1).ok());
}

TEST(Checksums, NamesAndHeaders) {
  for (std::string_view name : {"CRC32", "crc32", "Crc32"}) {
    EXPECT_EQ(ParseChecksumAlgorithm(name), ChecksumAlgorithm::kCrc32);
  }
  EXPECT_EQ(ParseChecksumAlgorithm("crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_EQ(ParseChecksumAlgorithm("sha256"), ChecksumAlgorithm::kSha256);
  EXPECT_EQ(ParseChecksumAlgorithm("MD5"), std::nullopt);
  EXPECT_EQ(ParseChecksumAlgorithm("CRC3"), std::nullopt);
  EXPECT_EQ(ParseChecksumAlgorithm(""), std::nullopt);
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kCrc32c), "x-amz-checksum-crc32c");
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kCrc64Nvme), "x-amz-checksum-crc64nvme");
  EXPECT_EQ(ChecksumAlgorithmName(ChecksumAlgorithm::kSha1), "SHA1");

  absl::StatusOr<std::unique_ptr<Checksum>> sha1 = Checksum::For("Sha1");
  ASSERT_TRUE(sha1.ok());
  EXPECT_EQ((*sha1)->algorithm(), ChecksumAlgorithm::kSha1);
  absl::StatusOr<std::unique_ptr<Checksum>> md5 = Checksum::For("md5");
  EXPECT_EQ(md5.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsErrorCode(md5.status()), "InvalidRequest");
}

}  // namespace
}  // namespace serval
