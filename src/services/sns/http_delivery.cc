// HTTP/HTTPS delivery for SNS subscriptions.
//
// Durability. Publish answers 200 only once each HTTP/S delivery it fans out to is in a
// storage::DurableQueue (the queue's Append callback, after its group-committed fdatasync): the
// record holds the endpoint, headers, effective delivery policy and retry state as metadata, and
// the body as payload. Memory holds only the metadata; the body is read back with one pread for
// each attempt. A delivery leaves the queue when it ends: answered 2xx (delivered), answered 3xx or
// 4xx (SNS counts any status from 200 to 4xx as a delivery it must not retry), or retries
// exhausted. Removal is lazily durable, so after a crash a finished delivery may be made again:
// delivery is at least once, as in SNS, whose endpoints must handle repeats (x-amz-sns-message-id
// tells them apart). A delivery given up on is printed to stderr and counted: never dropped
// silently (SNS would send it to a dead-letter queue, which Serval has not).
//
// Retries. A failed attempt (no answer within the attempt timeout, 15 s as in SNS; a connection
// or TLS failure; a status outside 200-4xx) is retried per the delivery's healthyRetryPolicy in
// its four phases: numNoDelayRetries immediately, numMinDelayRetries minDelayTarget apart, the
// backoff phase from minDelayTarget to maxDelayTarget along backoffFunction, and
// numMaxDelayRetries maxDelayTarget apart (RetryDelayMillis) -- numRetries in all, so numRetries +
// 1 attempts. Each wait counts from the failure. After each failure the metadata is rewritten
// (Update) with the attempts made and the next attempt's time, so a restart resumes the schedule
// where it was; recovery at Start schedules every queued delivery at its recorded time.
//
// Throttling. throttlePolicy.maxReceivesPerSecond caps the attempts started per subscription in
// any one second of the Clock; an attempt over the cap waits until the oldest of that second is a
// second old.
//
// Time and threads. Every decision reads the injected Clock. Due attempts are found by one asio
// timer that re-checks at least once a second (so a manual clock moved by hand is noticed) and by
// OnClockAdvanced. Everything runs on the io thread; the queue's completions arrive through
// post_to_io, and attempts run through http::AsyncFetch on the same io_context. In-flight work
// holds the state weakly, so destroying the deliverer while attempts run is safe.
#include "services/sns/http_delivery.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "storage/durable_queue.h"

namespace serval::sns {

namespace asio = boost::asio;

class HttpDeliverer::Impl : public std::enable_shared_from_this<HttpDeliverer::Impl> {
 public:
  Impl(HttpDelivererOptions options, std::unique_ptr<storage::DurableQueue> queue)
      : options_(std::move(options)), queue_(std::move(queue)), timer_(*options_.io) {}

  ~Impl() { timer_.cancel(); }

  void Start() {
    for (storage::QueuedEvent& event : queue_->Recover()) {
      absl::StatusOr<QueuedDelivery> queued = DecodeQueuedDelivery(event.metadata);
      if (!queued.ok()) {
        // Nothing could ever deliver it; say so rather than keep it forever.
        ++stats_.failed;
        fmt::print(stderr, "serval: SNS delivery {} unreadable, removed: {}\n", event.id,
                   queued.status().ToString());
        RemoveFromQueue(event.id);
        continue;
      }
      Schedule(event.id, std::move(*queued));
    }
    PumpSoon();
  }

  void Deliver(HttpDelivery delivery, std::function<void(absl::Status)> settled) {
    const int64_t now = options_.clock->NowMillis();
    std::string body = std::move(delivery.body);
    QueuedDelivery queued{
        .delivery = std::move(delivery), .enqueued_millis = now, .next_attempt_millis = now};
    std::string metadata = EncodeQueuedDelivery(queued);
    std::weak_ptr<Impl> weak = weak_from_this();
    queue_->Append(std::move(metadata), std::move(body),
                   [weak, queued = std::move(queued),
                    settled = std::move(settled)](absl::StatusOr<uint64_t> id) mutable {
                     if (!id.ok()) return settled(id.status());
                     settled(absl::OkStatus());
                     std::shared_ptr<Impl> self = weak.lock();
                     if (!self || self->shut_down_) return;  // stays queued for the next start
                     self->Schedule(*id, std::move(queued));
                     self->Pump();
                   });
  }

