#include "http/basic_auth.h"

#include <openssl/crypto.h>

#include "common/aws_error.h"
#include "common/crypto.h"

namespace serval::http {
namespace {

constexpr std::string_view kScheme = "Basic ";

absl::Status Refused(std::string_view code, std::string_view message) {
  return WithErrorHeader(
      WithHttpStatus(AwsError(absl::StatusCode::kUnauthenticated, code, message), 401),
      "WWW-Authenticate", "Basic realm=\"serval\"");
}

}  // namespace

bool HasBasicAuth(const Request& headers) {
  return headers.Header("Authorization").starts_with(kScheme);
}

absl::Status VerifyBasicAuth(const Request& headers, const CredentialStore& store,
                             VerifiedCaller* caller) {
  std::string_view encoded = headers.Header("Authorization");
  encoded.remove_prefix(std::min(encoded.size(), kScheme.size()));
  absl::StatusOr<std::string> decoded = Base64Decode(encoded);
  const size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    return Refused("IncompleteSignature",
                   "Basic authorization must be base64(ACCESS_KEY:SECRET_KEY).");
  }
  const std::string_view access_key = std::string_view(*decoded).substr(0, colon);
  if (absl::Status status =
          VerifyOperatorSecret(store, access_key, std::string_view(*decoded).substr(colon + 1));
      !status.ok()) {
    return status;
  }
  caller->scope.access_key = std::string(access_key);
  return absl::OkStatus();
}

absl::Status VerifyOperatorSecret(const CredentialStore& store, std::string_view access_key,
                                  std::string_view secret) {
  const CredentialStore::Identity* identity = store.Find(access_key);
  if (identity == nullptr || !identity->is_operator()) {
    return Refused("InvalidClientTokenId",
                   "The security token included in the request is invalid.");
  }
  if (identity->secret.size() != secret.size() ||
      CRYPTO_memcmp(identity->secret.data(), secret.data(), secret.size()) != 0) {
    return Refused("SignatureDoesNotMatch", "The secret key does not match the access key.");
  }
  return absl::OkStatus();
}

}  // namespace serval::http
