#include "iam/identity_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "iam/entity_ids.h"
#include "storage/memory_metadata_store.h"

namespace serval::iam {
namespace {

constexpr std::string_view kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
constexpr std::string_view kAllowGet =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",)"
    R"("Resource":"*"}]})";
constexpr std::string_view kBasicExecution =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

// Runs WriteAsync's completions at once, as the io thread would.
storage::PostToIo RunNow() {
  return [](std::function<void()> work) { work(); };
}

IdentityStore::Done ExpectOk() {
  return [](absl::Status status) { EXPECT_TRUE(status.ok()) << status; };
}

Role MakeRole(std::string name) {
  Role role{.name = std::move(name), .role_id = NewUniqueId("AROA"), .create_millis = 1000};
  role.arn = "arn:aws:iam::000000000000:role/" + role.name;
  role.trust_policy = *ParsePolicy(kTrust, PolicyKind::kTrust);
  return role;
}

TEST(IdentityStoreTest, HoldsAwsManagedPolicies) {
  storage::MemoryMetadataStore metadata(RunNow());
  auto store = IdentityStore::Open(&metadata, "000000000000");
  ASSERT_TRUE(store.ok()) << store.status();
  const ManagedPolicy* basic = (*store)->FindPolicy(kBasicExecution);
  ASSERT_NE(basic, nullptr);
  EXPECT_TRUE(basic->aws_managed);
  EXPECT_EQ(basic->path, "/service-role/");
  EXPECT_EQ(basic->default_version, "v1");
  ASSERT_NE(basic->DefaultVersion(), nullptr);
  EXPECT_NE(basic->DefaultVersion()->document.text().find("logs:CreateLogGroup"),
            std::string::npos);
  EXPECT_NE((*store)->FindPolicy("arn:aws:iam::aws:policy/AdministratorAccess"), nullptr);
}

TEST(IdentityStoreTest, ChangesPersistAndBumpTheGeneration) {
  storage::MemoryMetadataStore metadata(RunNow());
  {
    auto store = IdentityStore::Open(&metadata, "000000000000");
    ASSERT_TRUE(store.ok());
    const uint64_t before = (*store)->generation();
    Role role = MakeRole("Worker");
    role.inline_policies.emplace("get", *ParsePolicy(kAllowGet, PolicyKind::kIdentity));
    role.attached.emplace(kBasicExecution);
    (*store)->PutRole(std::move(role), ExpectOk());
    EXPECT_GT((*store)->generation(), before);
    (*store)->PutAccessKey(
        {.id = NewAccessKeyId(), .secret = NewSecretAccessKey(), .user_name = "alice"}, ExpectOk());
  }
  auto reopened = IdentityStore::Open(&metadata, "000000000000");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const Role* role = (*reopened)->FindRole("worker");  // names ignore case
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->name, "Worker");
  EXPECT_EQ(role->trust_policy.text(), kTrust);
  EXPECT_EQ((*reopened)->RolePolicies("Worker").size(), 2u);  // inline + attached
  EXPECT_EQ((*reopened)->AttachmentCount(kBasicExecution), 1);
  ASSERT_EQ((*reopened)->AccessKeysOf("alice").size(), 1u);
  EXPECT_EQ((*reopened)->AccessKeysOf("alice")[0]->secret.size(), 40u);
}

TEST(IdentityStoreTest, RemovesEntities) {
  storage::MemoryMetadataStore metadata(RunNow());
  auto store = IdentityStore::Open(&metadata, "000000000000");
  ASSERT_TRUE(store.ok());
  (*store)->PutRole(MakeRole("gone"), ExpectOk());
  (*store)->RemoveRole("GONE", ExpectOk());
  EXPECT_EQ((*store)->FindRole("gone"), nullptr);
  EXPECT_TRUE((*store)->RolePolicies("gone").empty());
  auto reopened = IdentityStore::Open(&metadata, "000000000000");
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->roles().empty());
}

TEST(IdentityStoreTest, ARefusedChangeIsReadBackFromTheStore) {
  storage::MemoryMetadataStore metadata(RunNow());
  auto store = IdentityStore::Open(&metadata, "000000000000");
  ASSERT_TRUE(store.ok());
  (*store)->PutRole(MakeRole("Kept"), ExpectOk());
  metadata.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  absl::Status refused;
  (*store)->RemoveRole("kept", [&](absl::Status status) { refused = status; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_NE((*store)->FindRole("kept"), nullptr);
  EXPECT_EQ((*store)->FindRole("kept")->name, "Kept");
  const uint64_t before = (*store)->generation();
  (*store)->PutRole(MakeRole("New"), [&](absl::Status status) { refused = status; });
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ((*store)->FindRole("new"), nullptr);
  EXPECT_GT((*store)->generation(), before);  // readers' caches see the read-back too
}

TEST(EntityIdsTest, HaveAwsShapes) {
  const std::string role_id = NewUniqueId("AROA");
  EXPECT_EQ(role_id.size(), 21u);
  EXPECT_TRUE(role_id.starts_with("AROA"));
  const std::string key = NewAccessKeyId();
  EXPECT_EQ(key.size(), 20u);
  for (char c : key) EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) << key;
  EXPECT_NE(NewSecretAccessKey(), NewSecretAccessKey());
}

}  // namespace
}  // namespace serval::iam
