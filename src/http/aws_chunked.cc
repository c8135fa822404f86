#include "http/aws_chunked.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "common/aws_error.h"
#include "http/sigv4_internal.h"

namespace serval::http {
namespace {

using sigv4_internal::AppendHex;
using sigv4_internal::AsView;
using sigv4_internal::Digest;
using sigv4_internal::Sha256;

constexpr size_t kMaxLine = 1024;
constexpr size_t kMaxTrailers = 32;
// Chunk sizes beyond this are refused outright (S3's objects stop at 5 TiB).
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 42;
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";
// hex(SHA256("")), part of every chunk's string to sign.
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

absl::Status IncompleteBody() {
  return AwsError(absl::StatusCode::kInvalidArgument, "IncompleteBody",
                  "The request body terminated unexpectedly");
}

absl::Status LengthMismatch() {
  return AwsError(absl::StatusCode::kInvalidArgument, "IncompleteBody",
                  "You did not provide the number of bytes specified by the Content-Length HTTP "
                  "header");
}

absl::Status MalformedTrailer() {
  return AwsError(absl::StatusCode::kInvalidArgument, "MalformedTrailerError",
                  "The request contained trailing data that was not well-formed or did not "
                  "conform to our published schema.");
}

absl::Status ChunkTooSmall(uint64_t chunk_number, uint64_t bad_size) {
  absl::Status status =
      WithHttpStatus(AwsError(absl::StatusCode::kInvalidArgument, "InvalidChunkSizeError",
                              "Only the last chunk is allowed to have a size less than 8192 bytes"),
                     403);
  status = WithErrorField(std::move(status), "Chunk", std::to_string(chunk_number));
  return WithErrorField(std::move(status), "BadChunkSize", std::to_string(bad_size));
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// HMAC(key, prefix "\n" date "\n" scope "\n" previous "\n" rest), as 64 lower-case hex digits.
std::string SignLink(const AwsChunkedOptions& options, std::string_view prefix,
                     std::string_view previous, std::string_view rest) {
  std::string to_sign;
  to_sign.reserve(prefix.size() + options.amz_date.size() + options.scope.size() + previous.size() +
                  rest.size() + 4);
  to_sign.append(prefix).append("\n").append(options.amz_date).append("\n");
  to_sign.append(options.scope).append("\n").append(previous).append("\n").append(rest);
  std::string hex;
  AppendHex(sigv4_internal::HmacSha256(Sha256::ForThisThread(), {}, options.signing_key, to_sign),
            &hex);
  return hex;
}

// Compares a provided signature (any hex case) with the expected lower-case one in constant
// time.
bool SignatureMatches(std::string_view provided, const std::string& expected) {
  if (provided.size() != expected.size()) return false;
  std::string lower(provided);
  for (char& c : lower) c = ToLowerAscii(c);
  return CRYPTO_memcmp(lower.data(), expected.data(), lower.size()) == 0;
}

}  // namespace

std::optional<std::string_view> FindTrailer(const Trailers& trailers, std::string_view name) {
  for (const auto& [key, value] : trailers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

absl::StatusOr<AwsChunkedOptions> AwsChunkedOptionsFor(const Request& headers,
                                                       const VerifiedCaller& caller) {
  AwsChunkedOptions options;
  options.mode = caller.payload;
  if (caller.payload == PayloadSigning::kStreamingSigned) {
    options.seed_signature = caller.seed_signature;
    options.amz_date = caller.amz_date;
    options.signing_key = caller.signing_key;
    options.scope = caller.scope.date + "/" + caller.scope.region + "/" + caller.scope.service +
                    "/" + std::string(sigv4_internal::kTerminator);
  }
  if (headers.HasHeader("x-amz-decoded-content-length")) {
    const std::string_view text = TrimBlanks(headers.Header("x-amz-decoded-content-length"));
    uint64_t value = 0;
    bool ok = !text.empty() && text.size() <= 18;
    for (char c : text) {
      ok = ok && c >= '0' && c <= '9';
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok) {
      return AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                      "x-amz-decoded-content-length must be a non-negative integer");
    }
    options.decoded_content_length = value;
  }
  return options;
}

AwsChunkedDecoder::AwsChunkedDecoder(AwsChunkedOptions options)
    : options_(std::move(options)),
      signed_(options_.mode == PayloadSigning::kStreamingSigned),
      previous_signature_(options_.seed_signature) {}

AwsChunkedDecoder::~AwsChunkedDecoder() {
  OPENSSL_cleanse(options_.signing_key.data(), options_.signing_key.size());
}

absl::Status AwsChunkedDecoder::Fail(absl::Status status) {
  state_ = State::kFailed;
  error_ = status;
  return status;
}

absl::StatusOr<size_t> AwsChunkedDecoder::TakeLine(std::string_view raw, bool* complete) {
  const size_t newline = raw.find('\n');
  const size_t used = newline == std::string_view::npos ? raw.size() : newline + 1;
  if (line_.size() + used > kMaxLine) return IncompleteBody();
  line_.append(raw.substr(0, used));
  *complete = newline != std::string_view::npos;
  if (*complete) {
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return IncompleteBody();
    line_.resize(line_.size() - 2);
  }
  return used;
}

absl::Status AwsChunkedDecoder::Feed(std::string_view raw, std::string* payload) {
  if (state_ == State::kFailed) return error_;
  while (!raw.empty()) {
    switch (state_) {
      case State::kSizeLine:
      case State::kTrailerLine: {
        bool complete = false;
        absl::StatusOr<size_t> used = TakeLine(raw, &complete);
        if (!used.ok()) return Fail(used.status());
        raw.remove_prefix(*used);
        if (!complete) break;
        absl::Status status = state_ == State::kSizeLine ? OnSizeLine() : OnTrailerLine();
        line_.clear();
        if (!status.ok()) return Fail(status);
        break;
      }
      case State::kData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_remaining_, raw.size()));
        const std::string_view data = raw.substr(0, take);
        if (signed_) chunk_hash_->Update(data);
        payload->append(data);
        raw.remove_prefix(take);
        chunk_remaining_ -= take;
        if (chunk_remaining_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        // The CRLF after the data; it may arrive split across pieces.
        bool complete = false;
        absl::StatusOr<size_t> used = TakeLine(raw, &complete);
        if (!used.ok() || (complete && !line_.empty())) return Fail(IncompleteBody());
        raw.remove_prefix(*used);
        if (!complete) break;
        if (signed_) {
          if (absl::Status status = CheckChunkSignature(); !status.ok()) return Fail(status);
        }
        state_ = State::kSizeLine;
        break;
      }
      case State::kDone:
        return Fail(IncompleteBody());  // bytes after the closing empty line
      case State::kFailed:
        return error_;
    }
  }
  return absl::OkStatus();
}

absl::Status AwsChunkedDecoder::OnSizeLine() {
  const std::string_view line = line_;
  const size_t semicolon = line.find(';');
  const std::string_view hex = line.substr(0, semicolon);
  if (hex.empty() || hex.size() > 16) return IncompleteBody();
  uint64_t size = 0;
  for (char c : hex) {
    const int digit = HexValue(c);
    if (digit < 0) return IncompleteBody();
    size = size * 16 + static_cast<uint64_t>(digit);
  }
  if (size > kMaxChunkSize) return IncompleteBody();

  chunk_signature_.clear();
  if (signed_) {
    // Exactly one extension, chunk-signature=<64 hex>.
    constexpr std::string_view kExtension = ";chunk-signature=";
    const std::string_view rest =
        semicolon == std::string_view::npos ? std::string_view() : line.substr(semicolon);
    if (rest.substr(0, kExtension.size()) != kExtension) return IncompleteBody();
    const std::string_view signature = rest.substr(kExtension.size());
    Digest ignored;
    if (!sigv4_internal::DecodeHexDigest(signature, &ignored)) return IncompleteBody();
    chunk_signature_.assign(signature);
    // S3 notices an undersized chunk when the next one turns out not to be the last, and names
    // the chunk it is reading (versitygw issue 1683: sizes 3, 2, 0 -> Chunk 2, BadChunkSize 3).
    if (chunk_count_ > 0 && size > 0 && previous_chunk_size_ < options_.min_signed_chunk_size) {
      return ChunkTooSmall(chunk_count_ + 1, previous_chunk_size_);
    }
    chunk_hash_ = Checksum::Create(ChecksumAlgorithm::kSha256);
  }
  // (Unsigned bodies may carry extensions; they are ignored.)

  ++chunk_count_;
  chunk_size_ = size;
  previous_chunk_size_ = size;
  decoded_size_ += size;
  if (options_.decoded_content_length.has_value() &&
      decoded_size_ > *options_.decoded_content_length) {
    return LengthMismatch();
  }
  if (size == 0) {
    if (signed_) {
      if (absl::Status status = CheckChunkSignature(); !status.ok()) return status;
    }
    state_ = State::kTrailerLine;
    return absl::OkStatus();
  }
  chunk_remaining_ = size;
  state_ = State::kData;
  return absl::OkStatus();
}

absl::Status AwsChunkedDecoder::CheckChunkSignature() {
  std::string rest(kEmptySha256);
  rest.push_back('\n');
  const std::string data_hash = chunk_hash_->Digest();
  Digest digest;
  std::copy(data_hash.begin(), data_hash.end(), digest.begin());
  AppendHex(digest, &rest);
  const std::string expected =
      SignLink(options_, "AWS4-HMAC-SHA256-PAYLOAD", previous_signature_, rest);
  if (!SignatureMatches(chunk_signature_, expected)) {
    return sigv4_internal::SignatureMismatch(sigv4_internal::Dialect::kS3);
  }
  previous_signature_ = expected;
  chunk_hash_.reset();
  return absl::OkStatus();
}

absl::Status AwsChunkedDecoder::OnTrailerLine() {
  if (line_.empty()) return EndOfTrailers();
  const size_t colon = line_.find(':');
  if (colon == std::string::npos || colon == 0) return MalformedTrailer();
  std::string name = line_.substr(0, colon);
  for (char& c : name) c = ToLowerAscii(c);
  const std::string_view value = TrimBlanks(std::string_view(line_).substr(colon + 1));
  if (name == kTrailerSignature) {
    if (!trailer_signature_.empty()) return MalformedTrailer();
    trailer_signature_.assign(value);
    return absl::OkStatus();
  }
  if (!trailer_signature_.empty()) return MalformedTrailer();  // the signature comes last
  if (trailers_.size() >= kMaxTrailers) return MalformedTrailer();
  trailers_.emplace_back(std::move(name), std::string(value));
  return absl::OkStatus();
}

absl::Status AwsChunkedDecoder::CheckTrailerSignature() {
  Trailers sorted = trailers_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical;
  for (const auto& [name, value] : sorted) canonical.append(name + ":" + value + "\n");
  std::string hash;
  AppendHex(Sha256::ForThisThread().Of(canonical), &hash);
  const std::string expected =
      SignLink(options_, "AWS4-HMAC-SHA256-TRAILER", previous_signature_, hash);
  if (!SignatureMatches(trailer_signature_, expected)) {
    return sigv4_internal::SignatureMismatch(sigv4_internal::Dialect::kS3);
  }
  return absl::OkStatus();
}

absl::Status AwsChunkedDecoder::EndOfTrailers() {
  if (signed_ && (!trailers_.empty() || !trailer_signature_.empty())) {
    // Signed trailers must carry their signature, or anyone could append them.
    if (trailer_signature_.empty()) return MalformedTrailer();
    if (absl::Status status = CheckTrailerSignature(); !status.ok()) return status;
  }
  if (options_.decoded_content_length.has_value() &&
      decoded_size_ != *options_.decoded_content_length) {
    return LengthMismatch();
  }
  state_ = State::kDone;
  return absl::OkStatus();
}

absl::Status AwsChunkedDecoder::Finish() {
  if (state_ == State::kFailed) return error_;
  if (state_ != State::kDone) {
    // The body stopped early; a short total is reported as the length it fails to reach.
    if (options_.decoded_content_length.has_value() &&
        decoded_size_ - chunk_remaining_ < *options_.decoded_content_length) {
      return Fail(LengthMismatch());
    }
    return Fail(IncompleteBody());
  }
  return absl::OkStatus();
}

namespace {

// What the adapter's pulls share. Io thread only.
struct DecodeState {
  DecodeState(BodySource raw_source, AwsChunkedOptions options, std::shared_ptr<Trailers> out)
      : raw(std::move(raw_source)), decoder(std::move(options)), trailers_out(std::move(out)) {}

  BodySource raw;
  AwsChunkedDecoder decoder;
  std::shared_ptr<Trailers> trailers_out;
};

}  // namespace

BodySource DecodeAwsChunked(BodySource raw, AwsChunkedOptions options,
                            std::shared_ptr<Trailers> trailers_out) {
  auto state =
      std::make_shared<DecodeState>(std::move(raw), std::move(options), std::move(trailers_out));
  return [state](BodyChunkCallback callback) {
    state->raw([state, callback = std::move(callback)](absl::StatusOr<BodyChunk> piece) {
      if (!piece.ok()) {
        callback(piece.status());
        return;
      }
      BodyChunk decoded;
      if (absl::Status status = state->decoder.Feed(piece->data, &decoded.data); !status.ok()) {
        callback(status);
        return;
      }
      if (piece->last) {
        if (absl::Status status = state->decoder.Finish(); !status.ok()) {
          callback(status);
          return;
        }
        if (state->trailers_out != nullptr) *state->trailers_out = state->decoder.trailers();
        decoded.last = true;
      }
      callback(std::move(decoded));
    });
  };
}

}  // namespace serval::http
