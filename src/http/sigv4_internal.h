#pragma once

// What the SigV4 files share with one another; not for other callers (use http/sigv4.h). The
// jobs are split thus:
//   sigv4_parse.cc      the signing data: times, credential scope, Authorization header, query
//   sigv4_crypto.cc     SHA-256, HMAC, the derived signing key, hex digests
//   sigv4_canonical.cc  the canonical request and the string to sign -> the expected signature
//   sigv4_errors.cc     the AWS errors each failure is answered with, per protocol dialect
//   sigv4_header.cc     the Authorization-header form: verify and sign
//   sigv4_presign.cc    the presigned query form: verify and presign
//   sigv4_payload.cc    PayloadHashCheck: a streamed body against its declared hash
//   sigv4.cc            VerifySigV4 / ScreenSigV4 and the checks both forms share
// and aws_chunked.cc uses the HMAC and the S3 signature error for the chunk signatures,
// form_signature.cc the signing key, the HMACs and the errors for browser-form uploads.

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "common/text.h"
#include "common/time_format.h"
#include "http/credential_store.h"
#include "http/message.h"

namespace serval::http {

struct SigV4Options;
struct VerifiedCaller;

namespace sigv4_internal {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr size_t kDigestSize = 32;
using Digest = std::array<unsigned char, kDigestSize>;

// ---------------------------------------------------------------------------------------------
// Parsing the signing data (sigv4_parse.cc).

struct ScopeView {
  std::string_view access_key, date, region, service;
};

// "AKID/20150830/us-east-1/service/aws4_request". Access keys never contain '/'.
bool ParseCredential(std::string_view credential, ScopeView* scope);
std::string FormatCredential(const ScopeView& scope);

struct AuthorizationHeader {
  std::string_view algorithm, credential, signed_headers, signature;
};

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex". Components may come in
// any order, separated by ',' and optional blanks. Returns an empty string on success, otherwise
// what is wrong, in AWS's words.
std::string ParseAuthorizationHeader(std::string_view header, AuthorizationHeader* out);

struct QueryPair {
  std::string_view key, value;  // raw, as on the wire
};
using QueryPairs = absl::InlinedVector<QueryPair, 16>;

// Splits the raw query on '&' and each pair on its first '='; empty pairs are dropped.
void SplitQuery(std::string_view query, QueryPairs* out);
// The raw value of the first pair whose raw key is `key`, or nullopt.
std::optional<std::string_view> FindRaw(const QueryPairs& pairs, std::string_view key);

// ---------------------------------------------------------------------------------------------
// SHA-256 and HMAC (sigv4_crypto.cc).

// A SHA-256 context reused by one thread. Thread-compatible; ForThisThread gives each thread
// its own.
class Sha256 {
 public:
  static Sha256& ForThisThread();

  void Begin();
  void Add(const void* data, size_t size);
  void Add(std::string_view data) { Add(data.data(), data.size()); }
  Digest Finish();
  Digest Of(std::string_view data);

