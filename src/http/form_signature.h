#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "http/credential_store.h"
#include "http/sigv4.h"

namespace serval::http {

// The signature of a browser-form upload (S3 POST Object): the form carries a base64 policy
// document and a signature over that string exactly as sent, made as botocore's
// generate_presigned_post and the JS SDK's createPresignedPost make it:
//   SigV4: lower-case hex HMAC-SHA256(signing key of the x-amz-credential scope, policy), the
//          scope's date being the signing key's date;
//   SigV2: base64 HMAC-SHA1(secret, policy).
// The policy itself (expiry, conditions) is the service's to check once the signature holds.
struct FormSignature {
  bool sigv4 = true;
  std::string credential;  // SigV4: x-amz-credential ("AKID/yyyymmdd/region/s3/aws4_request")
  std::string access_key;  // SigV2: AWSAccessKeyId
  std::string signature;   // x-amz-signature (SigV4) or signature (SigV2), as sent
  std::string security_token;  // x-amz-security-token, for temporary keys
  std::string policy;          // the policy field, as sent
};

// Verifies `form` against `credentials` at `now_millis`. `region`, when not empty, is the one
// region a SigV4 scope may name. On success fills `*caller` (may be null): scope, form
// (kSigV2PresignedQuery or kPresignedQuery: no header signed it), principal, payload kUnsigned.
// Failures are S3's: a malformed credential 400 InvalidArgument naming X-Amz-Credential, another
// region 400 InvalidArgument with <Region>, an unknown key 403 InvalidAccessKeyId, a bad session
// token 403 InvalidToken / ExpiredToken, a wrong signature 403 SignatureDoesNotMatch with
// AWSAccessKeyId, StringToSign (the policy), SignatureProvided and StringToSignBytes.
// Thread-safe.
absl::Status VerifyFormSignature(const FormSignature& form, const CredentialStore& credentials,
                                 int64_t now_millis, std::string_view region,
                                 VerifiedCaller* caller);

}  // namespace serval::http
