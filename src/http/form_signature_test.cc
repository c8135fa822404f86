#include "http/form_signature.h"

#include <gtest/gtest.h>

#include "common/aws_error.h"

namespace serval::http {
namespace {

std::string ErrorField(const absl::Status& status, std::string_view name) {
  for (auto& [field, value] : ErrorFields(status)) {
    if (field == name) return value;
  }
  return "(none)";
}

// botocore's generate_presigned_post("sigv4examplebucket", "user/user1/photo.jpg",
// Fields={"success_action_status": "201"}, Conditions=[{"success_action_status": "201"}]) with
// its clock fixed at 2015-12-29T00:00:00Z, us-east-1, the AWS documentation's example key: the
// SigV4 form (signature_version "s3v4") and the SigV2 form ("s3").
constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kV4Policy[] =
    "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJzdWNjZXNzX2FjdG"
    "lvbl9zdGF0dXMiOiAiMjAxIn0sIHsiYnVja2V0IjogInNpZ3Y0ZXhhbXBsZWJ1Y2tldCJ9LCB7ImtleSI6ICJ1c2Vy"
    "L3VzZXIxL3Bob3RvLmpwZyJ9LCB7IngtYW16LWFsZ29yaXRobSI6ICJBV1M0LUhNQUMtU0hBMjU2In0sIHsieC1hbX"
    "otY3JlZGVudGlhbCI6ICJBS0lBSU9TRk9ETk43RVhBTVBMRS8yMDE1MTIyOS91cy1lYXN0LTEvczMvYXdzNF9yZXF1"
    "ZXN0In0sIHsieC1hbXotZGF0ZSI6ICIyMDE1MTIyOVQwMDAwMDBaIn1dfQ==";
constexpr char kV2Policy[] =
    "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJzdWNjZXNzX2FjdG"
    "lvbl9zdGF0dXMiOiAiMjAxIn0sIHsiYnVja2V0IjogInNpZ3Y0ZXhhbXBsZWJ1Y2tldCJ9LCB7ImtleSI6ICJ1c2Vy"
    "L3VzZXIxL3Bob3RvLmpwZyJ9XX0=";

class FormSignatureTest : public ::testing::Test {
 protected:
  FormSignatureTest() { credentials_.Add(kAccessKey, kSecret); }

  FormSignature V4() const {
    return {.sigv4 = true,
            .credential = std::string(kAccessKey) + "/20151229/us-east-1/s3/aws4_request",
            .signature = "32aba45a5bcbdda00ba2390678aa6a8d12dc49055faf8e1aea90c18bf6ab5c09",
            .policy = kV4Policy};
  }
  FormSignature V2() const {
    return {.sigv4 = false,
            .access_key = kAccessKey,
            .signature = "Pt2o4C2qBioVA+DRPOXj+gsQCIs=",
            .policy = kV2Policy};
  }

  CredentialStore credentials_;
  int64_t now_ = 1451347200000;  // 2015-12-29T00:00:00Z
};

TEST_F(FormSignatureTest, BotocoreFormsVerify) {
  VerifiedCaller caller;
  ASSERT_TRUE(VerifyFormSignature(V4(), credentials_, now_, "us-east-1", &caller).ok());
  EXPECT_EQ(caller.scope.access_key, kAccessKey);
  EXPECT_EQ(caller.scope.region, "us-east-1");
  EXPECT_EQ(caller.payload, PayloadSigning::kUnsigned);
  ASSERT_TRUE(VerifyFormSignature(V2(), credentials_, now_, "us-east-1", &caller).ok());
  EXPECT_EQ(caller.form, SigV4Form::kSigV2PresignedQuery);
}

TEST_F(FormSignatureTest, AChangedPolicyOrSignatureIsRefused) {
  for (FormSignature form : {V4(), V2()}) {
    form.policy.pop_back();
    absl::Status status = VerifyFormSignature(form, credentials_, now_, "", nullptr);
    EXPECT_EQ(AwsErrorCode(status), "SignatureDoesNotMatch");
    EXPECT_EQ(ErrorField(status, "StringToSign"), form.policy);
    EXPECT_EQ(ErrorField(status, "AWSAccessKeyId"), kAccessKey);
  }
  FormSignature upper = V4();
  for (char& c : upper.signature) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(AwsErrorCode(VerifyFormSignature(upper, credentials_, now_, "", nullptr)),
            "SignatureDoesNotMatch");
}

TEST_F(FormSignatureTest, ScopeAndKeyErrors) {
  FormSignature form = V4();
  absl::Status status = VerifyFormSignature(form, credentials_, now_, "eu-west-1", nullptr);
  EXPECT_EQ(AwsErrorCode(status), "InvalidArgument");
  EXPECT_EQ(ErrorField(status, "Region"), "eu-west-1");
  form.credential = "garbage";
  EXPECT_EQ(AwsErrorCode(VerifyFormSignature(form, credentials_, now_, "", nullptr)),
            "InvalidArgument");
  form = V2();
  form.access_key = "AKIDUNKNOWN";
  EXPECT_EQ(AwsErrorCode(VerifyFormSignature(form, credentials_, now_, "", nullptr)),
            "InvalidAccessKeyId");
  // A temporary key needs its session token.
  credentials_.AddIdentity(
      "ASIATEMP", {.secret = kSecret,
                   .session_token = "token",
                   .principal_arn = "arn:aws:sts::000000000000:assumed-role/r/s"});
  form = V2();
  form.access_key = "ASIATEMP";
  EXPECT_EQ(AwsErrorCode(VerifyFormSignature(form, credentials_, now_, "", nullptr)),
            "InvalidToken");
  form.security_token = "token";
  VerifiedCaller caller;
  EXPECT_TRUE(VerifyFormSignature(form, credentials_, now_, "", &caller).ok());
  EXPECT_EQ(caller.principal_arn, "arn:aws:sts::000000000000:assumed-role/r/s");
}

}  // namespace
}  // namespace serval::http
