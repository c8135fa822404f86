#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace serval {

// Names the calling thread (its first 15 characters, the kernel's limit); best effort.
void NameThisThread(const std::string& name);

// One background thread that runs blocking jobs (disk-bound work the io thread must not wait
// on), one at a time, in the order posted. A job that has a result for the io thread posts it
// there itself. Thread-safe.
class Worker {
 public:
  // kBulk: the thread runs at nice 10, for work by the gigabyte (hashing and writing a streamed
  // object, unpacking a code package). When the machine's cores are busy, the io thread and the
  // functions it serves go first, so a large upload slows itself rather than every invocation.
  enum class Priority { kNormal, kBulk };
  // `name` names the thread (its first 15 characters), as per-thread tools show it
  // (/proc/PID/task/*/comm, top -H, perf): "s3-blobs", "edge-sigv4".
  explicit Worker(std::string name, Priority priority = Priority::kNormal);
  // Waits for the running job, drops the ones not started and joins the thread. Jobs may refer
  // to anything that outlives the worker.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Post(std::function<void()> job) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop(const std::string& name, Priority priority) ABSL_LOCKS_EXCLUDED(mu_);

  absl::Mutex mu_;
  absl::CondVar wake_;  // jobs_ or stopping_ changed
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the state above exists
};

}  // namespace serval
