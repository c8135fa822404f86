#include "services/sns/message_signer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "common/crypto.h"
#include "common/openssl_ptr.h"
#include "common/self_signed.h"
#include "storage/file_io.h"

namespace serval::sns {
namespace {

namespace fs = std::filesystem;

constexpr char kKeyFile[] = "signing-key.pem";
constexpr char kCertificateFile[] = "signing-cert.pem";
constexpr char kCommonName[] = "sns.serval.local";
constexpr int kValidityDays = 3650;

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return storage::ErrnoError("cannot open", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces `path` with `data` durably: a temp file with `mode`, fsync, rename, fsync of the dir.
absl::Status WriteFileDurably(const fs::path& path, std::string_view data, mode_t mode) {
  const fs::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return storage::ErrnoError("cannot create", temp);
  absl::Status written = storage::PWriteAll(fd, data, 0, temp);
  if (written.ok() && ::fsync(fd) != 0) written = storage::ErrnoError("cannot fsync", temp);
  ::close(fd);
  if (!written.ok()) return written;
  if (::rename(temp.c_str(), path.c_str()) != 0) return storage::ErrnoError("cannot rename", temp);
  return storage::SyncPath(path.parent_path());
}

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string Lines(std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
  std::string out;
  for (const auto& member : members)
    fmt::format_to(std::back_inserter(out), "{}\n{}\n", member.first, member.second);
  return out;
}

}  // namespace

struct MessageSigner::Key {
  EvpKeyPtr key;
};

absl::StatusOr<std::string> CanonicalString(const MessageFields& fields) {
  if (fields.type == "Notification") {
    std::string out = Lines({{"Message", fields.message}, {"MessageId", fields.message_id}});
    if (fields.subject) out += Lines({{"Subject", *fields.subject}});
    return out + Lines({{"Timestamp", fields.timestamp},
                        {"TopicArn", fields.topic_arn},
                        {"Type", fields.type}});
  }
  if (fields.type == "SubscriptionConfirmation" || fields.type == "UnsubscribeConfirmation") {
    return Lines({{"Message", fields.message},
                  {"MessageId", fields.message_id},
                  {"SubscribeURL", fields.subscribe_url},
                  {"Timestamp", fields.timestamp},
                  {"Token", fields.token},
                  {"TopicArn", fields.topic_arn},
                  {"Type", fields.type}});
  }
  return absl::InvalidArgumentError("no SNS signature for message type '" + fields.type + "'");
}

bool MessageSigner::Exists(const fs::path& dir) {
  std::error_code error;
  return fs::exists(dir / kKeyFile, error);
}

absl::StatusOr<std::unique_ptr<MessageSigner>> MessageSigner::Open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return absl::InternalError("cannot restrict " + dir.string() + ": " + ec.message());
  const fs::path key_path = dir / kKeyFile;
  const fs::path certificate_path = dir / kCertificateFile;
  // The certificate is renamed into place last, so without it the key is an interrupted first
  // start's and both are made anew.
  if (!fs::exists(certificate_path)) {
    absl::StatusOr<KeyAndCertificate> made = MakeSelfSignedCertificate(kCommonName, kValidityDays);
    if (!made.ok()) return made.status();
    if (absl::Status status = WriteFileDurably(key_path, made->key_pem, 0600); !status.ok()) {
      return status;
    }
    if (absl::Status status = WriteFileDurably(certificate_path, made->certificate_pem, 0644);
        !status.ok()) {
      return status;
    }
  }
  absl::StatusOr<std::string> key_pem = ReadFile(key_path);
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> certificate_pem = ReadFile(certificate_path);
  if (!certificate_pem.ok()) return certificate_pem.status();
  const auto unusable = [&dir](std::string_view what) {
    return absl::FailedPreconditionError(
        fmt::format("the SNS signing {} in {} is unusable", what, dir.string()));
  };
  BioPtr key_bio = MemoryBio(*key_pem);
  auto key = std::make_unique<Key>();
  key->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key->key) return unusable("key");
  BioPtr certificate_bio = MemoryBio(*certificate_pem);
  X509Ptr certificate(PEM_read_bio_X509(certificate_bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) return unusable("certificate");
  if (X509_check_private_key(certificate.get(), key->key.get()) != 1) {
    return unusable("key and certificate pair");
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(certificate.get(), &der);
  if (der_size <= 0) return unusable("certificate");
  const std::string digest = Sha256(std::string_view(reinterpret_cast<char*>(der), der_size));
  OPENSSL_free(der);
  std::string name =
      fmt::format("SimpleNotificationService-{}.pem", absl::BytesToHexString(digest.substr(0, 16)));
  return std::unique_ptr<MessageSigner>(
      new MessageSigner(std::move(key), std::move(*certificate_pem), std::move(name)));
}

MessageSigner::MessageSigner(std::unique_ptr<Key> key, std::string certificate_pem,
                             std::string certificate_file_name)
    : key_(std::move(key)),
      certificate_pem_(std::move(certificate_pem)),
      certificate_file_name_(std::move(certificate_file_name)) {}

MessageSigner::~MessageSigner() = default;

absl::StatusOr<std::string> MessageSigner::Sign(const MessageFields& fields,
                                                std::string_view signature_version) const {
  const EVP_MD* digest = signature_version == "1"   ? EVP_sha1()
                         : signature_version == "2" ? EVP_sha256()
                                                    : nullptr;
  if (digest == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("unknown SignatureVersion '{}'", signature_version));
  }
  absl::StatusOr<std::string> canonical = CanonicalString(fields);
  if (!canonical.ok()) return canonical.status();
  EvpDigestPtr context(EVP_MD_CTX_new());
  size_t size = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key_->key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(canonical->data()),
                     canonical->size()) != 1) {
    return absl::InternalError("cannot sign an SNS message");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(canonical->data()),
                     canonical->size()) != 1) {
    return absl::InternalError("cannot sign an SNS message");
  }
  signature.resize(size);
  return Base64Encode(signature);
}

}  // namespace serval::sns
