#include "common/aws_error.h"
#include "http/sigv4.h"
#include "http/sigv4_internal.h"

// The errors SigV4 verification answers with, as AWS answers them; first the JSON / rest-json
// services (Lambda, ...), then S3:
//
// * No SigV4 data at all: 403 MissingAuthenticationTokenException "Missing Authentication
//   Token". (S3 front ends should treat such a request as anonymous; see
//   IsMissingAuthentication.)
// * Malformed authentication data: 400 IncompleteSignatureException (API Gateway answers 403; we
//   follow the JSON services) / S3: 400 AuthorizationHeaderMalformed, or for presigned URLs 400
//   AuthorizationQueryParametersError.
// * Unknown access key: 403 UnrecognizedClientException / S3: 403 InvalidAccessKeyId.
// * Wrong signature: 403 InvalidSignatureException / S3: 403 SignatureDoesNotMatch (shorter
//   message).
// * Header-form time outside the window: 403 InvalidSignatureException "Signature expired: ..."
//   or "Signature not yet current: ..." / S3: 403 RequestTimeTooSkewed.
// * Presigned URL past X-Amz-Date + X-Amz-Expires: 403 AccessDeniedException / S3: 403
//   AccessDenied, both "Request has expired"; dated in the future: "Request is not yet valid".
// * Body that does not match the signed hash: 403 InvalidSignatureException (for these services
//   a changed body is simply a wrong signature) / S3: 400 XAmzContentSHA256Mismatch.
//
// Lambda's real answers come with HTTP 403 and x-amzn-ErrorType (seen in erlcloud and bref
// reports); its skew message reads "Signature expired: 20171026T165425Z is now earlier than
// 20171026T165554Z (20171026T170054Z - 5 min.)" -- Lambda allows 5 minutes, we allow the
// configured window and print it. S3's expired-URL answer is AccessDenied "Request has expired"
// with Expires/ServerTime elements (aws-sdk-js #3493, aws-sdk-php #1333). Whether non-S3 services

namespace serval::http {
namespace sigv4_internal {

Dialect DialectFor(std::string_view service) {
  if (service == "s3") return Dialect::kS3;
  if (service == "sns" || service == "iam" || service == "sts" || service == "rds") {
    return Dialect::kQuery;
  }
  if (service == "ec2") return Dialect::kEc2;
  return Dialect::kJson;
}

absl::Status MissingAuthentication() {
  return AwsError(absl::StatusCode::kUnauthenticated, "MissingAuthenticationTokenException",
                  "Missing Authentication Token");
}

absl::Status MalformedHeader(Dialect dialect, std::string_view detail) {
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kInvalidArgument, "AuthorizationHeaderMalformed",
                    "The authorization header is malformed; " + std::string(detail));
  }
  return AwsError(absl::StatusCode::kInvalidArgument, "IncompleteSignatureException", detail);
}

absl::Status MalformedQuery(Dialect dialect, std::string_view detail) {
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kInvalidArgument, "AuthorizationQueryParametersError",
                    detail);
  }
  return AwsError(absl::StatusCode::kInvalidArgument, "IncompleteSignatureException", detail);
}

absl::Status Malformed(Dialect dialect, bool presigned, std::string_view detail) {
  return presigned ? MalformedQuery(dialect, detail) : MalformedHeader(dialect, detail);
}

// EC2's one answer to credentials it cannot verify.
absl::Status Ec2AuthFailure() {
  return AwsError(absl::StatusCode::kUnauthenticated, "AuthFailure",
                  "AWS was not able to validate the provided access credentials");
}

absl::Status UnknownAccessKey(Dialect dialect) {
  if (dialect == Dialect::kEc2) return Ec2AuthFailure();
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kUnauthenticated, "InvalidAccessKeyId",
                    "The AWS Access Key Id you provided does not exist in our records.");
  }
  return AwsError(absl::StatusCode::kUnauthenticated,
                  dialect == Dialect::kQuery ? "InvalidClientTokenId" : "UnrecognizedClientException",
                  "The security token included in the request is invalid.");
}

// The JSON protocols answer a bad session token as they answer an unknown key.
absl::Status InvalidSessionToken(Dialect dialect) {
  if (dialect != Dialect::kS3) return UnknownAccessKey(dialect);
  return AwsError(absl::StatusCode::kUnauthenticated, "InvalidToken",
                  "The provided token is malformed or otherwise invalid.");
}

absl::Status ExpiredSessionToken(Dialect dialect) {
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kUnauthenticated, "ExpiredToken",
                    "The provided token has expired.");
  }
  const bool query = dialect == Dialect::kQuery || dialect == Dialect::kEc2;
  return AwsError(absl::StatusCode::kUnauthenticated,
                  query ? "ExpiredToken" : "ExpiredTokenException",
                  "The security token included in the request is expired");
}

absl::Status SignatureMismatch(Dialect dialect) {
  if (dialect == Dialect::kEc2) return Ec2AuthFailure();
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kUnauthenticated, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.");
  }
  return AwsError(absl::StatusCode::kUnauthenticated,
                  dialect == Dialect::kQuery ? "SignatureDoesNotMatch" : "InvalidSignatureException",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.");
}

