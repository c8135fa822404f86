#include "common/self_signed.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/str_join.h"
#include "common/openssl_ptr.h"

namespace serval {
namespace {

using ExtPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, size > 0 ? static_cast<size_t>(size) : 0);
}

}  // namespace

absl::StatusOr<KeyAndCertificate> MakeSelfSignedCertificate(
    const std::string& common_name, int days, const std::vector<std::string>& alt_names) {
  const auto failed = [](const char* what) {
    return absl::InternalError(std::string("cannot make a certificate: ") + what);
  };
  EvpKeyPtr key(EVP_RSA_gen(2048));
  if (!key) return failed("RSA key generation");
  X509Ptr cert(X509_new());
  BignumPtr serial(BN_new());
  if (!cert || !serial) return failed("allocation");
  // A positive 127-bit serial: unique without a registry (RFC 5280 allows up to 20 octets).
  if (BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return failed("serial number");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_set_version(cert.get(), 2) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return failed("fields");
  }
  if (!alt_names.empty()) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
    const std::string value = absl::StrJoin(alt_names, ",");
    ExtPtr extension(X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, value.c_str()));
    if (!extension || X509_add_ext(cert.get(), extension.get(), -1) != 1) {
      return failed("subjectAltName");
    }
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return failed("signature");
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (!key_bio || !cert_bio ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return failed("PEM encoding");
  }
  return KeyAndCertificate{.key_pem = Drain(key_bio.get()),
                           .certificate_pem = Drain(cert_bio.get())};
}

}  // namespace serval
