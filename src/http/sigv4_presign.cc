#include <string>

#include "common/percent_encoding.h"
#include "http/sigv4.h"
#include "http/sigv4_internal.h"

// The presigned (query-string) form of SigV4: verifying it (VerifyQueryForm) and producing it
// (PresignTarget, for the URLs Serval hands out).

namespace serval::http {
namespace sigv4_internal {
namespace {

constexpr int64_t kMaxPresignSeconds = 7 * 24 * 3600;  // S3's limit for X-Amz-Expires

}  // namespace

bool HasPresignParameters(const QueryPairs& query) {
  for (const QueryPair& pair : query) {
    if (pair.key == "X-Amz-Algorithm" || pair.key == "X-Amz-Credential" ||
        pair.key == "X-Amz-Signature") {
      return true;
    }
  }
  return false;
}

absl::Status VerifyQueryForm(const Request& request, const QueryPairs& query,
                             const CredentialStore& credentials, int64_t now_millis,
                             const SigV4Options& options, bool headers_only,
                             VerifiedCaller* caller) {
  // Values are percent-decoded; they are short, and most need no decoding at all.
  auto decoded = [&query](std::string_view key) -> std::optional<std::string> {
    const std::optional<std::string_view> raw = FindRaw(query, key);
    if (!raw.has_value()) return std::nullopt;
    return raw->find('%') == std::string_view::npos ? std::string(*raw) : PercentDecode(*raw);
  };
  const std::optional<std::string> algorithm = decoded("X-Amz-Algorithm");
  const std::optional<std::string> credential = decoded("X-Amz-Credential");
  const std::optional<std::string> date = decoded("X-Amz-Date");
  const std::optional<std::string> expires = decoded("X-Amz-Expires");
  const std::optional<std::string> signed_headers = decoded("X-Amz-SignedHeaders");
  const std::optional<std::string> signature = decoded("X-Amz-Signature");

  SignedRequest signed_request;
  signed_request.presigned = true;
  signed_request.headers_only = headers_only;
  Dialect dialect = Dialect::kJson;
  const bool scope_ok =
      credential.has_value() && ParseCredential(*credential, &signed_request.scope);
  if (scope_ok) dialect = DialectFor(signed_request.scope.service);

  if (!algorithm || !credential || !date || !expires || !signed_headers || !signature) {
    return MalformedQuery(dialect,
                          "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                          "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                          "and X-Amz-Expires parameters.");
  }
  if (*algorithm != kAlgorithm) {
    return MalformedQuery(dialect, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (!scope_ok) {
    return MalformedQuery(dialect,
                          "Error parsing the X-Amz-Credential parameter; the "
                          "Credential is mal-formed; expecting "
                          "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  if (!ParseAmzDate(*date, &signed_request.request_seconds)) {
    return MalformedQuery(dialect,
                          "X-Amz-Date must be in the ISO8601 Long Format "
                          "\"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (std::string_view(*date).substr(0, 8) != signed_request.scope.date) {
    return MalformedQuery(dialect, "Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  int expires_seconds = 0;
  if (expires->size() > 9 || !ParseDigits(*expires, &expires_seconds)) {
    return MalformedQuery(dialect, "X-Amz-Expires should be a number");
  }
  if (expires_seconds > kMaxPresignSeconds) {
    return MalformedQuery(dialect,
                          "X-Amz-Expires must be less than a week (in seconds) that is; 604800");
  }
  const int64_t request_millis = signed_request.request_seconds * 1000;
  if (request_millis > now_millis + options.max_clock_skew_millis) {
    return PresignNotYetValid(dialect);
  }
  if (now_millis > request_millis + int64_t{expires_seconds} * 1000) {
    return PresignExpired(dialect);
  }

  signed_request.amz_date = *date;
  signed_request.signed_headers = *signed_headers;
  signed_request.signature = *signature;
  std::optional<std::string> content_sha256 = decoded("X-Amz-Content-Sha256");
  if (content_sha256.has_value()) {
    signed_request.content_sha256 = *content_sha256;
  } else if (request.HasHeader("x-amz-content-sha256")) {
    signed_request.content_sha256 = request.Header("x-amz-content-sha256");
  }
  signed_request.query = &query;
  signed_request.now_millis = now_millis;
  signed_request.security_token = decoded("X-Amz-Security-Token").value_or("");
  return Verify(request, signed_request, credentials, options, caller);
}

}  // namespace sigv4_internal

using sigv4_internal::AppendHex;
using sigv4_internal::FormatCredential;
using sigv4_internal::kAlgorithm;
using sigv4_internal::ScopeView;
using sigv4_internal::Sha256;
using sigv4_internal::SignatureFor;

std::string PresignTarget(std::string_view method, std::string_view host, std::string_view path,
                          std::string_view access_key, std::string_view secret,
                          std::string_view region, std::string_view service, int64_t now_millis,
                          int expires_seconds) {
  const std::string amz_date = FormatAmzDate(now_millis / 1000);
  const std::string date = amz_date.substr(0, 8);
  const ScopeView scope{access_key, date, region, service};
  // Parameters in canonical (sorted) order, values percent-encoded as the query carries them.
  Request request{.method = std::string(method),
                  .target = std::string(path) + "?X-Amz-Algorithm=" + std::string(kAlgorithm) +
                            "&X-Amz-Credential=" + PercentEncode(FormatCredential(scope)) +
                            "&X-Amz-Date=" + amz_date + "&X-Amz-Expires=" +
                            std::to_string(expires_seconds) + "&X-Amz-SignedHeaders=host",
                  .headers = {{"Host", std::string(host)}}};
  std::string payload_hash;
  AppendHex(Sha256::ForThisThread().Of(""), &payload_hash);
  const std::string signature =
      SignatureFor(request, /*presigned=*/true, scope, amz_date, "host", payload_hash, secret);
  return request.target + "&X-Amz-Signature=" + signature;
}

}  // namespace serval::http
