#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/checksums.h"
#include "http/credential_store.h"
#include "http/message.h"

namespace serval::http {

// AWS Signature Version 4 verification for incoming requests: the Authorization-header form
// and the presigned query-string form, with the canonical request built exactly as botocore
// (auth.py) and the JS SDK v3 (@smithy/signature-v4) build it; the wire details are in the SigV4
// section of the AWS wire-contracts reference, and the choices we made are in the sigv4_*.cc files
// (sigv4_internal.h lists which file does what). The access keys live in a CredentialStore
// (http/credential_store.h).
//
// Failures are absl::Status values carrying an AWS error code (common/aws_error.h). The code
// follows the protocol of the service named in the credential scope: S3 gets S3's XML-API codes
// (SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed, AccessDenied, ...), every
// other service the JSON/rest-json codes (InvalidSignatureException, UnrecognizedClientException,
// ...). SigV4HttpStatus() gives the HTTP status for any of them.

// The credential scope a request claims ("AKID/20260115/us-east-1/lambda/aws4_request"), read
// without verifying anything. The edge router uses `service` to pick a front end, and so the
// protocol an authentication error must be written in.
struct CredentialScope {
  std::string access_key;
  std::string date;     // yyyymmdd
  std::string region;   // e.g. "us-east-1"
  std::string service;  // e.g. "lambda", "s3", "events"
};

// The scope from the Authorization header or the X-Amz-Credential query parameter, or nullopt
// when the request carries neither or it is not a well-formed SigV4 credential.
std::optional<CredentialScope> PeekCredentialScope(const Request& request);
// Only the scope's service ("" when there is no scope), which is all routing needs: no
// allocation for a header-signed request (service names are short).
std::string PeekSigningService(const Request& request);

// Which form authenticated the request: one of the two SigV4 forms, or (S3 only, http/sigv2.h)
// one of the two SigV2 forms.
enum class SigV4Form {
  kAuthorizationHeader,
  kPresignedQuery,
  kSigV2AuthorizationHeader,
  kSigV2PresignedQuery,
};

// What the signature says about the body.
enum class PayloadSigning {
  // The signed payload hash was checked against the body (sent as X-Amz-Content-SHA256 or
  // computed from the body when that header is absent).
  kVerified,
  // "UNSIGNED-PAYLOAD" (always so for presigned S3 URLs): the body is not covered.
  kUnsigned,
  // "STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]": aws-chunked body whose chunks each carry a
  // signature chained from seed_signature. Only the seed (the headers) was verified here; the
  // front end decoding the chunks must check each chunk with signing_key.
  kStreamingSigned,
  // "STREAMING-UNSIGNED-PAYLOAD-TRAILER": aws-chunked body, chunks unsigned (a trailing checksum
  // protects integrity).
  kStreamingUnsigned,
};

// Who signed an accepted request. Thread-compatible value.
struct VerifiedCaller {
  CredentialScope scope;
  SigV4Form form = SigV4Form::kAuthorizationHeader;
  PayloadSigning payload = PayloadSigning::kVerified;
  // CredentialStore::Identity's principal_arn (empty for the operator's keys) and function_arn.
  std::string principal_arn;
  std::string function_arn;
  // The signing time (X-Amz-Date, or the Date header), epoch milliseconds.
  int64_t request_time_millis = 0;
  // Set only for kStreamingSigned: the request signature (hex), which seeds the chunk chain, the
  // X-Amz-Date string, and the derived signing key (32 raw bytes). Treat the key as a secret.
  std::string seed_signature;
  std::string amz_date;
  std::string signing_key;
  // Set only by VerifySigV4Headers for kVerified: the declared X-Amz-Content-SHA256 (64
  // lower-case hex digits), which the body has not been checked against yet (PayloadHashCheck).
  std::string declared_payload_sha256;
};

struct SigV4Options {
  // Header-signed requests whose time is further than this from now are refused. AWS uses 15
  // minutes for most services (Lambda itself answers with 5); issue 3 asks for 15.
  int64_t max_clock_skew_millis = 15 * 60 * 1000;
  // The region the credential scope must name ("us-east-1"); empty accepts any. A mismatch is
  // 403 InvalidSignatureException "Credential should be scoped to a valid region, not 'X'. "
  // (S3: 400 AuthorizationHeaderMalformed). The viewed string must outlive the call.
  std::string_view region;
  // The service the credential scope must name ("lambda"); empty accepts any. A mismatch is 403
  // InvalidSignatureException "Credential should be scoped to correct service: 'lambda'. ".
  std::string_view service;
};

// Verifies the SigV4 signature of `request` against `credentials` at time `now_millis` (epoch
// ms). On success fills `*caller` (which may be null when the caller does not care) and returns
// OK. The request must be complete: when Request::body_too_large is set the body is missing and
// a body hash cannot be checked, so answer 413 before calling this. Thread-safe: each thread
// keeps its own hashing context and last derived signing key. About 1-2.5 us per call plus
// SHA-256 of the body when the body is hashed (see sigv4.cc); a few small allocations; no regex.
absl::Status VerifySigV4(const Request& request, const CredentialStore& credentials,
                         int64_t now_millis, VerifiedCaller* caller,
                         const SigV4Options& options = {});

// VerifySigV4 for a request whose body has not been read yet (`headers` holds the request line
// and headers; its body is ignored), so that a server can refuse a request before reading its
// body. Refuses what the headers alone show wrong: no SigV4 data, malformed data, a time outside
// the window, a scope naming another region or service, an unknown access key, and, when the
// payload hash is declared (X-Amz-Content-SHA256, or an S3 presigned URL), a wrong signature.
// OK means "not refused yet": VerifySigV4 must still check the complete request, which is when
// a signature over a body hash the client did not declare, and the declared hash itself, are
// checked. Thread-safe, like VerifySigV4.
// When `verified` is not null and the headers alone proved the signature (they declare the
// payload hash), it is set to the caller as VerifySigV4Headers fills it; the complete request
// then needs only CheckDeclaredPayload instead of VerifySigV4.
absl::Status ScreenSigV4(const Request& headers, const CredentialStore& credentials,
                         int64_t now_millis, const SigV4Options& options = {},
                         std::optional<VerifiedCaller>* verified = nullptr);

// Fully verifies the signature of a request whose body is not read (`headers` holds the request
// line and headers; its body is ignored), for a server that streams the body: the signature is
// checked over the declared payload hash (X-Amz-Content-SHA256, or UNSIGNED-PAYLOAD for an S3
// presigned URL) and `*caller` is filled. The body remains to be checked, by its kind:
// kVerified against caller->declared_payload_sha256 (PayloadHashCheck), kStreaming* by decoding
// it (http/aws_chunked.h), kUnsigned not at all. A request whose signature covers a payload hash
// it does not declare (the non-S3 services) cannot be verified without its body:
// FailedPrecondition, carrying no AWS code; buffer the body and call VerifySigV4. Other failures
// are VerifySigV4's. Thread-safe, like VerifySigV4, and as fast.
absl::Status VerifySigV4Headers(const Request& headers, const CredentialStore& credentials,
                                int64_t now_millis, VerifiedCaller* caller,
                                const SigV4Options& options = {});

// Holds the complete body of a request whose headers VerifySigV4Headers (or ScreenSigV4)
// verified to the payload hash they declare (a caller of another kind has nothing to check):
// OK, or the error VerifySigV4 gives a body that does not match. Thread-safe, like VerifySigV4.
absl::Status CheckDeclaredPayload(const VerifiedCaller& caller, std::string_view body);

// Holds a streamed body to the payload hash its signature declared. Thread-compatible: one body,
// fed from one thread.
class PayloadHashCheck {
 public:
  // `declared_hex`: VerifiedCaller::declared_payload_sha256. `service` picks the error's dialect.
  explicit PayloadHashCheck(std::string_view declared_hex, std::string_view service = "s3");
  PayloadHashCheck(const PayloadHashCheck&) = delete;
  PayloadHashCheck& operator=(const PayloadHashCheck&) = delete;

