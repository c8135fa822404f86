#include "services/logs/subscription_delivery.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/json.hpp>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "common/crypto.h"
#include "common/gzip.h"
#include "invoker/invoker.h"
#include "services/logs/event_ids.h"
#include "storage/log_store.h"
#include "storage/metadata_store.h"
#include "storage/offload.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

constexpr std::string_view kCheckpointTable = "logs.subscription_checkpoints";
// How long new events wait for company before they are delivered: kBatchWindow plus a part of
// kWindowSpread fixed per filter and stream, so that busy streams, which all turn dirty at once,
// are delivered at different moments rather than in one burst of invocations. And how much one
// delivery carries (its compressed, base64 form stays well under Lambda's asynchronous payload
// limit).
constexpr auto kBatchWindow = std::chrono::milliseconds(500);
constexpr auto kWindowSpread = std::chrono::milliseconds(500);
constexpr size_t kMaxBatchBytes = 128 * 1024;
constexpr size_t kMaxBatchEvents = 10000;

std::chrono::steady_clock::duration WindowOf(
    const std::tuple<std::string, std::string, std::string>& key) {
  const size_t spread = std::hash<std::string>{}(std::get<1>(key) + '\0' + std::get<2>(key)) %
                        static_cast<size_t>(kWindowSpread.count());
  return kBatchWindow + std::chrono::milliseconds(spread);
}

std::string CheckpointKey(const std::tuple<std::string, std::string, std::string>& key) {
  return std::get<0>(key) + '\0' + std::get<1>(key) + '\0' + std::get<2>(key);
}

std::string AwsLogsPayload(const json::object& message) {
  return json::serialize(
      json::object{{"awslogs", {{"data", Base64Encode(GzipCompress(json::serialize(message)))}}}});
}

}  // namespace

// Hears the log store's appends on whatever thread makes them and passes those of subscribed
// groups to the io thread, coalesced: appends gather here and one task on the io thread takes
// all that gathered since the last (a busy function appends once per invocation). Outlives the
// service (the store keeps it): after the service is gone it passes nothing on. Thread-safe.
class SubscriptionDelivery::Relay : public std::enable_shared_from_this<Relay> {
 public:
  explicit Relay(std::function<void(std::function<void()>)> post_to_io)
      : post_to_io_(std::move(post_to_io)) {}
  void Attach(SubscriptionDelivery* target) { target_.store(target); }
  void SetActive(bool active) { active_.store(active, std::memory_order_relaxed); }
  void OnAppend(const std::string& group, const std::string& stream) {
    if (!active_.load(std::memory_order_relaxed)) return;
    {
      absl::MutexLock lock(&mu_);
      if (!appended_.contains({group, stream})) appended_.emplace(group, stream);
      if (posted_) return;
      posted_ = true;
    }
    // The target is read on the io thread, where it is also detached.
    post_to_io_([self = shared_from_this()] { self->PassOn(); });
  }

 private:
  void PassOn() {
    std::set<std::pair<std::string, std::string>> appended;
    {
      absl::MutexLock lock(&mu_);
      appended.swap(appended_);
      posted_ = false;
    }
    SubscriptionDelivery* target = target_.load();
    if (target == nullptr) return;
    for (const auto& [group, stream] : appended) target->OnAppend(group, stream);
  }

  const std::function<void(std::function<void()>)> post_to_io_;
  std::atomic<SubscriptionDelivery*> target_{nullptr};
  std::atomic<bool> active_{false};  // some group has a filter
  absl::Mutex mu_;
  std::set<std::pair<std::string, std::string>> appended_ ABSL_GUARDED_BY(mu_);  // group, stream
  bool posted_ ABSL_GUARDED_BY(mu_) = false;  // a PassOn is on its way
};