 private:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  EVP_MD_CTX* context_;
};

// HMAC-SHA256 (RFC 2104) keyed with key_prefix + key, so "AWS4" + secret needs no copy.
Digest HmacSha256(Sha256& sha, std::string_view key_prefix, std::string_view key,
                  std::string_view message);

inline std::string_view AsView(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// The derived signing key for a secret and scope; the reference lives until this thread's next
// call.
const Digest& SigningKey(Sha256& sha, std::string_view secret, std::string_view date,
                         std::string_view region, std::string_view service);

// Decodes exactly 64 hex digits (either case) into 32 bytes.
bool DecodeHexDigest(std::string_view hex, Digest* out);
// Appends the digest as 64 lower-case hex digits.
void AppendHex(const Digest& digest, std::string* out);

// SigV2's signature: base64 HMAC-SHA1(key, message) (sigv2.cc; form_signature.cc signs POST
// policies with it too).
std::string HmacSha1Base64(std::string_view key, std::string_view message);

// ---------------------------------------------------------------------------------------------
// The canonical request (sigv4_canonical.cc).

// A request's signing data as one of the two forms carries it.
struct SignedRequest {
  bool presigned = false;
  ScopeView scope;
  std::string_view amz_date;                       // "20150830T123600Z"
  int64_t request_seconds = 0;                     // amz_date as epoch seconds
  std::string_view signed_headers;                 // "host;x-amz-date"
  std::string_view signature;                      // hex, as provided
  std::optional<std::string_view> content_sha256;  // the declared payload hash, if any
  const QueryPairs* query = nullptr;
  // The body has not been read yet: check everything else (ScreenSigV4).
  bool headers_only = false;
  std::string security_token;  // presigned form: X-Amz-Security-Token, decoded
  int64_t now_millis = 0;      // the verifier's time: a temporary key may have expired
};

// The canonical request, and the string to sign over it. ComputeSignature builds both; the S3
// SignatureDoesNotMatch details rebuild them on the failure path only.
std::string CanonicalRequest(const Request& request, const SignedRequest& signed_request,
                             std::string_view payload_hash, bool is_s3, bool* headers_ok);
std::string StringToSign(Sha256& sha, const SignedRequest& signed_request,
                         std::string_view canonical_request);

// The signature `signed_request` should carry (its own signature field is not used), computed
// from the canonical request and the string to sign. `headers_ok` is false when SignedHeaders
// names a header the request lacks or is not a valid list.
Digest ComputeSignature(Sha256& sha, const Request& request, const SignedRequest& signed_request,
                        std::string_view payload_hash, const std::string& secret, bool is_s3,
                        bool* headers_ok);

// The signature (64 lower-case hex digits) Serval's own clients put on `request` (SignRequest,
// PresignTarget): `scope` signed with `secret` at `amz_date` over `signed_headers` and
// `payload_hash`.
std::string SignatureFor(const Request& request, bool presigned, const ScopeView& scope,
                         std::string_view amz_date, std::string_view signed_headers,
                         std::string_view payload_hash, std::string_view secret);

// ---------------------------------------------------------------------------------------------
// Errors (sigv4_errors.cc), in the dialect of the credential scope's service.

// How a service names its authentication errors: the JSON protocols' (...Exception), S3's, the
// query protocol's (SNS, IAM, STS: InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken),
// and EC2's, which answers an unknown key, a bad session token and a wrong signature alike with
// 401 AuthFailure (otherwise as the query protocol).
enum class Dialect { kJson, kS3, kQuery, kEc2 };

Dialect DialectFor(std::string_view service);
absl::Status MissingAuthentication();
absl::Status MalformedHeader(Dialect dialect, std::string_view detail);
absl::Status MalformedQuery(Dialect dialect, std::string_view detail);
absl::Status Malformed(Dialect dialect, bool presigned, std::string_view detail);
absl::Status UnknownAccessKey(Dialect dialect);
// A temporary key past its expiry (an STS session's).
absl::Status ExpiredSessionToken(Dialect dialect);
absl::Status InvalidSessionToken(Dialect dialect);
absl::Status SignatureMismatch(Dialect dialect);
// S3's SignatureDoesNotMatch with the details real S3 returns: AWSAccessKeyId, StringToSign,
// SignatureProvided, StringToSignBytes, CanonicalRequest, CanonicalRequestBytes (the *Bytes as
// space-separated two-digit lower-case hex). Empty strings leave their fields out.
absl::Status S3SignatureMismatch(std::string_view access_key, std::string_view string_to_sign,
                                 std::string_view signature_provided,
                                 std::string_view canonical_request);
// The signature covers a body hash the request does not declare, and the body is not read:
// FailedPrecondition (VerifySigV4Headers' answer; ScreenSigV4 lets it pass).
absl::Status UndeclaredPayloadHash();
bool IsUndeclaredPayloadHash(const absl::Status& status);
absl::Status PayloadHashMismatch(Dialect dialect);
absl::Status BadPayloadHashValue(Dialect dialect);
// A scope naming another `part` ("region" or "service") than the one required.
absl::Status WrongScope(Dialect dialect, bool presigned, std::string_view part,
                        std::string_view given, std::string_view expected);
// A header-form request time outside the window; `expired` tells which side it fell on.
absl::Status ClockSkew(Dialect dialect, std::string_view amz_date, bool expired, int64_t now_millis,
                       int64_t window_millis);
absl::Status PresignExpired(Dialect dialect);
absl::Status PresignNotYetValid(Dialect dialect);

// ---------------------------------------------------------------------------------------------
// Verification.

// The checks both forms share once the form's own data is parsed and its time checked: scope,
// access key, session token, payload hash, signature (sigv4.cc).
// A temporary key is valid only with its session token (signed like any other header or query
// parameter, so checking its value suffices; compared in constant time) and until it expires.
// OK for long-term keys.
absl::Status CheckSessionToken(const CredentialStore::Identity& identity, std::string_view token,
                               int64_t now_millis, Dialect dialect);

absl::Status Verify(const Request& request, const SignedRequest& signed_request,
                    const CredentialStore& credentials, const SigV4Options& options,
                    VerifiedCaller* caller);

// The Authorization-header form (sigv4_header.cc).
absl::Status VerifyHeaderForm(const Request& request, std::string_view authorization,
                              const QueryPairs& query, const CredentialStore& credentials,
                              int64_t now_millis, const SigV4Options& options, bool headers_only,
                              VerifiedCaller* caller);

// The presigned query form (sigv4_presign.cc): whether the query carries its parameters, and
// its verification.
bool HasPresignParameters(const QueryPairs& query);
absl::Status VerifyQueryForm(const Request& request, const QueryPairs& query,
                             const CredentialStore& credentials, int64_t now_millis,
                             const SigV4Options& options, bool headers_only,
                             VerifiedCaller* caller);

}  // namespace sigv4_internal
}  // namespace serval::http
