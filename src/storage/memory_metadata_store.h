#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/metadata_store.h"
#include "storage/offload.h"

namespace serval::storage {

// Thread-safe. A MetadataStore in memory, for unit tests of the services above it: the same
// semantics as SqliteMetadataStore (metadata_store_test.cc runs one suite against both), no
// durability. WriteAsync applies the batch at once and posts `done` through `post_to_io`.
class MemoryMetadataStore final : public MetadataStore {
 public:
  // `post_to_io` is needed only by WriteAsync.
  explicit MemoryMetadataStore(PostToIo post_to_io = {}) : post_to_io_(std::move(post_to_io)) {}

  absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                 std::string_view key) const override;
  absl::StatusOr<std::vector<Record>> Scan(std::string_view table,
                                           const ScanRange& range) const override;
  absl::Status Write(const WriteBatch& batch) override;
  void WriteAsync(WriteBatch batch, WriteCallback done) override;

  // While `failure` is not OK, every write fails with it and changes nothing (a full disk, for
  // the tests of what a failed write leaves behind).
  void FailWrites(absl::Status failure) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Table = std::map<std::string, std::string, std::less<>>;

  const PostToIo post_to_io_;
  mutable absl::Mutex mu_;
  std::map<std::string, Table, std::less<>> tables_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

// The io thread's queue, for tests: a MemoryMetadataStore made with Poster() leaves its
// completions here until the test runs them, as they would wait for the io thread.
class QueuedCompletions {
 public:
  PostToIo Poster() {
    return [this](std::function<void()> work) { queued_.push_back(std::move(work)); };
  }
  bool empty() const { return queued_.empty(); }
  // Runs the oldest completion.
  void RunOne() {
    auto work = std::move(queued_.front());
    queued_.pop_front();
    work();
  }
  // Runs completions (and those they queue) until none is left.
  void RunAll() {
    while (!queued_.empty()) RunOne();
  }

 private:
  std::deque<std::function<void()>> queued_;
};

}  // namespace serval::storage