// One delivery read from a stream: its payload (the filtered events), how many events it
// carries and where it ends.
struct SubscriptionDelivery::Batch {
  std::string payload;
  size_t events = 0;
  uint64_t end_offset = 0;
  bool more = false;  // the stream has more past `end_offset`
  bool gone = false;  // the stream no longer exists
};

SubscriptionDelivery::SubscriptionDelivery(const services::Platform& platform)
    : platform_(platform), relay_(std::make_shared<Relay>(platform.post_to_io)) {
  relay_->Attach(this);
}

SubscriptionDelivery::~SubscriptionDelivery() { relay_->Attach(nullptr); }

void SubscriptionDelivery::SetFilters(const std::string& group,
                                      const std::vector<SubscriptionFilter>& filters) {
  std::vector<ActiveFilter> active;
  for (const SubscriptionFilter& filter : filters) {
    auto pattern = FilterPattern::Parse(filter.pattern);
    if (!pattern.ok()) continue;  // checked when the filter was put
    active.push_back({filter, std::make_shared<FilterPattern>(*std::move(pattern))});
  }
  // Checkpoints of filters that went.
  storage::WriteBatch batch;
  for (auto it = checkpoints_.begin(); it != checkpoints_.end();) {
    const std::string& key_group = std::get<0>(it->first);
    const std::string& key_filter = std::get<1>(it->first);
    const bool kept = key_group != group ||
                      std::any_of(active.begin(), active.end(), [&](const ActiveFilter& filter) {
                        return filter.filter.name == key_filter;
                      });
    if (kept) {
      ++it;
      continue;
    }
    batch.Delete(std::string(kCheckpointTable), CheckpointKey(it->first));
    it = checkpoints_.erase(it);
  }
  if (!batch.ops().empty()) {
    platform_.metadata->WriteAsync(std::move(batch), [](absl::Status status) {
      if (!status.ok()) {
        fmt::print(stderr, "serval: logs: stale subscription checkpoints not deleted: {}\n",
                   status.ToString());
      }
    });
  }
  if (active.empty()) {
    filters_.erase(group);
  } else {
    filters_[group] = std::move(active);
  }
  relay_->SetActive(!filters_.empty());
}

void SubscriptionDelivery::Announce(const std::string& group, const SubscriptionFilter& filter) {
  (void)group;
  const json::object control{
      {"messageType", "CONTROL_MESSAGE"},
      {"owner", "CloudwatchLogs"},
      {"logGroup", ""},
      {"logStream", ""},
      {"subscriptionFilters", json::array{}},
      {"logEvents",
       json::array{json::object{
           {"id", ""},
           {"timestamp", platform_.clock->NowMillis()},
           {"message", "CWL CONTROL MESSAGE: Checking health of destination Lambda function."}}}}};
  platform_.invoker->Deliver(
      "logs:subscription-filter/" + filter.name,
      {.function = filter.destination_arn, .payload = AwsLogsPayload(control)});
}

void SubscriptionDelivery::Start() {
  auto records = platform_.metadata->Scan(kCheckpointTable, {});
  if (records.ok()) {
    for (const storage::Record& record : *records) {
      const size_t first = record.key.find('\0');
      const size_t second = first == std::string::npos ? first : record.key.find('\0', first + 1);
      if (second == std::string::npos) continue;
      checkpoints_[{record.key.substr(0, first), record.key.substr(first + 1, second - first - 1),
                    record.key.substr(second + 1)}] = std::stoull(record.value);
    }
  } else {
    fmt::print(stderr, "serval: logs: subscription checkpoints unreadable: {}\n",
               records.status().ToString());
  }
  batch_timer_ = std::make_unique<boost::asio::steady_timer>(*platform_.io);
  platform_.logs->SetAppendListener(
      [relay = relay_](const std::string& group, const std::string& stream) {
        relay->OnAppend(group, stream);
      });
  // Catch up: whatever was written while no delivery was made.
  for (const auto& [group, filters] : filters_) {
    auto streams = platform_.logs->ListStreams(group);
    if (!streams.ok()) continue;
    for (const storage::LogStreamInfo& stream : *streams) OnAppend(group, stream.name);
  }
}

