#include "http/credential_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "http/sigv4.h"

namespace serval::http {
namespace {

TEST(CredentialStore, DefaultKeyAndLookup) {
  const CredentialStore store = CredentialStore::WithDefaultKey();
  ASSERT_NE(store.FindSecret("test"), nullptr);
  EXPECT_EQ(*store.FindSecret("test"), "test");
  EXPECT_EQ(store.FindSecret("TEST"), nullptr);
  EXPECT_EQ(CredentialStore().FindSecret("test"), nullptr);
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(CredentialStore, LoadsFile) {
  const std::string path = WriteFile("keys-ok",
                                     "# Serval access keys\n"
                                     "\n"
                                     "AKIAEXAMPLE1 wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
                                     "   # indented comment\n"
                                     "ops\tsecret-two   \n");
  absl::StatusOr<CredentialStore> store = LoadCredentialFile(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(*store->FindSecret("AKIAEXAMPLE1"), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(*store->FindSecret("ops"), "secret-two");
  EXPECT_EQ(store->FindSecret("test"), nullptr);  // only what the file lists
}

TEST(CredentialStore, RejectsBadFiles) {
  absl::StatusOr<CredentialStore> store =
      LoadCredentialFile(WriteFile("keys-dup", "a one\nb two\na three\n"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("keys-dup:3"), std::string::npos) << store.status();

  store = LoadCredentialFile(WriteFile("keys-fields", "a one extra\n"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  store = LoadCredentialFile(WriteFile("keys-alone", "lonely\n"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  store = LoadCredentialFile(WriteFile("keys-slash", "a/b secret\n"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  store = LoadCredentialFile(WriteFile("keys-empty", "# nothing here\n"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  store = LoadCredentialFile(testing::TempDir() + "/no-such-file");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
}

TEST(CredentialStore, FileKeysVerifyRequests) {
  const int64_t now = 1768473000000;  // 2026-01-15T10:30:00Z
  absl::StatusOr<CredentialStore> store =
      LoadCredentialFile(WriteFile("keys-sign", "AKIDEXAMPLE file-secret\n"));
  ASSERT_TRUE(store.ok());
  Request request{.method = "GET", .target = "/", .headers = {{"Host", "h"}}};
  SignRequest(request, "AKIDEXAMPLE", "file-secret", "us-east-1", "lambda", now);
  EXPECT_TRUE(VerifySigV4(request, *store, now, nullptr).ok());
  SignRequest(request, "AKIDEXAMPLE", "other-secret", "us-east-1", "lambda", now);
  EXPECT_FALSE(VerifySigV4(request, *store, now, nullptr).ok());
}

}  // namespace
}  // namespace serval::http
