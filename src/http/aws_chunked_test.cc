#include "http/aws_chunked.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "common/aws_error.h"
#include "http/sigv4_internal.h"

namespace serval::http {
namespace {

// The S3 API reference's chunked-upload examples ("Transferring Payload in Multiple Chunks" and
// "Including Trailing Headers"): AKIAIOSFODNN7EXAMPLE with the secret below, 20130524T000000Z,
// us-east-1, a 65536-byte and a 1024-byte chunk of 'a'. The signatures are the published ones (a
// few lines of Python hmac/hashlib reproduce each of them).
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kScope[] = "20130524/us-east-1/s3/aws4_request";
constexpr char kAmzDate[] = "20130524T000000Z";

struct Example {
  const char* seed;
  const char* chunk_signatures[3];
};
constexpr Example kPlain = {"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
                            {"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                             "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                             "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"}};
constexpr Example kTrailer = {"106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
                              {"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                               "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                               "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"}};
constexpr char kTrailerSignature[] =
    "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

std::string SigningKey() {
  auto& sha = sigv4_internal::Sha256::ForThisThread();
  return std::string(sigv4_internal::AsView(
      sigv4_internal::SigningKey(sha, kSecret, "20130524", "us-east-1", "s3")));
}

AwsChunkedOptions SignedOptions(const char* seed, std::optional<uint64_t> length = 66560) {
  AwsChunkedOptions options;
  options.mode = PayloadSigning::kStreamingSigned;
  options.seed_signature = seed;
  options.amz_date = kAmzDate;
  options.signing_key = SigningKey();
  options.scope = kScope;
  options.decoded_content_length = length;
  return options;
}

std::string ExampleBody(const Example& example, std::string_view trailer_block) {
  return "10000;chunk-signature=" + std::string(example.chunk_signatures[0]) + "\r\n" +
         std::string(65536, 'a') + "\r\n" + "400;chunk-signature=" + example.chunk_signatures[1] +
         "\r\n" + std::string(1024, 'a') + "\r\n" +
         "0;chunk-signature=" + example.chunk_signatures[2] + "\r\n" + std::string(trailer_block) +
         "\r\n";
}

std::string TrailerBlock(std::string_view signature = kTrailerSignature) {
  return "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" + std::string(signature) +
         "\r\n";
}

// Feeds `raw` in pieces of `piece` bytes; returns the first error or Finish()'s status.
absl::Status Decode(AwsChunkedDecoder& decoder, std::string_view raw, size_t piece,
                    std::string* payload) {
  for (size_t i = 0; i < raw.size(); i += piece) {
    if (absl::Status status = decoder.Feed(raw.substr(i, piece), payload); !status.ok()) {
      return status;
    }
  }
  return decoder.Finish();
}

TEST(AwsChunked, AwsExampleDecodesWhateverThePieces) {
  const std::string raw = ExampleBody(kPlain, "");
  EXPECT_EQ(raw.size(), 66824u);  // the example's Content-Length
  for (size_t piece : {size_t{1}, size_t{2}, size_t{3}, size_t{87}, size_t{88}, size_t{4096},
                       size_t{65536}, raw.size()}) {
    SCOPED_TRACE(piece);
    AwsChunkedDecoder decoder(SignedOptions(kPlain.seed));
    std::string payload;
    ASSERT_TRUE(Decode(decoder, raw, piece, &payload).ok());
    EXPECT_EQ(payload, std::string(66560, 'a'));
    EXPECT_TRUE(decoder.done());
    EXPECT_TRUE(decoder.trailers().empty());
  }
}

TEST(AwsChunked, AwsTrailerExampleVerifiesTheTrailerSignature) {
  const std::string raw = ExampleBody(kTrailer, TrailerBlock());
  for (size_t piece : {size_t{1}, size_t{7}, raw.size()}) {
    AwsChunkedDecoder decoder(SignedOptions(kTrailer.seed));
    std::string payload;
    ASSERT_TRUE(Decode(decoder, raw, piece, &payload).ok());
    EXPECT_EQ(payload.size(), 66560u);
    ASSERT_EQ(decoder.trailers().size(), 1u);
    EXPECT_EQ(FindTrailer(decoder.trailers(), "x-amz-checksum-crc32c"), "sOO8/Q==");
  }
}

TEST(AwsChunked, TamperingIsSignatureDoesNotMatch) {
  auto expect_mismatch = [](const AwsChunkedOptions& options, const std::string& raw) {
    AwsChunkedDecoder decoder(options);
    std::string payload;
    const absl::Status status = Decode(decoder, raw, 1000, &payload);
    EXPECT_EQ(AwsErrorCode(status), "SignatureDoesNotMatch") << status;
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    // Sticky: the decoder keeps failing.
    EXPECT_EQ(decoder.Finish(), status);
  };
  std::string raw = ExampleBody(kPlain, "");
  raw[200] = 'b';  // a data byte of the first chunk
  expect_mismatch(SignedOptions(kPlain.seed), raw);
  raw = ExampleBody(kPlain, "");
  raw[raw.size() - 5] ^= 1;  // the final chunk's signature
  expect_mismatch(SignedOptions(kPlain.seed), raw);
  // Another seed breaks the chain at the first chunk.
  expect_mismatch(SignedOptions(kTrailer.seed), ExampleBody(kPlain, ""));
  // Chunks swapped with the other example's: each signature is right for its own chain only.
  expect_mismatch(SignedOptions(kPlain.seed), ExampleBody(kTrailer, ""));
  // A changed trailer value, or a wrong trailer signature.
  raw = ExampleBody(kTrailer, TrailerBlock());
  raw.replace(raw.find("sOO8"), 4, "sOO9");
  expect_mismatch(SignedOptions(kTrailer.seed), raw);
  expect_mismatch(SignedOptions(kTrailer.seed),
                  ExampleBody(kTrailer, TrailerBlock(std::string(64, '0'))));
}

TEST(AwsChunked, SignatureErrorComesBeforeTheChunkAfterIt) {
  // The first chunk's data is handed over before its signature can be checked, but the error is
  // reported at the CRLF that ends it, before any byte of the next chunk.
  std::string raw = ExampleBody(kPlain, "");
  raw[100] = 'b';
  AwsChunkedDecoder decoder(SignedOptions(kPlain.seed));
  std::string payload;
  const size_t first_chunk_end = 88 + 65536;
  EXPECT_TRUE(decoder.Feed(std::string_view(raw).substr(0, first_chunk_end), &payload).ok());
  EXPECT_EQ(payload.size(), 65536u);
  EXPECT_FALSE(decoder.Feed(std::string_view(raw).substr(first_chunk_end), &payload).ok());
  EXPECT_EQ(payload.size(), 65536u);
}

TEST(AwsChunked, SignedTrailersNeedTheirSignature) {
  AwsChunkedDecoder decoder(SignedOptions(kTrailer.seed));
  std::string payload;
  const absl::Status status =
      Decode(decoder, ExampleBody(kTrailer, "x-amz-checksum-crc32c:sOO8/Q==\r\n"), 4096, &payload);
  EXPECT_EQ(AwsErrorCode(status), "MalformedTrailerError");
}

TEST(AwsChunked, UnsignedWithTrailers) {
  AwsChunkedOptions options;
  options.mode = PayloadSigning::kStreamingUnsigned;
  options.decoded_content_length = 11;
  // What the JS SDK v3 sends: plain sizes, "0", the checksum trailer, the empty line.
  const std::string raw =
      "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Amz-Checksum-CRC32: DUoRhQ==\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{5}, raw.size()}) {
    AwsChunkedDecoder decoder(options);
    std::string payload;
    ASSERT_TRUE(Decode(decoder, raw, piece, &payload).ok());
    EXPECT_EQ(payload, "hello world");
    EXPECT_EQ(FindTrailer(decoder.trailers(), "x-amz-checksum-crc32"), "DUoRhQ==");
  }
  // Small chunks are fine unsigned; an empty body is one final chunk.
  options.decoded_content_length = 0;
  AwsChunkedDecoder empty(options);
  std::string payload;
  EXPECT_TRUE(Decode(empty, "0\r\n\r\n", 1, &payload).ok());
  EXPECT_EQ(payload, "");
}

TEST(AwsChunked, FramingErrorsAreIncompleteBody) {
  AwsChunkedOptions options;
  options.mode = PayloadSigning::kStreamingUnsigned;
  for (const std::string& raw : {
           std::string("zz\r\nhello\r\n0\r\n\r\n"),      // not hex
           std::string("5\r\nhelloX\r\n0\r\n\r\n"),      // data longer than its size
           std::string("5\nhello\r\n0\r\n\r\n"),         // bare LF
           std::string("5\r\nhel"),                      // truncated data
           std::string("5\r\nhello\r\n"),                // no final chunk
           std::string("5\r\nhello\r\n0\r\n"),           // no closing empty line
           std::string("5\r\nhello\r\n0\r\n\r\nextra"),  // bytes after the end
           std::string(""),                              // nothing at all
           std::string("11111111111111111\r\n"),         // 17 hex digits
           std::string(2000, '1'),                       // unbounded size line
       }) {
    SCOPED_TRACE(raw.substr(0, 40));
    AwsChunkedDecoder decoder(options);
    std::string payload;
    const absl::Status status = Decode(decoder, raw, 3, &payload);
    EXPECT_EQ(AwsErrorCode(status), "IncompleteBody") << status;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  }
  // Signed bodies need exactly ";chunk-signature=<64 hex>".
  for (const std::string& line :
       {std::string("10000\r\n"), std::string("10000;chunk-signature=ab\r\n"),
        std::string("10000;x=y\r\n")}) {
    AwsChunkedDecoder decoder(SignedOptions(kPlain.seed));
    std::string payload;
    EXPECT_EQ(AwsErrorCode(decoder.Feed(line, &payload)), "IncompleteBody");
  }
}

TEST(AwsChunked, MalformedOrTooManyTrailers) {
  AwsChunkedOptions options;
  options.mode = PayloadSigning::kStreamingUnsigned;
  std::string payload;
  AwsChunkedDecoder no_colon(options);
  EXPECT_EQ(AwsErrorCode(Decode(no_colon, "0\r\nx-amz-checksum-crc32\r\n\r\n", 100, &payload)),
            "MalformedTrailerError");
  std::string many = "0\r\n";
  for (int i = 0; i < 40; ++i) many += "x-amz-meta-" + std::to_string(i) + ":v\r\n";
  AwsChunkedDecoder too_many(options);
  EXPECT_EQ(AwsErrorCode(Decode(too_many, many + "\r\n", 100, &payload)), "MalformedTrailerError");
  AwsChunkedDecoder long_line(options);
  EXPECT_EQ(AwsErrorCode(Decode(long_line, "0\r\nx:" + std::string(5000, 'v'), 100, &payload)),
            "IncompleteBody");
}

TEST(AwsChunked, DecodedLengthMustMatch) {
  AwsChunkedOptions options;
  options.mode = PayloadSigning::kStreamingUnsigned;
  std::string payload;
  options.decoded_content_length = 4;
  AwsChunkedDecoder longer(options);
  // Refused at the size line that overshoots, before its data is handed over.
  EXPECT_EQ(longer.Feed("5\r\n", &payload).message(),
            "You did not provide the number of bytes specified by the Content-Length HTTP header");
  EXPECT_EQ(payload, "");
  options.decoded_content_length = 6;
  AwsChunkedDecoder shorter(options);
  const absl::Status status = Decode(shorter, "5\r\nhello\r\n0\r\n\r\n", 2, &payload);
  EXPECT_EQ(AwsErrorCode(status), "IncompleteBody");
  EXPECT_EQ(status.message(),
            "You did not provide the number of bytes specified by the Content-Length HTTP header");
  AwsChunkedDecoder truncated(options);
  EXPECT_EQ(Decode(truncated, "6\r\nhel", 2, &payload).message(), status.message());
}

TEST(AwsChunked, SmallSignedChunksAreRefusedUnlessLast) {
  // Sign a 3-byte and a 2-byte chunk properly: the size rule, not the signature, refuses them.
  AwsChunkedOptions options = SignedOptions(kPlain.seed, std::nullopt);
  auto sign = [&options](const std::string& previous, std::string_view data) {
    auto& sha = sigv4_internal::Sha256::ForThisThread();
    std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + options.amz_date + "\n" + options.scope +
                          "\n" + previous + "\n" +
                          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
    sigv4_internal::AppendHex(sha.Of(data), &to_sign);
    std::string hex;
    sigv4_internal::AppendHex(sigv4_internal::HmacSha256(sha, {}, options.signing_key, to_sign),
                              &hex);
    return hex;
  };
  const std::string s1 = sign(options.seed_signature, "hel");
  const std::string s2 = sign(s1, "lo");
  const std::string s3 = sign(s2, "");
  const std::string single =
      "3;chunk-signature=" + s1 + "\r\nhel\r\n0;chunk-signature=" + sign(s1, "") + "\r\n\r\n";
  std::string payload;
  AwsChunkedDecoder one(options);
  EXPECT_TRUE(Decode(one, single, 5, &payload).ok());  // a small last chunk is fine
  const std::string two = "3;chunk-signature=" + s1 + "\r\nhel\r\n2;chunk-signature=" + s2 +
                          "\r\nlo\r\n0;chunk-signature=" + s3 + "\r\n\r\n";
  AwsChunkedDecoder small(options);
  const absl::Status status = Decode(small, two, 5, &payload);
  EXPECT_EQ(AwsErrorCode(status), "InvalidChunkSizeError");
  EXPECT_EQ(ExplicitHttpStatus(status), 403);
  const auto fields = ErrorFields(status);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>("BadChunkSize", "3")));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>("Chunk", "2")));
  options.min_signed_chunk_size = 1;
  AwsChunkedDecoder allowed(options);
  payload.clear();
  EXPECT_TRUE(Decode(allowed, two, 5, &payload).ok());
  EXPECT_EQ(payload, "hello");
}

