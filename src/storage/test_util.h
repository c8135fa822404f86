#pragma once

// Helpers for the storage unit tests.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
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
      std::lock_guard lock(mu_);
      closures_.push_back(std::move(closure));
      posted_.notify_all();
    };
  }

  // Runs posted closures on the calling thread until `done()` holds or 10 s pass; returns done().
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      std::unique_lock lock(mu_);
      if (!posted_.wait_until(lock, deadline, [this] { return !closures_.empty(); })) break;
      auto closure = std::move(closures_.front());
      closures_.pop_front();
      lock.unlock();
      closure();
    }
    return done();
  }

 private:
  std::mutex mu_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> closures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::storage
