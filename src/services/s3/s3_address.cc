#include "services/s3/s3_address.h"

#include "common/percent_encoding.h"
#include "common/text.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace {

std::string HostWithoutPort(std::string_view host) {
  if (host.starts_with('[')) return std::string(host.substr(0, host.find(']') + 1));
  return AsciiToLower(host.substr(0, host.rfind(':')));
}

// The bucket named by the leading labels of `host`, if it ends with `suffix` after at least one.
bool BucketFromHost(std::string_view host, std::string_view suffix, std::string* bucket) {
  if (host.size() <= suffix.size() || !host.ends_with(suffix)) return false;
  *bucket = std::string(host.substr(0, host.size() - suffix.size()));
  return true;
}

}  // namespace

S3Address AddressOf(const http::Request& request) {
  S3Address address;
  const std::string host = HostWithoutPort(request.Header("Host"));
  std::string_view path = request.RawPath();
  if (path.starts_with('/')) path.remove_prefix(1);
  if (BucketFromHost(host, kWebsiteHostSuffix, &address.bucket)) {
    address.website = true;
    address.virtual_host = true;
  } else {
    for (std::string_view suffix : kVirtualHostSuffixes) {
      if (BucketFromHost(host, suffix, &address.bucket)) {
        // "s3.localhost" itself is the service endpoint, not a bucket named "s3".
        address.virtual_host = address.bucket != "s3";
        if (!address.virtual_host) address.bucket.clear();
        break;
      }
    }
  }
  if (!address.virtual_host) {
    if (path.starts_with(kWebsitePathPrefix)) {
      path.remove_prefix(kWebsitePathPrefix.size());
      address.website = true;
    }
    const size_t slash = path.find('/');
    address.bucket = PercentDecode(path.substr(0, slash));
    if (address.website) {
      address.website_root =
          "/" + std::string(kWebsitePathPrefix) + std::string(path.substr(0, slash));
    }
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  address.key = PercentDecode(path);
  return address;
}

absl::StatusOr<std::pair<std::string, std::string>> CopySourceOf(std::string_view header) {
  header = header.substr(0, header.find('?'));
  std::string source = PercentDecode(header);
  if (source.starts_with('/')) source.erase(0, 1);
  const size_t slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == source.size()) {
    return InvalidArgument(
        "Copy Source must mention the source bucket and key: "
        "sourcebucket/sourcekey",
        "x-amz-copy-source", header);
  }
  return std::make_pair(source.substr(0, slash), source.substr(slash + 1));
}

std::string_view CopySourceVersion(std::string_view header) {
  constexpr std::string_view kParameter = "versionId=";
  const size_t query = header.find('?');
  if (query == std::string_view::npos) return {};
  const size_t at = header.find(kParameter, query);
  if (at == std::string_view::npos) return {};
  const std::string_view value = header.substr(at + kParameter.size());
  return value.substr(0, value.find('&'));
}

}  // namespace serval::s3
