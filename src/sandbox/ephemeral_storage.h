#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace serval::sandbox {

// One environment's /tmp: an ext4 filesystem in a sparse image file attached to a loop device.
// The image is unlinked as soon as it is attached, so its blocks go back to the disk when the
// loop device detaches (LO_FLAGS_AUTOCLEAR: when the environment's mount namespace is gone and
// this handle is closed). Thread-compatible; move-only.
class EphemeralDisk {
 public:
  EphemeralDisk() = default;
  EphemeralDisk(std::string device, int device_fd) : device_(std::move(device)), fd_(device_fd) {}
  EphemeralDisk(EphemeralDisk&& other) noexcept;
  EphemeralDisk& operator=(EphemeralDisk&& other) noexcept;
  ~EphemeralDisk();

  const std::string& device() const { return device_; }  // "/dev/loopN"; empty for none

 private:
  std::string device_;
  int fd_ = -1;  // keeps the loop device attached until the child has mounted it
};

// Ephemeral storage (/tmp) apart from memory, as on AWS: a tmpfs would be charged to the
// function's memory cgroup (a 128 MB function was killed writing 129 MB to its 512 MB /tmp), a
// disk-backed filesystem of the configured size is not, and its page cache can be written back
// under memory pressure. Images are copied from one template per size (mkfs.ext4 once, with an
// empty root of mode 1777); a background thread keeps a few spares per size attached, so a cold
// start only takes one. Thread-safe.
class EphemeralStorage {
 public:
  // Uses `dir` (created; leftovers removed) for templates and images. Fails when loop devices
  // or mkfs.ext4 are not available; environments then get a tmpfs.
  static absl::StatusOr<std::unique_ptr<EphemeralStorage>> Open(std::filesystem::path dir);
  ~EphemeralStorage();

  // A disk of `size_mb` megabytes: a spare if one is ready (microseconds), else made now
  // (milliseconds; tens of them the first time a size is asked for, to make its template).
  absl::StatusOr<EphemeralDisk> Acquire(int size_mb) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit EphemeralStorage(std::filesystem::path dir);
  absl::StatusOr<EphemeralDisk> Make(int size_mb) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::filesystem::path> Template(int size_mb) ABSL_LOCKS_EXCLUDED(template_mu_);
  void RefillLoop() ABSL_LOCKS_EXCLUDED(mu_);

  static constexpr size_t kSpares = 2;
  const std::filesystem::path dir_;
  absl::Mutex template_mu_;  // serializes template creation
  absl::Mutex mu_;
  absl::CondVar refill_cv_;                                                // spares_ or closing_
  std::map<int, std::vector<EphemeralDisk>> spares_ ABSL_GUARDED_BY(mu_);  // by size
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_image_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread refiller_;
};

}  // namespace serval::sandbox
