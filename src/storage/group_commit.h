#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/worker.h"
#include "storage/offload.h"

namespace serval::storage {

struct GroupCommitOptions {
  // Required by Submit (not by Run): completions go back to the io thread through it, one
  // closure per batch, so they run in submission order.
  PostToIo post_to_io;
  // Starts a batch (SQLite: BEGIN). Optional. If it fails, every write of the batch fails with
  // its error and neither the writes nor `sync` run.
  std::function<absl::Status()> begin;
  // Makes the batch's writes durable with one sync (fdatasync, COMMIT). Required. If it fails,
  // every write of the batch that succeeded fails with its error. Whether the target is usable
  // after a failed sync is its own business (a failed fdatasync may have lost pages: poison).
  std::function<absl::Status()> sync;
};

// Thread-safe. Durable-on-200 writes for any service: callers submit writes, and the helper runs
// everything submitted meanwhile as one batch on its own worker thread (begin, each write in
// submission order, one sync) and then completes each. While one batch syncs the next gathers, so
// N concurrent writers cost about one sync per batch rather than N (the durable queue's writer,
// storage/durable_queue.cc, works the same way with its own record format).
//
// Gathering: once a batch had several writers, the next one waits up to kGatherWait for as many
// to be pending before it begins. The writers a batch answers need a round trip to send their
// next write; without the wait they arrive while the next sync runs, and N concurrent writers
// settle into two alternating half-size batches (measured: 8 PutItem clients, about 3 writes per
// fsync). A lone writer (the last batch had one write) never waits.
//
// A write runs on the worker thread and must not block on the io thread. It must leave no effect
// when it fails (roll back its own part, e.g. to a savepoint), because the batch it is in is still
// synced for the others.
class GroupCommit {
 public:
  using Write = std::function<absl::Status()>;
  using Done = std::function<void(absl::Status)>;

  explicit GroupCommit(GroupCommitOptions options);
  // Waits until every submitted write is done (its completion posted), then joins the worker.
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `write`; `done` (may be empty) gets its result on the io thread once its batch is
  // synced, or with the error that failed it.
  void Submit(Write write, Done done) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues `write` and blocks until its batch is synced: for startup, tools and tests, never for
  // the io thread while it serves requests, nor from a write (it would wait for itself).
  absl::Status Run(Write write) ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t batches() const ABSL_LOCKS_EXCLUDED(mu_);  // batches written so far (one sync each)

  // How long a batch waits for the writers of the last one (see the class comment).
  static constexpr absl::Duration kGatherWait = absl::Microseconds(200);

 private:
  struct Pending {
    Write write;
    Done done;
    bool post = true;  // deliver `done` through post_to_io (Submit) or on the worker (Run)
  };

  void Enqueue(Pending pending) ABSL_LOCKS_EXCLUDED(mu_);
  void Flush() ABSL_LOCKS_EXCLUDED(mu_);

  const GroupCommitOptions options_;
  mutable absl::Mutex mu_;
  absl::CondVar idle_;          // flush_scheduled_ became false
  absl::CondVar arrived_;       // pending_ grew
  size_t last_batch_size_ = 0;  // only on the worker
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool flush_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  Worker worker_{"group-commit"};  // last: joined before the state its jobs use is destroyed
};

}  // namespace serval::storage