  void PumpSoon() {
    if (pump_posted_ || shut_down_) return;
    pump_posted_ = true;
    asio::post(*options_.io, [weak = weak_from_this()] {
      if (std::shared_ptr<Impl> self = weak.lock()) {
        self->pump_posted_ = false;
        self->Pump();
      }
    });
  }

  void Shutdown() {
    shut_down_ = true;
    timer_.cancel();
  }

  HttpDeliveryStats stats() const {
    HttpDeliveryStats stats = stats_;
    stats.pending = entries_.size();
    stats.in_flight = in_flight_;
    return stats;
  }

 private:
  struct Entry {
    QueuedDelivery queued;
    bool in_flight = false;
  };

  void Schedule(uint64_t id, QueuedDelivery queued) {
    const int64_t due = queued.next_attempt_millis;
    entries_[id] = Entry{.queued = std::move(queued)};
    due_.emplace(due, id);
  }

  // Moves what is due to the ready line, starts attempts while slots are free, and arms the
  // timer for the next due time.
  void Pump() {
    if (shut_down_) return;
    const int64_t now = options_.clock->NowMillis();
    while (!due_.empty() && due_.begin()->first <= now) {
      ready_.push_back(due_.begin()->second);
      due_.erase(due_.begin());
    }
    while (in_flight_ < options_.max_in_flight && !ready_.empty()) {
      const uint64_t id = ready_.front();
      ready_.pop_front();
      auto found = entries_.find(id);
      if (found == entries_.end() || found->second.in_flight) continue;
      if (const int64_t wait_until = ThrottledUntil(found->second.queued.delivery, now);
          wait_until > now) {
        due_.emplace(wait_until, id);
        continue;
      }
      StartAttempt(id, found->second);
    }
    ArmTimer();
  }

  // When the subscription's throttle lets another attempt start: `now` if it does now (and the
  // attempt is counted), else the time its oldest attempt of the last second turns a second old.
  int64_t ThrottledUntil(const HttpDelivery& delivery, int64_t now) {
    const std::optional<int> rate = delivery.policy.max_receives_per_second;
    if (!rate) return now;
    std::deque<int64_t>& starts = recent_starts_[delivery.subscription_arn];
    while (!starts.empty() && starts.front() <= now - 1000) starts.pop_front();
    if (starts.size() >= static_cast<size_t>(*rate)) return starts.front() + 1000;
    starts.push_back(now);
    return now;
  }

  void StartAttempt(uint64_t id, Entry& entry) {
    absl::StatusOr<std::string> body = queue_->ReadPayload(id);
    if (!body.ok()) {
      GiveUp(id, entry, "its body is unreadable: " + body.status().ToString());
      return;
    }
    entry.in_flight = true;
    ++in_flight_;
    const HttpDelivery& delivery = entry.queued.delivery;
    http::Request request{.method = "POST", .headers = delivery.headers, .body = std::move(*body)};
    http::AsyncFetch(
        *options_.io, delivery.endpoint, std::move(request), options_.attempt_timeout,
        [weak = weak_from_this(), id](absl::StatusOr<http::Response> response) {
          if (std::shared_ptr<Impl> self = weak.lock()) self->OnAnswer(id, response);
        },
        options_.fetch);
  }

  void OnAnswer(uint64_t id, const absl::StatusOr<http::Response>& response) {
    --in_flight_;
    auto found = entries_.find(id);
    if (found == entries_.end()) return;
    Entry& entry = found->second;
    entry.in_flight = false;
    if (shut_down_) return;  // stays queued as it was
    const int status = response.ok() ? response->status : 0;
    if (status >= 200 && status < 300) {
      ++stats_.delivered;
      Finish(id);
    } else if (status >= 300 && status < 500) {
      ++stats_.rejected;
      Log(entry, fmt::format("answered {}: not retried", status));
      Finish(id);
    } else {
      OnFailure(id, entry,
                response.ok() ? fmt::format("answered {}", status) : response.status().ToString());
    }
    PumpSoon();
  }