void SubscriptionDelivery::Drain(std::function<void()> done) {
  // What is not handed over yet stays behind its checkpoint for the next start.
  draining_ = true;
  if (batch_timer_) batch_timer_->cancel();
  done();
}

// The simulated clock moved: whatever is dirty is delivered now.
void SubscriptionDelivery::OnClockAdvanced() {
  DeliverDirty(std::chrono::steady_clock::time_point::max());
}

void SubscriptionDelivery::AddStats(json::object& stats) const {
  stats["subscription_deliveries"] = deliveries_;
  stats["subscription_events_delivered"] = events_delivered_;
  stats["subscription_delivery_failures"] = delivery_failures_;
  stats["subscription_backlog_streams"] = dirty_.size() + in_flight_.size();
}

void SubscriptionDelivery::OnAppend(const std::string& group, const std::string& stream) {
  auto found = filters_.find(group);
  if (found == filters_.end() || draining_) return;
  const auto now = std::chrono::steady_clock::now();
  for (const ActiveFilter& filter : found->second) {
    Key key{group, filter.filter.name, stream};
    if (dirty_.contains(key)) continue;
    const auto due = now + WindowOf(key);
    dirty_.emplace(std::move(key), due);
    ArmBatchTimer(due);
  }
}

void SubscriptionDelivery::ArmBatchTimer(std::chrono::steady_clock::time_point due) {
  if (!batch_timer_ || (timer_armed_ && batch_timer_->expiry() <= due)) return;
  timer_armed_ = true;
  batch_timer_->expires_at(due);  // cancels an earlier wait, whose handler then does nothing
  batch_timer_->async_wait([this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;  // re-armed, or draining
    timer_armed_ = false;
    if (error || draining_) return;
    DeliverDirty(std::chrono::steady_clock::now());
  });
}

void SubscriptionDelivery::DeliverDirty(std::chrono::steady_clock::time_point due_by) {
  std::vector<Key> ready;
  std::optional<std::chrono::steady_clock::time_point> next_due;
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    if (in_flight_.contains(it->first)) {
      ++it;  // stays dirty: looked at again when the batch in flight is handed over
      continue;
    }
    if (it->second > due_by) {
      next_due = std::min(next_due.value_or(it->second), it->second);
      ++it;
      continue;
    }
    ready.push_back(it->first);
    it = dirty_.erase(it);
  }
  for (const Key& key : ready) DeliverNext(key);
  if (next_due) ArmBatchTimer(*next_due);
}

const SubscriptionDelivery::ActiveFilter* SubscriptionDelivery::FindFilter(
    const std::string& group, const std::string& name) const {
  auto filters = filters_.find(group);
  if (filters == filters_.end()) return nullptr;
  for (const ActiveFilter& active : filters->second) {
    if (active.filter.name == name) return &active;
  }
  return nullptr;
}

