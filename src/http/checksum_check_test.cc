#include "http/checksum_check.h"

#include <gtest/gtest.h>

#include "common/aws_error.h"

namespace serval::http {
namespace {

std::unique_ptr<Checksum> Of(ChecksumAlgorithm algorithm, std::string_view data) {
  std::unique_ptr<Checksum> checksum = Checksum::Create(algorithm);
  checksum->Update(data);
  return checksum;
}

TEST(ChecksumCheck, MatchMismatchAndInvalid) {
  // CRC32C of the AWS chunked example's 66560 'a's, as its trailer carries it.
  const auto crc32c = Of(ChecksumAlgorithm::kCrc32c, std::string(66560, 'a'));
  EXPECT_TRUE(VerifyChecksumValue("sOO8/Q==", *crc32c).ok());
  const absl::Status bad = VerifyChecksumValue("AAAAAA==", *crc32c);
  EXPECT_EQ(AwsErrorCode(bad), "BadDigest");
  EXPECT_EQ(bad.message(), "The CRC32C you specified did not match the calculated checksum.");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  const absl::Status invalid = VerifyChecksumValue("AAAAAAAAAAA=", *crc32c);  // 8 bytes
  EXPECT_EQ(AwsErrorCode(invalid), "InvalidRequest");
  EXPECT_EQ(invalid.message(), "Value for x-amz-checksum-crc32c header is invalid.");
  EXPECT_EQ(AwsErrorCode(VerifyChecksumValue("not base64!", *crc32c)), "InvalidRequest");

  const auto sha256 = Of(ChecksumAlgorithm::kSha256, "x");
  EXPECT_EQ(VerifyChecksumValue(Of(ChecksumAlgorithm::kSha256, "y")->Base64(), *sha256).message(),
            "The sha256 you specified did not match the calculated checksum.");
}

TEST(ChecksumCheck, Trailers) {
  const auto crc32 = Of(ChecksumAlgorithm::kCrc32, "hello world");
  EXPECT_EQ(crc32->Base64(), "DUoRhQ==");
  EXPECT_TRUE(VerifyTrailerChecksum({{"x-amz-checksum-crc32", "DUoRhQ=="}}, *crc32).ok());
  EXPECT_EQ(AwsErrorCode(VerifyTrailerChecksum({{"x-amz-checksum-crc32", "DUoRhA=="}}, *crc32)),
            "BadDigest");
  EXPECT_EQ(AwsErrorCode(VerifyTrailerChecksum({{"x-amz-checksum-crc32c", "DUoRhQ=="}}, *crc32)),
            "MalformedTrailerError");
}

}  // namespace
}  // namespace serval::http
