#include "storage/group_commit.h"

#include <future>
#include <memory>
#include <utility>

namespace serval::storage {

GroupCommit::GroupCommit(GroupCommitOptions options) : options_(std::move(options)) {}

GroupCommit::~GroupCommit() {
  absl::MutexLock lock(&mu_);
  while (flush_scheduled_) idle_.Wait(&mu_);
}

void GroupCommit::Submit(Write write, Done done) {
  Enqueue(Pending{std::move(write), std::move(done), /*post=*/true});
}

absl::Status GroupCommit::Run(Write write) {
  auto result = std::make_shared<std::promise<absl::Status>>();
  Enqueue(Pending{std::move(write), [result](absl::Status status) { result->set_value(status); },
                  /*post=*/false});
  return result->get_future().get();
}

uint64_t GroupCommit::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

void GroupCommit::Enqueue(Pending pending) {
  absl::MutexLock lock(&mu_);
  pending_.push_back(std::move(pending));
  arrived_.Signal();
  if (flush_scheduled_) return;  // the running or queued flush picks it up
  flush_scheduled_ = true;
  worker_.Post([this] { Flush(); });
}

void GroupCommit::Flush() {
  std::vector<Pending> batch;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + kGatherWait;
    while (last_batch_size_ > 1 && pending_.size() < last_batch_size_ &&
           !arrived_.WaitWithDeadline(&mu_, deadline)) {
    }
    batch.swap(pending_);
  }
  last_batch_size_ = batch.size();
  const absl::Status begun = options_.begin ? options_.begin() : absl::OkStatus();
  std::vector<absl::Status> results;
  results.reserve(batch.size());
  for (Pending& pending : batch) results.push_back(begun.ok() ? pending.write() : begun);
  if (begun.ok()) {
    if (const absl::Status synced = options_.sync(); !synced.ok()) {
      for (absl::Status& result : results) result.Update(synced);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    ++batches_;
  }
  std::vector<std::pair<Done, absl::Status>> posted;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    if (batch[i].post) {
      posted.emplace_back(std::move(batch[i].done), results[i]);
    } else {
      batch[i].done(results[i]);
    }
  }
  if (!posted.empty()) {
    options_.post_to_io([posted = std::move(posted)] {
      for (const auto& [done, status] : posted) done(status);
    });
  }
  absl::MutexLock lock(&mu_);
  if (pending_.empty()) {
    flush_scheduled_ = false;
    idle_.SignalAll();
  } else {
    worker_.Post([this] { Flush(); });
  }
}

}  // namespace serval::storage
