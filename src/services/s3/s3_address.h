#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::s3 {

// What an S3 request addresses, from its Host header and path. Path style
// (`http://127.0.0.1:4566/BUCKET/KEY`, botocore's default with an endpoint URL) and virtual-host
// style (`Host: BUCKET.s3.localhost:4566` or `BUCKET.localhost:4566`, the JS SDK v3's default)
// both work; `BUCKET.s3-website.localhost` addresses a bucket's website endpoint, and so does
// the path `/_website/BUCKET/KEY` for clients that cannot set Host ('_' never occurs in a
// bucket name, and Serval's own paths start with `/_serval/`). Keys are the
// path after the bucket, percent-decoded, exactly as sent otherwise: "//", a trailing "/", "+"
// and spaces survive. Thread-compatible value.
struct S3Address {
  std::string bucket;  // empty: the service itself (ListBuckets)
  std::string key;     // empty: the bucket
  bool virtual_host = false;
  bool website = false;
  // Where the website's keys sit on this host: "" (Host form) or "/_website/BUCKET".
  std::string website_root;
};

// Host suffixes that name a bucket in their first labels.
inline constexpr std::string_view kWebsiteHostSuffix = ".s3-website.localhost";
inline constexpr std::string_view kVirtualHostSuffixes[] = {".s3.localhost", ".localhost"};
// The path form of website endpoints, without its leading '/'.
inline constexpr std::string_view kWebsitePathPrefix = "_website/";

S3Address AddressOf(const http::Request& request);

// The bucket and key x-amz-copy-source names ("/b/k" or "b/k", percent-encoded, maybe with
// "?versionId="): InvalidArgument unless it names both.
absl::StatusOr<std::pair<std::string, std::string>> CopySourceOf(std::string_view header);
// The version id after "?versionId=" in x-amz-copy-source, if any.
std::string_view CopySourceVersion(std::string_view header);

}  // namespace serval::s3
