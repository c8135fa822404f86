#pragma once

// Helpers for the storage unit tests.

#include <deque>
#include <filesystem>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/ids.h"
#include "storage/offload.h"

namespace serval::storage {

// A new empty directory under the system temp dir.
inline std::filesystem::path FreshDir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() / (prefix + RandomHex(8));
  std::filesystem::create_directories(dir);
  return dir;
}

// Thread-safe. Stands in for the io thread: keeps what is posted until the test runs it.
class IoQueue {
 public:
  PostToIo Poster() {
    return [this](std::function<void()> closure) {
      absl::MutexLock lock(&mu_);
      closures_.push_back(std::move(closure));
      posted_.SignalAll();
    };
  }

  // Runs posted closures on the calling thread until `done()` holds or 10 s pass; returns done().
  bool RunUntil(const std::function<bool()>& done) ABSL_LOCKS_EXCLUDED(mu_) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!done()) {
      std::function<void()> closure;
      {
        absl::MutexLock lock(&mu_);
        while (closures_.empty()) {
          if (posted_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
        }
        if (closures_.empty()) break;
        closure = std::move(closures_.front());
        closures_.pop_front();
      }
      closure();
    }
    return done();
  }

 private:
  absl::Mutex mu_;
  absl::CondVar posted_;
  std::deque<std::function<void()>> closures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::storage
