#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace serval {

// A private key and the certificate for it, both PEM.
struct KeyAndCertificate {
  std::string key_pem;          // PKCS#8 "PRIVATE KEY"
  std::string certificate_pem;  // "CERTIFICATE"
};

// Makes a new RSA-2048 key and a self-signed X.509 v3 certificate for it (SHA-256 signature,
// random serial), subject and issuer CN=`common_name`, valid from now for `days` days.
// `alt_names` become its subjectAltName, each in OpenSSL's form ("DNS:localhost",
// "IP:127.0.0.1"); empty: none. Thread-safe.
absl::StatusOr<KeyAndCertificate> MakeSelfSignedCertificate(
    const std::string& common_name, int days, const std::vector<std::string>& alt_names = {});

}  // namespace serval
