#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "common/arn.h"
#include "common/crypto.h"
#include "common/gzip.h"
#include "common/ids.h"
#include "common/percent_encoding.h"
#include "common/time_format.h"
#include "common/utf8.h"
#include "common/worker.h"

namespace serval {
namespace {

TEST(TimeFormat, LambdaTimestampHasMillisAndOffset) {
  EXPECT_EQ(FormatLambdaTimestamp(1586545592563), "2020-04-10T19:06:32.563+0000");
  EXPECT_EQ(FormatIso8601Millis(1586545592005), "2020-04-10T19:06:32.005Z");
  EXPECT_EQ(FormatLogStreamDate(1586545592563), "2020/04/10");
  EXPECT_EQ(FormatClfTime(1583349317135), "04/Mar/2020:19:15:17 +0000");
}

TEST(TimeFormat, HttpDateRoundTrips) {
  EXPECT_EQ(FormatHttpDate(1255369800123), "Mon, 12 Oct 2009 17:50:00 GMT");
  int64_t seconds = 0;
  EXPECT_TRUE(ParseHttpDate("Mon, 12 Oct 2009 17:50:00 GMT", &seconds));
  EXPECT_EQ(seconds, 1255369800);
  EXPECT_FALSE(ParseHttpDate("12 Oct 2009", &seconds));
  EXPECT_FALSE(ParseHttpDate("", &seconds));
  EXPECT_EQ(FormatAmzDate(1255369800), "20091012T175000Z");
}

TEST(PercentEncoding, RoundTripsAndKeepsBadEscapes) {
  EXPECT_EQ(PercentDecode("%zz%4%4"), "%zz%4%4");
  EXPECT_EQ(PercentDecode("%2f%2F+"), "//+");
  EXPECT_EQ(PercentDecode(PercentEncode("a b/$LATEST:é")), "a b/$LATEST:é");
  EXPECT_EQ(PercentEncode("a:b~c-d_e.f"), "a%3Ab~c-d_e.f");
  EXPECT_EQ(EscapeAt("%41", 0), 'A');
  EXPECT_EQ(EscapeAt("%4", 0), -1);
}

TEST(Crypto, Base64RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto decoded = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("abc").ok());
  EXPECT_FALSE(Base64Decode("ab!=").ok());
}

TEST(Crypto, Sha256MatchesKnownDigest) {
  EXPECT_EQ(Base64Encode(Sha256("")), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(Gzip, DecompressesWhatItCompressedAndRefusesTheRest) {
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "MetricData.member." + std::to_string(i) + "&";
  const std::string packed = GzipCompress(data);
  ASSERT_LT(packed.size(), data.size());
  EXPECT_EQ(GzipDecompress(packed, data.size()).value(), data);
  EXPECT_EQ(GzipDecompress(GzipCompress(""), 10).value(), "");
  // Truncated, not gzip, trailing bytes, and more than allowed.
  EXPECT_EQ(GzipDecompress(packed.substr(0, packed.size() / 2), data.size()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GzipDecompress(data, data.size()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GzipDecompress(packed + "x", data.size()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GzipDecompress(packed, data.size() - 1).status().code(),
            absl::StatusCode::kResourceExhausted);
  const std::string bomb = GzipCompress(std::string(50 << 20, '\0'));
  EXPECT_EQ(GzipDecompress(bomb, 1 << 20).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(Ids, UuidIsVersion4) {
  const std::string id = NewUuid();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    EXPECT_EQ(id[i] == '-', dash) << id;
    if (!dash) {
      EXPECT_NE(std::string("0123456789abcdef").find(id[i]), std::string::npos) << id;
    }
  }
  EXPECT_NE(NewUuid(), id);
  EXPECT_EQ(RandomHex(16).size(), 32u);
}

TEST(Arn, FunctionArnWithAndWithoutQualifier) {
  AccountContext account;
  EXPECT_EQ(LambdaFunctionArn(account, "f"), "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(LambdaFunctionArn(account, "f", "1"),
            "arn:aws:lambda:us-east-1:000000000000:function:f:1");
}

}  // namespace
}  // namespace serval

#include "common/aws_error.h"
#include "common/json_validate.h"

namespace serval {
namespace {

TEST(JsonValidate, AcceptsValuesAndRejectsGarbage) {
  for (const char* ok : {"{}", "[1,2,{\"a\":null}]", "\"s\"", "1.5e3", "null", " true "}) {
    EXPECT_TRUE(IsValidJson(ok)) << ok;
  }
  std::string error;
  for (const char* bad : {"", "{", "{\"a\":}", "hello", "{} {}", "[1,]", "\"unterminated"}) {
    EXPECT_FALSE(IsValidJson(bad, &error)) << bad;
  }
  EXPECT_FALSE(error.empty());
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  const std::string valid = "plain caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(ToValidUtf8(valid), valid);
  EXPECT_EQ(ToValidUtf8("caf\xE9"), "caf\xEF\xBF\xBD");  // Latin-1
  EXPECT_EQ(ToValidUtf8(std::string("\x00\x01\xFF", 3)),
            std::string("\x00\x01\xEF\xBF\xBD", 5));                               // binary
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ToValidUtf8("\xF4\x90\x80\x80").size(), 12u);                          // past U+10FFFF
  EXPECT_EQ(ToValidUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
}

TEST(AwsError, CarriesCodeAlongsideStatus) {
  auto status = AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", "gone");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "gone");
  EXPECT_EQ(AwsErrorCode(status), "ResourceNotFoundException");
  EXPECT_EQ(AwsErrorCode(absl::InternalError("x")), "");
}

TEST(Worker, RunsJobsInOrderOffTheCallingThread) {
  std::vector<int> order;
  std::promise<std::thread::id> ran_on;
  {
    Worker worker("test-worker");
    for (int i = 0; i < 3; ++i) worker.Post([&order, i] { order.push_back(i); });
    worker.Post([&ran_on] { ran_on.set_value(std::this_thread::get_id()); });
    EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(Worker, DestructionWaitsForTheRunningJob) {
  std::promise<void> started;
  std::promise<void> release;
  bool finished = false;
  std::thread releaser;
  {
    Worker worker("test-worker");
    worker.Post([&] {
      started.set_value();
      release.get_future().wait();
      finished = true;
    });
    started.get_future().wait();
    releaser = std::thread([&] { release.set_value(); });
  }
  EXPECT_TRUE(finished);
  releaser.join();
}

}  // namespace
}  // namespace serval
