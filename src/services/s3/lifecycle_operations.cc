// Lifecycle in S3Service: Put/Get/DeleteBucketLifecycleConfiguration (and the legacy
// PutBucketLifecycle, same sub-resource) and the sweeper that carries the rules out.
//
// The sweeper runs on the io thread: at start, every hour of real time after a pass, and at once
// when the simulated clock moves. A pass reads the buckets that have a configuration, then walks
// each one's objects in batches of kSweepBatch, one batch per turn of the io thread, so that
// requests interleave with a large bucket's scan. What has expired is removed through
// RemoveObject, the path DeleteObject takes (a compare-and-delete: an object replaced since it
// was read is left alone); stale multipart uploads go through RemoveUpload, as
// AbortMultipartUpload's do. A failure is printed and retried by the next pass.

#include <fmt/format.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>

#include "services/s3/lifecycle.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_service.h"

namespace serval::s3 {

struct S3Service::SweepTimer {
  boost::asio::steady_timer timer;
};

namespace {

constexpr size_t kSweepBatch = 1000;
constexpr std::chrono::hours kSweepInterval{1};

}  // namespace

struct S3Service::Sweep {
  int64_t now_millis = 0;
  // The buckets with a lifecycle configuration when the pass began, and their rules.
  std::vector<std::pair<std::string, LifecycleConfiguration>> buckets;
  size_t next_bucket = 0;
  std::string start_after;  // the last key seen in the current bucket
};

void S3Service::PutBucketLifecycle(const CallPtr& call) {
  auto configuration = ParseLifecycleXml(call->request().body);
  if (!configuration.ok()) return call->Fail(configuration.status());
  SetBucketConfiguration(call, &BucketRecord::lifecycle, LifecycleXml(*configuration).Take(), 200);
}

void S3Service::GetBucketLifecycle(const CallPtr& call) {
  GetBucketConfiguration(call, &BucketRecord::lifecycle, "NoSuchLifecycleConfiguration",
                         "The lifecycle configuration does not exist");
}

void S3Service::DeleteBucketLifecycle(const CallPtr& call) {
  SetBucketConfiguration(call, &BucketRecord::lifecycle, "", 204);
}

void S3Service::Start() {
  sweep_timer_ = {new SweepTimer{boost::asio::steady_timer(*io_)},
                  [](SweepTimer* timer) { delete timer; }};
  SweepLifecycle();
}

void S3Service::Drain(std::function<void()> done) {
  draining_ = true;
  if (sweep_timer_) sweep_timer_->timer.cancel();
  done();
}

void S3Service::OnClockAdvanced() { SweepLifecycle(); }

void S3Service::ArmSweep() {
  if (draining_ || !sweep_timer_) return;
  sweep_timer_->timer.expires_after(kSweepInterval);
  sweep_timer_->timer.async_wait([this](boost::system::error_code error) {
    if (!error) SweepLifecycle();
  });
}

void S3Service::SweepLifecycle() {
  if (draining_) return;
  if (sweep_) {
    sweep_again_ = true;
    return;
  }
  auto buckets = catalog_.Buckets();
  if (!buckets.ok()) {
    fmt::print(stderr, "s3 lifecycle: cannot list buckets: {}\n", buckets.status().ToString());
    return ArmSweep();
  }
  sweep_ = std::make_shared<Sweep>();
  sweep_->now_millis = clock_->NowMillis();
  for (auto& [name, bucket] : *buckets) {
    if (bucket.lifecycle.empty()) continue;
    auto configuration = ParseLifecycleXml(bucket.lifecycle);
    if (!configuration.ok()) continue;  // stored only after it parsed
    sweep_->buckets.emplace_back(name, *std::move(configuration));
  }
  SweepStep();
}

void S3Service::SweepStep() {
  if (draining_) {
    sweep_.reset();
    return;
  }
  Sweep& sweep = *sweep_;
  if (sweep.next_bucket < sweep.buckets.size()) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string& name = sweep.buckets[sweep.next_bucket].first;
    const LifecycleConfiguration& configuration = sweep.buckets[sweep.next_bucket].second;
    auto listed = catalog_.ListObjects(name, "", sweep.start_after, kSweepBatch);
    if (!listed.ok()) {
      fmt::print(stderr, "s3 lifecycle: cannot list {}: {}\n", name, listed.status().ToString());
      listed = std::vector<Catalog::Listed>{};
    }
    const bool more = listed->size() == kSweepBatch;
    for (const Catalog::Listed& object : *listed) {
      std::optional<Expiry> expiry = ObjectExpiry(configuration, object.key, object.record);
      if (!expiry || expiry->at_millis > sweep.now_millis) continue;
      auto stored = catalog_.Object(name, object.key);
      if (!stored.ok() || !stored->has_value()) continue;
      RemoveObject(name, object.key, **stored, [this, name, key = object.key](absl::Status status) {
        if (status.ok()) {
          ++objects_expired_;
          NotifyLifecycleExpiration(name, key, [] {});
        } else if (!absl::IsFailedPrecondition(status)) {  // replaced: not expired
          fmt::print(stderr, "s3 lifecycle: cannot expire {}/{}: {}\n", name, key,
                     status.ToString());
        }
      });
    }
    if (more) {
      sweep.start_after = listed->back().key;
    } else {
      ++sweep.next_bucket;
      sweep.start_after.clear();
    }
    return post_to_io_([this] { SweepStep(); });
  }
  // Every bucket's objects are done: now the uploads begun too long ago.
  auto uploads = catalog_.Uploads();
  if (!uploads.ok()) {
    fmt::print(stderr, "s3 lifecycle: cannot list uploads: {}\n", uploads.status().ToString());
    uploads = std::vector<std::pair<std::string, UploadRecord>>{};
  }
  for (const auto& entry : *uploads) {
    const std::string& upload_id = entry.first;
    const UploadRecord& upload = entry.second;
    for (const auto& bucket : sweep.buckets) {
      if (bucket.first != upload.bucket) continue;
      std::optional<int64_t> abort_at =
          UploadAbortMillis(bucket.second, upload.key, upload.initiated_millis);
      if (!abort_at || *abort_at > sweep.now_millis) break;
      RemoveUpload(upload_id, [this, upload_id](absl::Status status) {
        if (status.ok()) {
          ++uploads_aborted_;
        } else {
          fmt::print(stderr, "s3 lifecycle: cannot abort upload {}: {}\n", upload_id,
                     status.ToString());
        }
      });
      break;
    }
  }
  sweep_.reset();
  if (sweep_again_) {
    sweep_again_ = false;
    return SweepLifecycle();
  }
  ArmSweep();
}

}  // namespace serval::s3
