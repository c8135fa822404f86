#include "services/sns/message_signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/openssl_ptr.h"
#include "gtest/gtest.h"

namespace serval::sns {
namespace {

namespace fs = std::filesystem;

MessageFields Notification() {
  return MessageFields{.type = "Notification",
                       .message = "My Test Message\nwith two lines",
                       .message_id = "4d4dc071-ddbf-465d-bba8-08f81c89da64",
                       .subject = "My subject",
                       .timestamp = "2019-01-31T04:37:04.321Z",
                       .topic_arn = "arn:aws:sns:us-east-2:123456789012:MyTopic"};
}

MessageFields Confirmation(const std::string& type) {
  return MessageFields{
      .type = type,
      .message = "You have chosen to subscribe to the topic.",
      .message_id = "3d891288-136d-417f-bc05-901c108273ee",
      .subscribe_url = "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=233",
      .timestamp = "2019-01-31T19:25:13.719Z",
      .token = "233",
      .topic_arn = "arn:aws:sns:us-east-2:123456789012:MyTopic"};
}

// Verifies `signature` (base64) over `data` with the certificate's public key, as an endpoint
// (the AWS SDK validators) does with the certificate it fetched.
bool Verifies(const std::string& certificate_pem, const std::string& data,
              const std::string& signature, const EVP_MD* digest) {
  BioPtr bio(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) return false;
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  absl::StatusOr<std::string> raw = Base64Decode(signature);
  if (!raw.ok()) return false;
  EvpDigestPtr context(EVP_MD_CTX_new());
  return EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) == 1 &&
         EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(raw->data()),
                          raw->size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

class MessageSignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("serval-signer-" + RandomHex(8)) / "keys";
    auto signer = MessageSigner::Open(dir_);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = std::move(*signer);
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }

  fs::path dir_;
  std::unique_ptr<MessageSigner> signer_;
};

TEST(CanonicalStringTest, NotificationWithAndWithoutSubject) {
  EXPECT_EQ(*CanonicalString(Notification()),
            "Message\nMy Test Message\nwith two lines\n"
            "MessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\n"
            "Subject\nMy subject\n"
            "Timestamp\n2019-01-31T04:37:04.321Z\n"
            "TopicArn\narn:aws:sns:us-east-2:123456789012:MyTopic\n"
            "Type\nNotification\n");
  MessageFields no_subject = Notification();
  no_subject.subject.reset();
  no_subject.subscribe_url = "ignored";  // not a Notification member
  EXPECT_EQ(*CanonicalString(no_subject),
            "Message\nMy Test Message\nwith two lines\n"
            "MessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\n"
            "Timestamp\n2019-01-31T04:37:04.321Z\n"
            "TopicArn\narn:aws:sns:us-east-2:123456789012:MyTopic\n"
            "Type\nNotification\n");
  MessageFields empty_subject = Notification();
  empty_subject.subject = "";  // present, though empty
  EXPECT_NE(CanonicalString(empty_subject)->find("Subject\n\n"), std::string::npos);
}

TEST(CanonicalStringTest, Confirmations) {
  for (const char* type : {"SubscriptionConfirmation", "UnsubscribeConfirmation"}) {
    MessageFields fields = Confirmation(type);
    fields.subject = "ignored";  // not a confirmation member
    EXPECT_EQ(*CanonicalString(fields),
              std::string("Message\nYou have chosen to subscribe to the topic.\n"
                          "MessageId\n3d891288-136d-417f-bc05-901c108273ee\n"
                          "SubscribeURL\nhttps://sns.us-east-2.amazonaws.com/"
                          "?Action=ConfirmSubscription&Token=233\n"
                          "Timestamp\n2019-01-31T19:25:13.719Z\n"
                          "Token\n233\n"
                          "TopicArn\narn:aws:sns:us-east-2:123456789012:MyTopic\n"
                          "Type\n") +
                  type + "\n");
  }
  EXPECT_EQ(CanonicalString(MessageFields{.type = "Other"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MessageSignerTest, SignaturesVerifyAgainstTheCertificate) {
  for (const MessageFields& fields : {Notification(), Confirmation("SubscriptionConfirmation"),
                                      Confirmation("UnsubscribeConfirmation")}) {
    const std::string canonical = *CanonicalString(fields);
    for (const auto& [version, digest] :
         {std::pair{"1", EVP_sha1()}, std::pair{"2", EVP_sha256()}}) {
      absl::StatusOr<std::string> signature = signer_->Sign(fields, version);
      ASSERT_TRUE(signature.ok()) << signature.status();
      EXPECT_TRUE(Verifies(signer_->CertificatePem(), canonical, *signature, digest))
          << fields.type << " v" << version;
      // The other digest, or a changed message, does not verify.
      EXPECT_FALSE(Verifies(signer_->CertificatePem(), canonical, *signature,
                            digest == EVP_sha1() ? EVP_sha256() : EVP_sha1()));
      EXPECT_FALSE(Verifies(signer_->CertificatePem(), canonical + "x", *signature, digest));
    }
  }
}

TEST_F(MessageSignerTest, RefusesUnknownVersionsAndTypes) {
  EXPECT_EQ(signer_->Sign(Notification(), "3").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(signer_->Sign(MessageFields{.type = "Other"}, "1").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MessageSignerTest, CertificateAndFileName) {
  EXPECT_EQ(signer_->CertificatePem().rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_TRUE(std::regex_match(signer_->CertificateFileName(),
                               std::regex("SimpleNotificationService-[0-9a-f]{32}\\.pem")))
      << signer_->CertificateFileName();
  struct stat key_stat {};
  ASSERT_EQ(::stat((dir_ / "signing-key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  struct stat dir_stat {};
  ASSERT_EQ(::stat(dir_.c_str(), &dir_stat), 0);
  EXPECT_EQ(dir_stat.st_mode & 0777, 0700u);
}

TEST_F(MessageSignerTest, ASecondOpenLoadsTheSameKey) {
  const std::string first_certificate = signer_->CertificatePem();
  const std::string first_name = signer_->CertificateFileName();
  signer_.reset();
  auto reopened = MessageSigner::Open(dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->CertificatePem(), first_certificate);
  EXPECT_EQ((*reopened)->CertificateFileName(), first_name);
  const MessageFields fields = Notification();
  EXPECT_TRUE(Verifies(first_certificate, *CanonicalString(fields), *(*reopened)->Sign(fields, "2"),
                       EVP_sha256()));
}

TEST_F(MessageSignerTest, AKeyWithoutItsCertificateIsMadeAnew) {
  const std::string first_certificate = signer_->CertificatePem();
  signer_.reset();
  fs::remove(dir_ / "signing-cert.pem");  // as if killed between the two renames
  auto reopened = MessageSigner::Open(dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_NE((*reopened)->CertificatePem(), first_certificate);
}

TEST_F(MessageSignerTest, DamagedFilesAreRefused) {
  signer_.reset();
  { std::ofstream(dir_ / "signing-key.pem") << "not a key"; }
  EXPECT_EQ(MessageSigner::Open(dir_).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace serval::sns
