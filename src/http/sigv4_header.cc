#include <strings.h>

#include "common/aws_error.h"
#include "http/sigv4.h"
#include "http/sigv4_internal.h"

// The Authorization-header form of SigV4: verifying it (VerifyHeaderForm) and producing it
// (SignRequest, for Serval's own clients).

namespace serval::http {
namespace sigv4_internal {

absl::Status VerifyHeaderForm(const Request& request, std::string_view authorization,
                              const QueryPairs& query, const CredentialStore& credentials,
                              int64_t now_millis, const SigV4Options& options, bool headers_only,
                              VerifiedCaller* caller) {
  AuthorizationHeader header;
  const std::string problem = ParseAuthorizationHeader(authorization, &header);
  SignedRequest signed_request;
  signed_request.headers_only = headers_only;
  // Until the scope is known, speak the JSON dialect; S3 clients never get this far wrong.
  Dialect dialect = Dialect::kJson;
  if (!header.credential.empty() && ParseCredential(header.credential, &signed_request.scope)) {
    dialect = DialectFor(signed_request.scope.service);
  }
  if (header.algorithm != kAlgorithm) {
    return MalformedHeader(dialect, "Unsupported signing algorithm '" +
                                        std::string(header.algorithm) +
                                        "'; only AWS4-HMAC-SHA256 is accepted.");
  }
  if (!problem.empty()) return MalformedHeader(dialect, problem);
  if (signed_request.scope.access_key.empty()) {
    return MalformedHeader(dialect,
                           "Credential should be scoped to a valid date, region and "
                           "service: 'ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request'.");
  }

  // The signing time: X-Amz-Date, or failing that the Date header.
  std::string date_from_http;
  std::string_view amz_date = request.Header("x-amz-date");
  if (!amz_date.empty()) {
    if (!ParseAmzDate(amz_date, &signed_request.request_seconds)) {
      return MalformedHeader(dialect,
                             "X-Amz-Date must be in the ISO-8601 basic format "
                             "yyyyMMdd'T'HHmmss'Z'.");
    }
  } else {
    const std::string_view date = request.Header("date");
    if (date.empty()) {
      return MalformedHeader(dialect,
                             "Authorization header requires existence of either a "
                             "'X-Amz-Date' or a 'Date' header.");
    }
    if (!ParseHttpDate(date, &signed_request.request_seconds)) {
      return MalformedHeader(dialect, "Date header is not an HTTP date.");
    }
    date_from_http = FormatAmzDate(signed_request.request_seconds);
    amz_date = date_from_http;
  }
  if (amz_date.substr(0, 8) != signed_request.scope.date) {
    if (dialect == Dialect::kS3) {
      return MalformedHeader(dialect,
                             "Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    return AwsError(absl::StatusCode::kUnauthenticated, "InvalidSignatureException",
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                    "date from HTTP: '" +
                        std::string(signed_request.scope.date) + "' != '" +
                        std::string(amz_date.substr(0, 8)) + "', from '" + std::string(amz_date) +
                        "'.");
  }
  const int64_t request_millis = signed_request.request_seconds * 1000;
  if (request_millis < now_millis - options.max_clock_skew_millis) {
    return ClockSkew(dialect, amz_date, /*expired=*/true, now_millis,
                     options.max_clock_skew_millis);
  }
  if (request_millis > now_millis + options.max_clock_skew_millis) {
    return ClockSkew(dialect, amz_date, /*expired=*/false, now_millis,
                     options.max_clock_skew_millis);
  }

  signed_request.amz_date = amz_date;
  signed_request.signed_headers = header.signed_headers;
  signed_request.signature = header.signature;
  if (request.HasHeader("x-amz-content-sha256")) {
    signed_request.content_sha256 = request.Header("x-amz-content-sha256");
  }
  signed_request.query = &query;
  signed_request.now_millis = now_millis;
  return Verify(request, signed_request, credentials, options, caller);
}

}  // namespace sigv4_internal

using sigv4_internal::AppendHex;
using sigv4_internal::FormatCredential;
using sigv4_internal::kAlgorithm;
using sigv4_internal::ScopeView;
using sigv4_internal::Sha256;
using sigv4_internal::SignatureFor;

void SignRequest(Request& request, std::string_view access_key, std::string_view secret,
                 std::string_view region, std::string_view service, int64_t now_millis) {
  const std::string amz_date = FormatAmzDate(now_millis / 1000);
  std::string payload_hash;
  AppendHex(Sha256::ForThisThread().Of(request.body), &payload_hash);
  auto set_header = [&request](std::string name, std::string value) {
    for (auto& [key, existing] : request.headers) {
      if (key.size() == name.size() && strncasecmp(key.c_str(), name.c_str(), key.size()) == 0) {
        existing = std::move(value);
        return;
      }
    }
    request.headers.emplace_back(std::move(name), std::move(value));
  };
  set_header("X-Amz-Date", amz_date);
  set_header("X-Amz-Content-Sha256", payload_hash);
  const std::string date = amz_date.substr(0, 8);
  const ScopeView scope{access_key, date, region, service};
  constexpr std::string_view kSignedHeaders = "host;x-amz-content-sha256;x-amz-date";
  set_header("Authorization", std::string(kAlgorithm) + " Credential=" + FormatCredential(scope) +
                                  ", SignedHeaders=" + std::string(kSignedHeaders) +
                                  ", Signature=" +
                                  SignatureFor(request, /*presigned=*/false, scope, amz_date,
                                               kSignedHeaders, payload_hash, secret));
}

}  // namespace serval::http