namespace {

std::string SpacedHexBytes(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(3 * text.size());
  for (unsigned char c : text) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

}  // namespace

// Real S3 answers a wrong signature with these elements beside Code and Message (header and
// presigned forms alike; the SigV2 form has no canonical request).
absl::Status S3SignatureMismatch(std::string_view access_key, std::string_view string_to_sign,
                                 std::string_view signature_provided,
                                 std::string_view canonical_request) {
  absl::Status status = SignatureMismatch(Dialect::kS3);
  status = WithErrorField(std::move(status), "AWSAccessKeyId", access_key);
  status = WithErrorField(std::move(status), "StringToSign", string_to_sign);
  status = WithErrorField(std::move(status), "SignatureProvided", signature_provided);
  status = WithErrorField(std::move(status), "StringToSignBytes", SpacedHexBytes(string_to_sign));
  if (!canonical_request.empty()) {
    status = WithErrorField(std::move(status), "CanonicalRequest", canonical_request);
    status = WithErrorField(std::move(status), "CanonicalRequestBytes",
                            SpacedHexBytes(canonical_request));
  }
  return status;
}

absl::Status UndeclaredPayloadHash() {
  return absl::FailedPreconditionError(
      "the signature covers the hash of a body that has not been read; buffer the body and use "
      "VerifySigV4");
}

bool IsUndeclaredPayloadHash(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition && AwsErrorCode(status).empty();
}

absl::Status PayloadHashMismatch(Dialect dialect) {
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kInvalidArgument, "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was "
                    "computed.");
  }
  // Non-S3 services hash the body themselves, so for them a changed body is a wrong signature.
  return SignatureMismatch(dialect);
}

absl::Status BadPayloadHashValue(Dialect dialect) {
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                    "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
  }
  return SignatureMismatch(dialect);
}

// A scope naming another `part` ("region" or "service") than the one required. AWS's JSON
// services answer 403 with these texts (trailing blank included); S3 calls the header (or query)
// malformed and names both.
absl::Status WrongScope(Dialect dialect, bool presigned, std::string_view part,
                        std::string_view given, std::string_view expected) {
  const std::string quoted_given = "'" + std::string(given) + "'";
  const std::string quoted_expected = "'" + std::string(expected) + "'";
  if (dialect == Dialect::kS3) {
    absl::Status malformed = Malformed(dialect, presigned,
                                       "the " + std::string(part) + " " + quoted_given +
                                           " is wrong; expecting " + quoted_expected);
    // S3 names the region it expects in an element of its own and, for HEAD answers that have
    // no body, in x-amz-bucket-region: botocore and the CLI read them to sign again for that
    // region (S3RegionRedirector), so a client set to another region works.
    if (part != "region") return malformed;
    return WithErrorHeader(WithErrorField(std::move(malformed), "Region", expected),
                           "x-amz-bucket-region", expected);
  }
  return AwsError(
      absl::StatusCode::kUnauthenticated, "InvalidSignatureException",
      part == "region"
          ? "Credential should be scoped to a valid region, not " + quoted_given + ". "
          : "Credential should be scoped to correct service: " + quoted_expected + ". ");
}

absl::Status ClockSkew(Dialect dialect, std::string_view amz_date, bool expired, int64_t now_millis,
                       int64_t window_millis) {
  if (dialect == Dialect::kS3) {
    return AwsError(absl::StatusCode::kUnauthenticated, "RequestTimeTooSkewed",
                    "The difference between the request time and the current time is too large.");
  }
  // AWS words it from the server's point of view, e.g. "Signature expired: 20220127T001427Z is
  // now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)".
  const int64_t now = now_millis / 1000;
  const int64_t window = window_millis / 1000;
  const std::string minutes = std::to_string(window / 60);
  std::string message;
  if (expired) {
    message = "Signature expired: " + std::string(amz_date) + " is now earlier than " +
              FormatAmzDate(now - window) + " (" + FormatAmzDate(now) + " - " + minutes + " min.)";
  } else {
    message = "Signature not yet current: " + std::string(amz_date) + " is still later than " +
              FormatAmzDate(now + window) + " (" + FormatAmzDate(now) + " + " + minutes + " min.)";
  }
  return AwsError(absl::StatusCode::kUnauthenticated, "InvalidSignatureException", message);
}

absl::Status PresignExpired(Dialect dialect) {
  return AwsError(absl::StatusCode::kPermissionDenied,
                  dialect == Dialect::kS3 ? "AccessDenied" : "AccessDeniedException",
                  "Request has expired");
}

absl::Status PresignNotYetValid(Dialect dialect) {
  return AwsError(absl::StatusCode::kPermissionDenied,
                  dialect == Dialect::kS3 ? "AccessDenied" : "AccessDeniedException",
                  "Request is not yet valid");
}

}  // namespace sigv4_internal

int SigV4HttpStatus(const absl::Status& status) {
  if (AwsErrorCode(status) == "AuthFailure") return 401;
  return status.code() == absl::StatusCode::kInvalidArgument ? 400 : 403;
}

bool IsMissingAuthentication(const absl::Status& status) {
  return AwsErrorCode(status) == "MissingAuthenticationTokenException";
}

}  // namespace serval::http
