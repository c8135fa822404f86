#pragma once

#include <string>
#include <string_view>

namespace serval::iam {

// The random identifiers IAM gives its entities, from OpenSSL's generator (access keys' secrets
// are credentials). Thread-safe.

// A unique id: `prefix` ("AROA" roles, "AIDA" users, "ANPA" policies) and 17 upper-case letters
// and digits, 21 characters in all as AWS's are.
std::string NewUniqueId(std::string_view prefix);
// "AKIA" and 16 upper-case letters and digits.
std::string NewAccessKeyId();
// 40 characters of the base64 alphabet, as AWS's secret access keys.
std::string NewSecretAccessKey();

}  // namespace serval::iam
