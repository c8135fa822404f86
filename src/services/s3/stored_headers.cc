#include "services/s3/stored_headers.h"

#include "absl/strings/str_join.h"
#include "common/text.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace {

constexpr size_t kMaxUserMetadataBytes = 2048;
constexpr std::string_view kMetaPrefix = "x-amz-meta-";
constexpr std::string_view kStorageClasses[] = {
    "STANDARD",       "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",        "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
    "EXPRESS_ONEZONE"};

// Content-Encoding without aws-chunked, which only describes how this request's body travelled.
std::string StoredContentEncoding(std::string_view header) {
  std::vector<std::string_view> codings;
  for (std::string_view coding : SplitOn(header, ',')) {
    coding = TrimBlanks(coding);
    if (!coding.empty() && !EqualsIgnoreCase(coding, "aws-chunked")) {
      codings.push_back(coding);
    }
  }
  std::string joined;
  for (std::string_view coding : codings) {
    if (!joined.empty()) joined += ',';
    joined += coding;
  }
  return joined;
}

}  // namespace

absl::StatusOr<StoredHeaders> StoredHeadersOf(const http::Request& request) {
  StoredHeaders headers;
  headers.content_type = std::string(request.Header("Content-Type"));
  if (headers.content_type.empty()) headers.content_type = "binary/octet-stream";
  headers.content_encoding = StoredContentEncoding(request.Header("Content-Encoding"));
  headers.content_disposition = std::string(request.Header("Content-Disposition"));
  headers.content_language = std::string(request.Header("Content-Language"));
  headers.cache_control = std::string(request.Header("Cache-Control"));
  headers.expires = std::string(request.Header("Expires"));
  headers.website_redirect_location =
      std::string(request.Header("x-amz-website-redirect-location"));
  const std::string_view redirect = headers.website_redirect_location;
  if (!redirect.empty() && !redirect.starts_with('/') && !redirect.starts_with("http://") &&
      !redirect.starts_with("https://")) {
    return S3Error(400, "InvalidRedirectLocation",
                   "The website redirect location must have a prefix of 'http://' or 'https://' "
                   "or '/'.");
  }
  const std::string_view storage_class = request.Header("x-amz-storage-class");
  if (!storage_class.empty()) {
    if (std::find(std::begin(kStorageClasses), std::end(kStorageClasses), storage_class) ==
        std::end(kStorageClasses)) {
      return S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid");
    }
    if (storage_class != "STANDARD") headers.storage_class = std::string(storage_class);
  }
  if (absl::Status encryption = ReadEncryption(request, headers); !encryption.ok()) {
    return encryption;
  }
  size_t metadata_bytes = 0;
  for (const auto& [name, value] : request.headers) {
    if (name.size() <= kMetaPrefix.size() || !StartsWithIgnoreCase(name, kMetaPrefix)) {
      continue;
    }
    std::string meta_name = AsciiToLower(name.substr(kMetaPrefix.size()));
    metadata_bytes += meta_name.size() + value.size();
    headers.user_metadata.emplace_back(std::move(meta_name), value);
  }
  if (metadata_bytes > kMaxUserMetadataBytes) return MetadataTooLarge(metadata_bytes);
  return headers;
}

absl::Status ReadEncryption(const http::Request& request, StoredHeaders& headers) {
  if (request.HasHeader("x-amz-server-side-encryption-customer-algorithm") ||
      request.HasHeader("x-amz-server-side-encryption-customer-key")) {
    return InvalidRequest(
        "Requests specifying Server Side Encryption with Customer provided keys must be made over "
        "a secure connection.");
  }
  const std::string_view method = request.Header("x-amz-server-side-encryption");
  const std::string_view key = request.Header("x-amz-server-side-encryption-aws-kms-key-id");
  const bool kms = method == "aws:kms" || method == "aws:kms:dsse";
  if (!method.empty() && method != "AES256" && !kms) {
    return InvalidArgument("The encryption method specified is not supported",
                           "x-amz-server-side-encryption", method);
  }
  if (!key.empty() && !kms) {
    return InvalidArgument(
        "Server Side Encryption with AWS KMS managed key requires HTTP header "
        "x-amz-server-side-encryption : aws:kms",
        "x-amz-server-side-encryption", method.empty() ? "null" : method);
  }
  headers.server_side_encryption = kms ? std::string(method) : "";
  headers.kms_key_id = kms ? std::string(key) : "";
  return absl::OkStatus();
}

void AddEncryptionHeaders(const StoredHeaders& headers, http::Response& response) {
  if (headers.server_side_encryption.empty()) {
    response.SetHeader("x-amz-server-side-encryption", "AES256");
    return;
  }
  response.SetHeader("x-amz-server-side-encryption", headers.server_side_encryption);
  // Without a key named, S3 uses the account's AWS managed key for S3.
  response.SetHeader("x-amz-server-side-encryption-aws-kms-key-id",
                     headers.kms_key_id.empty() ? "alias/aws/s3" : headers.kms_key_id);
}

void AddStoredHeaders(const StoredHeaders& headers, http::Response& response) {
  auto add = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) response.SetHeader(std::string(name), value);
  };
  add("Content-Type", headers.content_type);
  add("Content-Encoding", headers.content_encoding);
  add("Content-Disposition", headers.content_disposition);
  add("Content-Language", headers.content_language);
  add("Cache-Control", headers.cache_control);
  add("Expires", headers.expires);
  add("x-amz-website-redirect-location", headers.website_redirect_location);
  add("x-amz-storage-class", headers.storage_class);
  AddEncryptionHeaders(headers, response);
  for (const auto& [name, value] : headers.user_metadata) {
    response.SetHeader(std::string(kMetaPrefix) + name, value);
  }
}

}  // namespace serval::s3
