#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/checksums.h"
#include "http/message.h"
#include "http/sigv4.h"

namespace serval::http {

// Decoding of `Content-Encoding: aws-chunked` request bodies (S3 PutObject/UploadPart from SDKs
// that stream), after HTTP's own chunked transfer coding has been removed. The framing, from the
// S3 API reference ("Transferring Payload in Multiple Chunks" and "Including Trailing Headers"):
//
//   <hex size>[;chunk-signature=<64 hex>]\r\n<size bytes>\r\n    (repeated)
//   0[;chunk-signature=<64 hex>]\r\n                             (the final chunk)
//   [name:value\r\n]...                                           (trailers, e.g. checksums)
//   [x-amz-trailer-signature:<64 hex>\r\n]
//   \r\n
//
// With STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] every chunk (the final one too) is signed,
// each signature chained from the previous one, the first from the request's seed signature:
//   HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" previous "\n"
//                     hex(SHA256("")) "\n" hex(SHA256(chunk data)))
// and the trailers by
//   HMAC(signing key, "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n" final chunk's signature
//                     "\n" hex(SHA256(canonical trailers)))
// where the canonical trailers are "name:value\n" for each trailer but the signature, names lower
// case, values trimmed, sorted by name (what the .NET, Kotlin and Go signers hash; the SDKs send
// them in that order anyway). STREAMING-UNSIGNED-PAYLOAD-TRAILER has no signatures at all.
//
// S3's answers (as observed against AWS and recorded by versitygw, issues 1660, 1666, 1683, 1685,
// 2085): any framing error, signature line included, is 400 IncompleteBody "The request body
// terminated unexpectedly"; a signed body whose non-final chunk is under 8 KiB is 403
// InvalidChunkSizeError with <Chunk> and <BadChunkSize>; a wrong chunk or trailer signature is
// 403 SignatureDoesNotMatch; a total other than X-Amz-Decoded-Content-Length is 400
// IncompleteBody "You did not provide the number of bytes specified by the Content-Length HTTP
// header"; a trailer that is not "name:value" is 400 MalformedTrailerError.

// Trailers as sent (names lower-cased), in order, x-amz-trailer-signature excluded.
using Trailers = std::vector<std::pair<std::string, std::string>>;

// The value of the trailer `name` (lower case), or nullopt.
std::optional<std::string_view> FindTrailer(const Trailers& trailers, std::string_view name);

struct AwsChunkedOptions {
  // kStreamingSigned or kStreamingUnsigned (anything else is treated as unsigned).
  PayloadSigning mode = PayloadSigning::kStreamingUnsigned;
  // For kStreamingSigned, from VerifiedCaller: the seed signature (64 hex), X-Amz-Date, the
  // derived signing key (32 raw bytes), and the scope "yyyymmdd/region/service/aws4_request".
  std::string seed_signature;
  std::string amz_date;
  std::string signing_key;
  std::string scope;
  // X-Amz-Decoded-Content-Length; the decoded total must equal it when set.
  std::optional<uint64_t> decoded_content_length;
  // Non-final chunks of a signed body smaller than this are refused, as S3 does. Unsigned bodies
  // are not held to it (the JS SDK frames whatever pieces its stream yields).
  uint64_t min_signed_chunk_size = 8192;
};

// The options for a request whose headers VerifySigV4Headers (or VerifySigV4) accepted: the mode
// and signing data from `caller`, the decoded length from X-Amz-Decoded-Content-Length. A
// decoded length that is not a decimal number is 400 InvalidArgument.
absl::StatusOr<AwsChunkedOptions> AwsChunkedOptionsFor(const Request& headers,
                                                       const VerifiedCaller& caller);

// An incremental aws-chunked decoder. Thread-compatible: one body, fed from one thread.
//
// Memory stays bounded whatever the input: chunk data passes straight through (hashed as it goes
// when signed); only a size or trailer line is buffered, and one longer than 1 KiB, or more than
// 32 trailers, is an error.
//
// What the consumer may have been given before an error: the data of every chunk up to and
// including the one in which the error was found, possibly in part. In particular a chunk's data
// is handed over before its signature (which follows it) can be checked, so a consumer must not
// act on the payload until Finish() returns OK; it learns of a bad signature at the latest then,
// since Finish() fails unless every signature checked out. (S3 PutObject writes to a temporary
// blob and discards it on error, which is exactly this contract.)
class AwsChunkedDecoder {
 public:
  explicit AwsChunkedDecoder(AwsChunkedOptions options);
  ~AwsChunkedDecoder();
  AwsChunkedDecoder(const AwsChunkedDecoder&) = delete;
  AwsChunkedDecoder& operator=(const AwsChunkedDecoder&) = delete;

  // Decodes the next bytes of the raw body, appending payload bytes to `*payload`. After an error
  // every later call returns the same error.
  absl::Status Feed(std::string_view raw, std::string* payload);
  // The raw body has ended: OK only when the final chunk, the trailers and the closing empty line
  // were all read, every signature matched, and the decoded length is as declared.
  absl::Status Finish();

  // True once the closing empty line was read (nothing may follow it).
  bool done() const { return state_ == State::kDone; }
  uint64_t decoded_size() const { return decoded_size_; }
  // The trailers read so far (complete once done()).
  const Trailers& trailers() const { return trailers_; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailerLine, kDone, kFailed };

  absl::Status Fail(absl::Status status);
  // Appends to line_ up to and including '\n'; returns how much of `raw` was used, and sets
  // `*complete` when the line (without its CRLF) is in line_.
  absl::StatusOr<size_t> TakeLine(std::string_view raw, bool* complete);
  absl::Status OnSizeLine();
  absl::Status OnTrailerLine();
  absl::Status CheckChunkSignature();
  absl::Status CheckTrailerSignature();
  absl::Status EndOfTrailers();

  AwsChunkedOptions options_;
  bool signed_ = false;
  State state_ = State::kSizeLine;
  absl::Status error_;
  std::string line_;
  uint64_t chunk_remaining_ = 0;
  uint64_t chunk_size_ = 0;
  uint64_t previous_chunk_size_ = 0;
  uint64_t chunk_count_ = 0;
  uint64_t decoded_size_ = 0;
  // Signed mode: the signature the current chunk claims, the previous one in the chain, and the
  // running hash of the current chunk's data.
  std::string chunk_signature_;
  std::string previous_signature_;
  std::unique_ptr<Checksum> chunk_hash_;
  std::string trailer_signature_;
  Trailers trailers_;
};

// The decoded payload of `raw`, piece by piece: each piece is what the decoder made of one raw
// piece, and may be empty. The piece marked `last` comes only once the whole body has checked out
// (AwsChunkedDecoder::Finish), and by then `*trailers_out` (when given) holds the trailers; any
// failure is delivered as the source's error instead. Runs only on the io thread, like
// BodySource.
BodySource DecodeAwsChunked(BodySource raw, AwsChunkedOptions options,
                            std::shared_ptr<Trailers> trailers_out);

}  // namespace serval::http
