#include "http/form_signature.h"

#include <openssl/crypto.h>

#include "common/aws_error.h"
#include "http/sigv4_internal.h"

namespace serval::http {

namespace {

using sigv4_internal::AppendHex;
using sigv4_internal::AsView;
using sigv4_internal::Dialect;
using sigv4_internal::Digest;
using sigv4_internal::ScopeView;
using sigv4_internal::Sha256;

absl::Status BadCredential(std::string_view credential, std::string_view detail) {
  absl::Status status =
      AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument", std::string(detail));
  status = WithErrorField(std::move(status), "ArgumentName", "X-Amz-Credential");
  return WithErrorField(std::move(status), "ArgumentValue", credential);
}

bool SameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

absl::Status VerifyFormSignature(const FormSignature& form, const CredentialStore& credentials,
                                 int64_t now_millis, std::string_view region,
                                 VerifiedCaller* caller) {
  ScopeView scope;
  if (form.sigv4) {
    if (!sigv4_internal::ParseCredential(form.credential, &scope)) {
      return BadCredential(form.credential,
                           "Error parsing the X-Amz-Credential parameter; the Credential is "
                           "mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/"
                           "aws4_request\".");
    }
    if (scope.service != "s3") {
      return BadCredential(form.credential,
                           "Error parsing the X-Amz-Credential parameter; incorrect service \"" +
                               std::string(scope.service) + "\". This endpoint belongs to \"s3\".");
    }
    if (!region.empty() && scope.region != region) {
      return WithErrorField(BadCredential(form.credential, "the region '" +
                                                               std::string(scope.region) +
                                                               "' is wrong; expecting '" +
                                                               std::string(region) + "'"),
                            "Region", region);
    }
  } else {
    scope.access_key = form.access_key;
  }
  const CredentialStore::Identity* identity = credentials.Find(scope.access_key);
  if (identity == nullptr) {
    return WithErrorField(sigv4_internal::UnknownAccessKey(Dialect::kS3), "AWSAccessKeyId", scope.access_key);
  }
  if (absl::Status valid =
          sigv4_internal::CheckSessionToken(*identity, form.security_token, now_millis, Dialect::kS3);
      !valid.ok()) {
    return valid;
  }
  std::string expected;
  if (form.sigv4) {
    Sha256& sha = Sha256::ForThisThread();
    const Digest& key = sigv4_internal::SigningKey(sha, identity->secret, scope.date, scope.region, scope.service);
    AppendHex(sigv4_internal::HmacSha256(sha, "", AsView(key), form.policy), &expected);
  } else {
    expected = sigv4_internal::HmacSha1Base64(identity->secret, form.policy);
  }
  // botocore and the JS SDK send lower-case hex; S3 compares the hex as sent.
  if (!SameText(expected, form.signature)) {
    return sigv4_internal::S3SignatureMismatch(scope.access_key, form.policy, form.signature, "");
  }
  if (caller != nullptr) {
    caller->scope = {.access_key = std::string(scope.access_key),
                     .date = std::string(scope.date),
                     .region = std::string(scope.region),
                     .service = form.sigv4 ? std::string(scope.service) : "s3"};
    caller->form = form.sigv4 ? SigV4Form::kPresignedQuery : SigV4Form::kSigV2PresignedQuery;
    caller->payload = PayloadSigning::kUnsigned;
    caller->principal_arn = identity->principal_arn;
    caller->function_arn = identity->function_arn;
    caller->request_time_millis = now_millis;
  }
  return absl::OkStatus();
}

}  // namespace serval::http