void SubscriptionDelivery::DeliverNext(const Key& key) {
  const ActiveFilter* active = FindFilter(std::get<0>(key), std::get<1>(key));
  if (active == nullptr) return;
  in_flight_.insert(key);
  auto checkpoint = checkpoints_.find(key);
  const std::optional<uint64_t> from =
      checkpoint == checkpoints_.end() ? std::nullopt : std::optional(checkpoint->second);
  // Reading, and building the delivery (JSON, gzip, base64), happen on the reader: the io
  // thread only hands the finished payload to the invoker.
  storage::Offload(
      reader_, platform_.post_to_io,
      [logs = platform_.logs, key, owner = platform_.account.account_id, from,
       pattern = active->pattern, since = active->filter.creation_millis]() {
        const auto& [group, filter_name, stream] = key;
        Batch batch;
        auto info = logs->GetStream(group, stream);
        if (!info.ok()) {
          batch.gone = true;
          return batch;
        }
        size_t bytes = 0;
        json::array events;
        const uint64_t start = from.value_or(info->first_event_offset);
        auto end = logs->ReadStream(
            group, stream, start, info->end_offset, [&](const storage::LogEvent& event) {
              // Without a checkpoint: only what came after the filter.
              if (!from && event.ingestion_millis < since) return true;
              if (!pattern->MatchesEverything() && !pattern->Matches(event.message)) {
                return true;
              }
              events.push_back(
                  json::object{{"id", EventId(info->id, event.offset, event.timestamp_millis)},
                               {"timestamp", event.timestamp_millis},
                               {"message", event.message}});
              bytes += event.message.size();
              return bytes < kMaxBatchBytes && events.size() < kMaxBatchEvents;
            });
        batch.end_offset = end.ok() ? *end : start;
        batch.more = end.ok() && *end < info->end_offset;
        batch.events = events.size();
        if (batch.events == 0) return batch;
        batch.payload = AwsLogsPayload(
            json::object{{"messageType", "DATA_MESSAGE"},
                         {"owner", owner},
                         {"logGroup", group},
                         {"logStream", stream},
                         {"subscriptionFilters", json::array{json::string(filter_name)}},
                         {"logEvents", std::move(events)}});
        return batch;
      },
      [this, key, filter = active->filter](Batch batch) {
        if (batch.gone) {
          in_flight_.erase(key);
          return;
        }
        if (batch.events == 0) return Handed(key, batch.end_offset, batch.more);
        platform_.invoker->Deliver(
            "logs:" + std::get<0>(key) + "/" + std::get<1>(key),
            {.function = filter.destination_arn, .payload = std::move(batch.payload)},
            [this, key, count = batch.events, end = batch.end_offset,
             more = batch.more](const absl::Status& status) {
              // An event the invoker could not queue is already recorded by it (the function's
              // serval/async-dropped stream): this batch is done either way.
              if (status.ok()) {
                ++deliveries_;
                events_delivered_ += count;
              } else {
                ++delivery_failures_;
              }
              Handed(key, end, more);
            });
      });
}

void SubscriptionDelivery::Handed(const Key& key, uint64_t offset, bool more) {
  if (FindFilter(std::get<0>(key), std::get<1>(key)) == nullptr) {
    // Deleted meanwhile: no checkpoint to keep.
    in_flight_.erase(key);
    return;
  }
  // A backlog (the batch was full) goes on at once; events that came while this batch was on
  // its way wait for the next batch window, as new events do, so a busy stream gets one
  // delivery per window rather than one per durable hand-over.
  auto next = [this, key, more] {
    in_flight_.erase(key);
    if (draining_) return;
    if (more) {
      dirty_.erase(key);
      DeliverNext(key);
    } else if (auto dirty = dirty_.find(key); dirty != dirty_.end()) {
      ArmBatchTimer(dirty->second);
    }
  };
  auto checkpoint = checkpoints_.find(key);
  if (checkpoint != checkpoints_.end() && checkpoint->second == offset) return next();
  StoreCheckpoint(key, offset, std::move(next));
}

void SubscriptionDelivery::StoreCheckpoint(const Key& key, uint64_t offset,
                                           std::function<void()> stored) {
  storage::WriteBatch batch;
  batch.Put(std::string(kCheckpointTable), CheckpointKey(key), std::to_string(offset));
  platform_.metadata->WriteAsync(
      std::move(batch), [this, key, offset, stored = std::move(stored)](absl::Status status) {
        if (status.ok()) {
          checkpoints_[key] = offset;
        } else {
          // Redelivered from the old checkpoint at the next start.
          fmt::print(stderr, "serval: logs: subscription checkpoint not stored: {}\n",
                     status.ToString());
        }
        stored();
      });
}

}  // namespace serval::logs
