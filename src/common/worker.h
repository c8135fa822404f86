#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"

namespace serval {

// One background thread that runs blocking jobs (disk-bound work the io thread must not wait
// on), one at a time, in the order posted. A job that has a result for the io thread posts it
// there itself. Thread-safe.
class Worker {
 public:
  Worker();
  // Waits for the running job, drops the ones not started and joins the thread. Jobs may refer
  // to anything that outlives the worker.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Post(std::function<void()> job);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the state above exists
};

}  // namespace serval
