#include "services/apigateway/api_store.h"

#include <gtest/gtest.h>

#include "storage/memory_metadata_store.h"

namespace serval::apigateway {
namespace {

// Two changes to one API in flight, the first refused by the disk: the API is read back whole
// (record, deployments, stages), so memory ends as the store does, not as it was before the
// first. A refused removal brings the API back with its stages.
TEST(ApiStore, TheApiARefusedWriteTouchedIsReadBackFromTheStore) {
  storage::QueuedCompletions io;
  storage::MemoryMetadataStore store(io.Poster());
  std::unique_ptr<ApiStore> apis = *ApiStore::Open(&store);
  std::vector<absl::Status> answers;
  auto answer = [&answers](absl::Status status) { answers.push_back(std::move(status)); };
  apis->PutApi(RestApi{.id = "a1", .name = "v1"}, answer);
  apis->PutStage("a1", Stage{.name = "prod", .deployment_id = "d1"}, answer);
  io.RunAll();

  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  apis->PutDeployment("a1", Deployment{.id = "d2"}, answer);
  store.FailWrites(absl::OkStatus());
  apis->PutApi(RestApi{.id = "a1", .name = "v2"}, answer);
  ASSERT_EQ(apis->Find("a1")->deployments.count("d2"), 1u);  // seen at once
  io.RunAll();
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_FALSE(answers[2].ok());
  EXPECT_TRUE(answers[3].ok());
  const ApiStore::Entry* entry = apis->Find("a1");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->api.name, "v2");
  EXPECT_EQ(entry->deployments.count("d2"), 0u);
  EXPECT_EQ(entry->stages.at("prod").deployment_id, "d1");

  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  apis->RemoveApi("a1", answer);
  EXPECT_EQ(apis->Find("a1"), nullptr);
  io.RunAll();
  EXPECT_FALSE(answers.back().ok());
  ASSERT_NE(apis->Find("a1"), nullptr);
  EXPECT_EQ(apis->Find("a1")->stages.count("prod"), 1u);
  // A refused new API is gone again.
  apis->PutApi(RestApi{.id = "a2", .name = "new"}, answer);
  io.RunAll();
  EXPECT_EQ(apis->Find("a2"), nullptr);
}

}  // namespace
}  // namespace serval::apigateway