  // The next bytes of the body.
  void Update(std::string_view data);
  // At the end of the body: OK, or the error VerifySigV4 gives a body that does not match its
  // declared hash (S3: 400 XAmzContentSHA256Mismatch).
  absl::Status Finish() const;

 private:
  std::string declared_hex_;
  std::string service_;
  std::unique_ptr<Checksum> sha256_;
};

// The HTTP status AWS uses for a status returned by VerifySigV4: 400 for malformed
// authentication data and a body that does not match its signed hash, 401 for EC2's
// AuthFailure, 403 for everything else.
int SigV4HttpStatus(const absl::Status& status);

// True when VerifySigV4 failed only because the request carries no SigV4 data at all (S3 treats
// such requests as anonymous rather than refusing them outright).
bool IsMissingAuthentication(const absl::Status& status);

// Signs `request` for `service` in `region` (header form), as the AWS SDKs do: sets X-Amz-Date,
// X-Amz-Content-Sha256 (the body's SHA-256) and Authorization over host, x-amz-content-sha256
// and x-amz-date. The request must already carry its Host header. For Serval's own clients
// (`serval deploy`) and benchmarks.
void SignRequest(Request& request, std::string_view access_key, std::string_view secret,
                 std::string_view region, std::string_view service, int64_t now_millis);

// A presigned request target (path?X-Amz-...&X-Amz-Signature=...) for `method` on `path` (an
// already percent-encoded path) at `host`, valid for `expires_seconds`: the form AWS uses for
// GetFunction's Code.Location. Only the host header is signed; the body is empty.
std::string PresignTarget(std::string_view method, std::string_view host, std::string_view path,
                          std::string_view access_key, std::string_view secret,
                          std::string_view region, std::string_view service, int64_t now_millis,
                          int expires_seconds);

}  // namespace serval::http
