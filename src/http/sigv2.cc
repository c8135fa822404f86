#include "http/sigv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <string>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "http/sigv4_internal.h"

namespace serval::http {
namespace {

using sigv4_internal::Dialect;
using sigv4_internal::FindRaw;
using sigv4_internal::QueryPair;
using sigv4_internal::QueryPairs;

// The sub-resources botocore's HmacV1Auth puts in the canonical resource (QSAOfInterest).
constexpr std::string_view kSubResources[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

bool IsSubResource(std::string_view key) {
  return std::find(std::begin(kSubResources), std::end(kSubResources), key) !=
         std::end(kSubResources);
}

absl::Status AccessDenied(std::string_view message) {
  return AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied", message);
}

// The x-amz-* headers (and, for the query form, x-amz-* query parameters) as "name:value\n"
// lines, sorted by name.
std::string CanonicalAmzHeaders(const Request& request, const QueryPairs* query) {
  std::vector<std::pair<std::string, std::string>> found;  // lower-case name, joined values
  auto add = [&found](std::string name, std::string_view value) {
    for (auto& [key, joined] : found) {
      if (key == name) {
        joined.append(",").append(TrimBlanks(value));
        return;
      }
    }
    found.emplace_back(std::move(name), std::string(TrimBlanks(value)));
  };
  for (const auto& [name, value] : request.headers) {
    std::string lower = AsciiToLower(name);
    if (lower.starts_with("x-amz-")) add(std::move(lower), value);
  }
  if (query != nullptr) {
    for (const QueryPair& pair : *query) {
      std::string lower = AsciiToLower(PercentDecode(pair.key));
      if (lower.starts_with("x-amz-")) add(std::move(lower), PercentDecode(pair.value));
    }
  }
  std::sort(found.begin(), found.end());
  std::string out;
  for (const auto& [name, value] : found) out.append(name).append(":").append(value).append("\n");
  return out;
}

// `bucket_slash`: a path naming only a bucket ("/name") as "/name/", the form botocore signs a
// path-style bucket request in (it computes the resource as for the bucket's virtual host).
std::string CanonicalResource(const Request& request, const QueryPairs& query,
                              std::string_view virtual_host_bucket, bool bucket_slash) {
  std::string resource;
  if (!virtual_host_bucket.empty()) resource.append("/").append(virtual_host_bucket);
  resource.append(request.RawPath());
  if (bucket_slash) resource.append("/");
  std::vector<std::pair<std::string_view, std::string>> sub;  // key, "key" or "key=value"
  for (const QueryPair& pair : query) {
    if (!IsSubResource(pair.key)) continue;
    // SplitQuery leaves the value null for "key" and empty for "key=" (botocore keeps the '=').
    const bool has_equals = pair.value.data() != nullptr;
    std::string item(pair.key);
    if (has_equals) item.append("=").append(PercentDecode(pair.value));
    sub.emplace_back(pair.key, std::move(item));
  }
  std::stable_sort(sub.begin(), sub.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < sub.size(); ++i) resource.append(i == 0 ? "?" : "&").append(sub[i].second);
  return resource;
}

}  // namespace

namespace sigv4_internal {

std::string HmacSha1Base64(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &size);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace sigv4_internal

bool HasSigV2(const Request& request) {
  const std::string_view authorization = TrimBlanks(request.Header("authorization"));
  if (authorization.starts_with("AWS ")) return true;
  QueryPairs query;
  sigv4_internal::SplitQuery(request.RawQuery(), &query);
  return FindRaw(query, "AWSAccessKeyId").has_value() && FindRaw(query, "Signature").has_value();
}

absl::Status VerifySigV2(const Request& request, const CredentialStore& credentials,
                         int64_t now_millis, VerifiedCaller* caller, const SigV2Options& options) {
  QueryPairs query;
  sigv4_internal::SplitQuery(request.RawQuery(), &query);
  const std::string_view authorization = TrimBlanks(request.Header("authorization"));
  const bool presigned = !authorization.starts_with("AWS ");

  std::string access_key, signature, date_line, token;
  int64_t request_seconds = 0;
  if (presigned) {
    const auto key = FindRaw(query, "AWSAccessKeyId");
    const auto sig = FindRaw(query, "Signature");
    const auto expires = FindRaw(query, "Expires");
    if (!key || !sig || !expires) {
      return AccessDenied(
          "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
          "parameters");
    }
    access_key = PercentDecode(*key);
    signature = PercentDecode(*sig);
    date_line = PercentDecode(*expires);
    int seconds = 0;
    if (date_line.size() > 10 || !ParseDigits(date_line, &seconds)) {
      return AccessDenied("Invalid date (should be seconds since epoch): " + date_line);
    }
    request_seconds = seconds;
    if (now_millis > request_seconds * 1000) {
      absl::Status status = AccessDenied("Request has expired");
      status = WithErrorField(std::move(status), "Expires", FormatIso8601Seconds(request_seconds));
      return WithErrorField(std::move(status), "ServerTime",
                            FormatIso8601Seconds(now_millis / 1000));
    }
    token = PercentDecode(FindRaw(query, "x-amz-security-token").value_or(""));
  } else {
    const std::string_view credentials_part = TrimBlanks(authorization.substr(4));
    const size_t colon = credentials_part.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials_part.size()) {
      return AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                      "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
    }
    access_key.assign(credentials_part.substr(0, colon));
    signature.assign(credentials_part.substr(colon + 1));
    // x-amz-date, when sent, is the time and leaves the Date line empty.
    const std::string_view amz_date = request.Header("x-amz-date");
    const std::string_view date = amz_date.empty() ? request.Header("date") : amz_date;
    if (date.empty() || !ParseHttpDate(TrimBlanks(date), &request_seconds)) {
      return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
    }
    if (amz_date.empty()) date_line.assign(TrimBlanks(date));
    const int64_t skew = request_seconds * 1000 - now_millis;
    if (skew > options.max_clock_skew_millis || -skew > options.max_clock_skew_millis) {
      return sigv4_internal::ClockSkew(Dialect::kS3, date, skew < 0, now_millis,
                                       options.max_clock_skew_millis);
    }
    token.assign(request.Header("x-amz-security-token"));
  }

