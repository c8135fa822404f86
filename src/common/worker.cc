#include "common/worker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <utility>

namespace serval {

Worker::Worker(Priority priority) : thread_([this, priority] { Loop(priority); }) {}

Worker::~Worker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  wake_.Signal();
  thread_.join();
}

void Worker::Post(std::function<void()> job) {
  {
    absl::MutexLock lock(&mu_);
    jobs_.push_back(std::move(job));
  }
  wake_.Signal();
}

void Worker::Loop(Priority priority) {
  // Linux's nice value is per thread: this lowers only the worker's own. Best effort.
  if (priority == Priority::kBulk) (void)setpriority(PRIO_PROCESS, gettid(), 10);
  while (true) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && jobs_.empty()) wake_.Wait(&mu_);
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace serval
