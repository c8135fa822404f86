#include "common/worker.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <utility>

namespace serval {

void NameThisThread(const std::string& name) {
  (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

Worker::Worker(std::string name, Priority priority)
    : thread_([this, name = std::move(name), priority] { Loop(name, priority); }) {}

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

void Worker::Loop(const std::string& name, Priority priority) {
  NameThisThread(name);
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
