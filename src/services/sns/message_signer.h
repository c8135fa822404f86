#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::sns {

// The members of an SNS message sent to an HTTP/S endpoint that its signature covers, by their
// JSON names. Values are the message's own (unescaped) text.
struct MessageFields {
  std::string type;     // "Notification", "SubscriptionConfirmation" or "UnsubscribeConfirmation"
  std::string message;  // Message
  std::string message_id;              // MessageId
  std::optional<std::string> subject;  // Subject: Notification only, when published with one
  std::string subscribe_url;           // SubscribeURL: confirmations only
  std::string timestamp;               // Timestamp, e.g. "2019-01-31T04:37:04.321Z"
  std::string token;                   // Token: confirmations only
  std::string topic_arn;               // TopicArn
};

// The string AWS signs for `fields`: "Name\nvalue\n" for each signed member in byte order of the
// names: for a Notification Message, MessageId, Subject (only when present), Timestamp, TopicArn,
// Type; for SubscriptionConfirmation and UnsubscribeConfirmation Message, MessageId,
// SubscribeURL, Timestamp, Token, TopicArn, Type. InvalidArgument for another type.
absl::StatusOr<std::string> CanonicalString(const MessageFields& fields);

// Signs SNS messages as AWS does, with a key and self-signed certificate of Serval's own that
// endpoints fetch from SigningCertURL to verify them. Thread-safe (immutable after Open).
class MessageSigner {
 public:
  // Loads the key and certificate from `dir` (signing-key.pem, signing-cert.pem), or at the
  // first start makes them there: an RSA-2048 key (file mode 0600, directory 0700) and a
  // certificate CN=sns.serval.local valid for 10 years, written durably (temp file, fsync,
  // rename). Blocking: for startup. FailedPrecondition if the files exist but do not load or do
  // not belong together.
  static absl::StatusOr<std::unique_ptr<MessageSigner>> Open(const std::filesystem::path& dir);
  // Whether `dir` holds a key (Open then loads rather than makes one).
  static bool Exists(const std::filesystem::path& dir);
  ~MessageSigner();
  MessageSigner(const MessageSigner&) = delete;
  MessageSigner& operator=(const MessageSigner&) = delete;

  // The base64 signature of CanonicalString(fields): SignatureVersion "1" is SHA1withRSA, "2"
  // SHA256withRSA (RSASSA-PKCS1-v1_5). InvalidArgument for another version or message type.
  absl::StatusOr<std::string> Sign(const MessageFields& fields,
                                   std::string_view signature_version) const;

  // The certificate, PEM, as served at SigningCertURL.
  const std::string& CertificatePem() const { return certificate_pem_; }
  // "SimpleNotificationService-<32 hex digits>.pem": the digits are the first 16 bytes of the
  // SHA-256 of the certificate's DER, so a new certificate gets a new name (AWS's names have the
  // same shape).
  const std::string& CertificateFileName() const { return certificate_file_name_; }

 private:
  struct Key;
  MessageSigner(std::unique_ptr<Key> key, std::string certificate_pem,
                std::string certificate_file_name);

  std::unique_ptr<Key> key_;
  const std::string certificate_pem_;
  const std::string certificate_file_name_;
};

}  // namespace serval::sns