TEST(AwsChunked, OptionsFromTheCallerAndHeaders) {
  VerifiedCaller caller;
  caller.payload = PayloadSigning::kStreamingSigned;
  caller.scope = {"AKID", "20130524", "us-east-1", "s3"};
  caller.seed_signature = kPlain.seed;
  caller.amz_date = kAmzDate;
  caller.signing_key = SigningKey();
  Request headers;
  headers.headers = {{"X-Amz-Decoded-Content-Length", "66560"}};
  absl::StatusOr<AwsChunkedOptions> options = AwsChunkedOptionsFor(headers, caller);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->scope, kScope);
  EXPECT_EQ(options->decoded_content_length, 66560u);
  AwsChunkedDecoder decoder(*options);
  std::string payload;
  EXPECT_TRUE(Decode(decoder, ExampleBody(kPlain, ""), 1 << 20, &payload).ok());

  headers.headers = {{"X-Amz-Decoded-Content-Length", "12x"}};
  EXPECT_FALSE(AwsChunkedOptionsFor(headers, caller).ok());
  headers.headers.clear();
  EXPECT_EQ(AwsChunkedOptionsFor(headers, caller)->decoded_content_length, std::nullopt);
}

// A raw body source serving fixed pieces, synchronously.
BodySource PiecesSource(std::deque<std::string> pieces) {
  auto remaining = std::make_shared<std::deque<std::string>>(std::move(pieces));
  return [remaining](BodyChunkCallback callback) {
    BodyChunk chunk;
    chunk.data = std::move(remaining->front());
    remaining->pop_front();
    chunk.last = remaining->empty();
    callback(std::move(chunk));
  };
}

