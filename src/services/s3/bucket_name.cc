#include "services/s3/bucket_name.h"

#include <arpa/inet.h>

#include <string>

namespace serval::s3 {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool LooksLikeIpv4(std::string_view name) {
  in_addr ignored;
  return inet_pton(AF_INET, std::string(name).c_str(), &ignored) == 1;
}

}  // namespace

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!IsLowerAlnum(c) && c != '.' && c != '-') return false;
    if (c == '.' && i > 0 && name[i - 1] == '.') return false;
  }
  if (LooksLikeIpv4(name)) return false;
  for (std::string_view reserved_prefix : {"xn--", "sthree-"}) {
    if (name.starts_with(reserved_prefix)) return false;
  }
  for (std::string_view reserved_suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"}) {
    if (name.ends_with(reserved_suffix)) return false;
  }
  return true;
}

}  // namespace serval::s3