  const CredentialStore::Identity* identity = credentials.Find(access_key);
  if (identity == nullptr) return sigv4_internal::UnknownAccessKey(Dialect::kS3);
  if (absl::Status valid = sigv4_internal::CheckSessionToken(*identity, token, now_millis,
                                                              Dialect::kS3);
      !valid.ok()) {
    return valid;
  }

  std::string content_type(TrimBlanks(request.Header("content-type")));
  std::string content_md5(TrimBlanks(request.Header("content-md5")));
  if (presigned && content_type.empty()) {
    content_type = PercentDecode(FindRaw(query, "content-type").value_or(""));
  }
  if (presigned && content_md5.empty()) {
    content_md5 = PercentDecode(FindRaw(query, "content-md5").value_or(""));
  }
  const std::string head = request.method + "\n" + content_md5 + "\n" + content_type + "\n" +
                           date_line + "\n" +
                           CanonicalAmzHeaders(request, presigned ? &query : nullptr);
  auto matches = [&](bool bucket_slash) {
    const std::string expected = sigv4_internal::HmacSha1Base64(
        identity->secret,
        head + CanonicalResource(request, query, options.virtual_host_bucket, bucket_slash));
    return expected.size() == signature.size() &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
  };
  const std::string_view path = request.RawPath();
  const bool bucket_only_path = options.virtual_host_bucket.empty() && path.size() > 1 &&
                                path.find('/', 1) == std::string_view::npos;
  if (!matches(false) && !(bucket_only_path && matches(true))) {
    return sigv4_internal::S3SignatureMismatch(
        access_key, head + CanonicalResource(request, query, options.virtual_host_bucket, false),
        signature, {});
  }

  if (caller != nullptr) {
    caller->scope = {access_key, "", "", "s3"};
    caller->principal_arn = identity->principal_arn;
    caller->function_arn = identity->function_arn;
    caller->form =
        presigned ? SigV4Form::kSigV2PresignedQuery : SigV4Form::kSigV2AuthorizationHeader;
    caller->payload = PayloadSigning::kUnsigned;
    caller->request_time_millis = request_seconds * 1000;
    caller->seed_signature.clear();
    caller->amz_date.clear();
    caller->signing_key.clear();
    caller->declared_payload_sha256.clear();
  }
  return absl::OkStatus();
}

}  // namespace serval::http