  void OnFailure(uint64_t id, Entry& entry, const std::string& why) {
    QueuedDelivery& queued = entry.queued;
    ++queued.failed_attempts;
    const RetryPolicy& policy = queued.delivery.policy.retry;
    if (queued.failed_attempts > policy.num_retries) {
      return GiveUp(id, entry,
                    fmt::format("{} attempts failed, the last: {}", queued.failed_attempts, why));
    }
    ++stats_.retried;
    queued.next_attempt_millis =
        options_.clock->NowMillis() + RetryDelayMillis(policy, queued.failed_attempts);
    // Only the metadata is rewritten, without waiting: a failed write fails the queue, and the
    // delivery then resumes from what is on disk at the next start.
    queue_->Update(id, EncodeQueuedDelivery(queued), [](absl::Status written) {
      if (!written.ok()) {
        fmt::print(stderr, "serval: SNS delivery retry state not saved: {}\n", written.ToString());
      }
    });
    due_.emplace(queued.next_attempt_millis, id);
  }

  void GiveUp(uint64_t id, const Entry& entry, const std::string& why) {
    ++stats_.failed;
    Log(entry, "given up: " + why);
    Finish(id);
  }

  void Log(const Entry& entry, const std::string& what) {
    const HttpDelivery& delivery = entry.queued.delivery;
    fmt::print(stderr, "serval: SNS message {} of {} to {} (subscription {}): {}\n",
               delivery.message_id, delivery.topic_arn, delivery.endpoint,
               delivery.subscription_arn, what);
  }

  void Finish(uint64_t id) {
    entries_.erase(id);
    RemoveFromQueue(id);
  }

  void RemoveFromQueue(uint64_t id) {
    if (absl::Status removed = queue_->Remove(id); !removed.ok()) {
      // It comes back at the next start and is delivered again: at least once.
      fmt::print(stderr, "serval: SNS delivery {} not removed from its queue: {}\n", id,
                 removed.ToString());
    }
  }

  void ArmTimer() {
    if (due_.empty()) return;
    const int64_t wait = std::max<int64_t>(0, due_.begin()->first - options_.clock->NowMillis());
    timer_.expires_after(std::chrono::milliseconds(std::min<int64_t>(wait, 1000)));
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (std::shared_ptr<Impl> self = weak.lock()) self->Pump();
    });
  }

  const HttpDelivererOptions options_;
  std::unique_ptr<storage::DurableQueue> queue_;
  asio::steady_timer timer_;
  std::map<uint64_t, Entry> entries_;                         // every queued delivery, by queue id
  std::multimap<int64_t, uint64_t> due_;                      // next attempt time -> id
  std::deque<uint64_t> ready_;                                // due, waiting for a free slot
  std::map<std::string, std::deque<int64_t>> recent_starts_;  // per subscription, last second
  size_t in_flight_ = 0;
  HttpDeliveryStats stats_;
  bool pump_posted_ = false;
  bool shut_down_ = false;
};

absl::StatusOr<std::unique_ptr<HttpDeliverer>> HttpDeliverer::Open(HttpDelivererOptions options) {
  if (options.io == nullptr || options.clock == nullptr || !options.post_to_io) {
    return absl::InvalidArgumentError("HttpDeliverer needs an io_context, a clock and post_to_io");
  }
  storage::DurableQueueOptions queue_options;
  queue_options.post_to_io = options.post_to_io;
  absl::StatusOr<std::unique_ptr<storage::DurableQueue>> queue =
      storage::DurableQueue::Open(options.dir, std::move(queue_options));
  if (!queue.ok()) return queue.status();
  return std::unique_ptr<HttpDeliverer>(
      new HttpDeliverer(std::make_shared<Impl>(std::move(options), std::move(*queue))));
}

HttpDeliverer::HttpDeliverer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpDeliverer::~HttpDeliverer() { impl_->Shutdown(); }

void HttpDeliverer::Start() { impl_->Start(); }

void HttpDeliverer::Deliver(HttpDelivery delivery, std::function<void(absl::Status)> settled) {
  impl_->Deliver(std::move(delivery), std::move(settled));
}

void HttpDeliverer::OnClockAdvanced() { impl_->PumpSoon(); }

void HttpDeliverer::Shutdown() { impl_->Shutdown(); }

HttpDeliveryStats HttpDeliverer::stats() const { return impl_->stats(); }

void HttpDeliverer::AddStats(boost::json::object& stats) const {
  const HttpDeliveryStats counts = impl_->stats();
  stats["sns_http_delivered"] = counts.delivered;
  stats["sns_http_rejected"] = counts.rejected;
  stats["sns_http_retried"] = counts.retried;
  stats["sns_http_failed"] = counts.failed;
  stats["sns_http_pending"] = counts.pending;
}

}  // namespace serval::sns
