#include "storage/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/test_util.h"

namespace serval::storage {
namespace {

TEST(GroupCommit, BatchesWhatArrivesWhileOneSyncs) {
  IoQueue io;
  std::promise<void> first_sync_entered;
  std::promise<void> release_first_sync;
  std::shared_future<void> released = release_first_sync.get_future().share();
  std::atomic<int> syncs = 0;
  std::vector<int> written;  // only the worker touches it until the test reads it at the end
  GroupCommit commit({.post_to_io = io.Poster(), .sync = [&] {
                        if (syncs++ == 0) {
                          first_sync_entered.set_value();
                          released.wait();
                        }
                        return absl::OkStatus();
                      }});
  std::vector<int> completed;
  auto submit = [&](int n) {
    commit.Submit(
        [&written, n] {
          written.push_back(n);
          return absl::OkStatus();
        },
        [&completed, n](absl::Status status) {
          EXPECT_TRUE(status.ok()) << status;
          completed.push_back(n);
        });
  };
  submit(0);
  first_sync_entered.get_future().wait();
  for (int n = 1; n <= 5; ++n) submit(n);
  release_first_sync.set_value();
  ASSERT_TRUE(io.RunUntil([&] { return completed.size() == 6; }));
  EXPECT_EQ(completed, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(written, completed);
  EXPECT_EQ(syncs, 2);
  EXPECT_EQ(commit.batches(), 2u);
}

TEST(GroupCommit, AFailedWriteFailsAloneAndAFailedSyncFailsTheBatch) {
  IoQueue io;
  absl::Status sync_result = absl::OkStatus();
  GroupCommit commit({.post_to_io = io.Poster(), .sync = [&] { return sync_result; }});
  EXPECT_EQ(commit.Run([] { return absl::AbortedError("no"); }).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(commit.Run([] { return absl::OkStatus(); }).ok());
  sync_result = absl::DataLossError("fsync failed");
  std::vector<absl::Status> results;
  for (int i = 0; i < 2; ++i) {
    commit.Submit([] { return absl::OkStatus(); },
                  [&results](absl::Status status) { results.push_back(status); });
  }
  ASSERT_TRUE(io.RunUntil([&] { return results.size() == 2; }));
  for (const auto& status : results) EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
}

TEST(GroupCommit, AFailedBeginSkipsTheWritesAndTheSync) {
  bool wrote = false;
  bool synced = false;
  GroupCommit commit({.begin = [] { return absl::UnavailableError("busy"); },
                      .sync =
                          [&] {
                            synced = true;
                            return absl::OkStatus();
                          }});
  EXPECT_EQ(commit
                .Run([&] {
                  wrote = true;
                  return absl::OkStatus();
                })
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(wrote);
  EXPECT_FALSE(synced);
}

TEST(GroupCommit, DestructorWaitsForSubmittedWrites) {
  IoQueue io;
  std::atomic<int> written = 0;
  {
    GroupCommit commit({.post_to_io = io.Poster(), .sync = [] { return absl::OkStatus(); }});
    for (int i = 0; i < 100; ++i) {
      commit.Submit(
          [&written] {
            ++written;
            return absl::OkStatus();
          },
          {});
    }
  }
  EXPECT_EQ(written, 100);
}

TEST(Offload, RunsOnTheWorkerAndCompletesOnTheIoThread) {
  IoQueue io;
  Worker worker("test-worker");
  const auto test_thread = std::this_thread::get_id();
  std::optional<absl::StatusOr<std::unique_ptr<int>>> result;  // a move-only result
  Offload(
      worker, io.Poster(),
      [test_thread]() -> absl::StatusOr<std::unique_ptr<int>> {
        EXPECT_NE(std::this_thread::get_id(), test_thread);
        return std::make_unique<int>(7);
      },
      [&result, test_thread](absl::StatusOr<std::unique_ptr<int>> value) {
        EXPECT_EQ(std::this_thread::get_id(), test_thread);
        result = std::move(value);
      });
  ASSERT_TRUE(io.RunUntil([&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(***result, 7);
}

}  // namespace
}  // namespace serval::storage