// Reads a BodySource to its end or first error.
absl::StatusOr<std::string> Drain(BodySource source) {
  std::string all;
  while (true) {
    std::optional<absl::StatusOr<BodyChunk>> got;
    source([&got](absl::StatusOr<BodyChunk> piece) { got = std::move(piece); });
    if (!got.has_value()) return absl::InternalError("no synchronous answer");
    if (!got->ok()) return got->status();
    all += (*got)->data;
    if ((*got)->last) return all;
  }
}

TEST(AwsChunked, BodySourceAdapter) {
  const std::string raw = ExampleBody(kTrailer, TrailerBlock());
  std::deque<std::string> pieces;
  for (size_t i = 0; i < raw.size(); i += 10000) pieces.push_back(raw.substr(i, 10000));
  auto trailers = std::make_shared<Trailers>();
  absl::StatusOr<std::string> decoded =
      Drain(DecodeAwsChunked(PiecesSource(pieces), SignedOptions(kTrailer.seed), trailers));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, std::string(66560, 'a'));
  EXPECT_EQ(FindTrailer(*trailers, "x-amz-checksum-crc32c"), "sOO8/Q==");

  // A body that ends early fails at its last piece instead of ending cleanly.
  pieces.pop_back();
  trailers->clear();
  decoded = Drain(DecodeAwsChunked(PiecesSource(pieces), SignedOptions(kTrailer.seed), trailers));
  EXPECT_FALSE(decoded.ok());
  EXPECT_TRUE(trailers->empty());

  // The raw source's own error passes through.
  BodySource failing = [](BodyChunkCallback callback) {
    callback(absl::UnavailableError("client went away"));
  };
  EXPECT_EQ(Drain(DecodeAwsChunked(failing, SignedOptions(kTrailer.seed), nullptr)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace serval::http
